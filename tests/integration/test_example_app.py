"""The example app in-process (``zzz.testing.TestClient``): pages, htmx fragments,
forms with changeset errors, CSRF, the JSON API and its bearer token."""

from __future__ import annotations

import re

import pytest
from zzz.exceptions import ImproperlyConfigured
from zzz.testing import TestClient

from example_app.db import SEED_USERS
from example_app.factory import create_app
from example_app.settings import DEV_API_TOKEN, ExampleSettings

pytestmark = pytest.mark.anyio

HX = {"HX-Request": "true"}


def hx(target: str) -> dict[str, str]:
    return {"HX-Request": "true", "HX-Target": target}


def row_ids(html: str) -> list[str]:
    return re.findall(r'<tr id="user-(\d+)"', html)


async def csrf_client(app) -> TestClient:
    client = TestClient(app)
    await client.fetch_csrf_token("/users/new")
    return client


# ------------------------------------------------------------------- pages
async def test_index_renders_layout_rows_and_load_more(example_app):
    async with TestClient(example_app) as client:
        response = await client.get("/users").expect_status(200)
    html = response.text
    assert html.startswith("<!doctype html>")
    assert "<title>Users · Zzz example</title>" in html
    assert '<script src="/_zzz/htmx.min.js?v=' in html
    assert 'hx-trigger="keyup changed delay:300ms, search"' in html
    assert len(row_ids(html)) == 5  # page_size
    assert "Ada Lovelace" in html
    assert 'id="load-more"' in html
    assert 'hx-get="/users?page&#x3D;2"' in html
    response.expect_header("content-type", "text/html; charset=utf-8")
    assert "HX-Request" in (response.headers.get("vary") or "")


async def test_home_redirects_to_users(example_app):
    async with TestClient(example_app) as client:
        await client.get("/").expect_redirect("/users")


async def test_live_search_returns_only_rows_for_htmx(example_app):
    async with TestClient(example_app) as client:
        response = await client.get("/users", params={"q": "GRACE"}, headers=hx("user-rows"))
        response.expect_status(200)
        assert "<html" not in response.text
        assert "<table" not in response.text
        assert "Grace Hopper" in response.text
        assert len(row_ids(response.text)) == 1
        assert 'id="load-more"' not in response.text
        # the e-mail is searched too
        by_email = await client.get("/users", params={"q": "linus@"}, headers=hx("user-rows"))
        assert "Linus Torvalds" in by_email.text
        assert len(row_ids(by_email.text)) == 1
        # no match: an explanatory row, escaped
        none = await client.get("/users", params={"q": "<zz>"}, headers=hx("user-rows"))
        assert "No users match “&lt;zz&gt;”" in none.text
        # the same URL without htmx is the full page, already filtered
        full = await client.get("/users", params={"q": "grace"})
        assert full.text.startswith("<!doctype html>")
        assert len(row_ids(full.text)) == 1
        assert 'value="grace"' in full.text


async def test_load_more_pages_through_everybody(example_app):
    seen: list[str] = []
    async with TestClient(example_app) as client:
        url = "/users"
        first = await client.get(url)
        seen += row_ids(first.text)
        page = 2
        while True:
            response = await client.get(f"/users?page={page}", headers=hx("load-more"))
            response.expect_status(200)
            assert "<table" not in response.text
            seen += row_ids(response.text)
            if 'id="load-more"' not in response.text:
                break
            assert f'hx-get="/users?page&#x3D;{page + 1}"' in response.text
            page += 1
    assert len(seen) == len(set(seen)) == len(SEED_USERS)
    assert page == 3


async def test_show_page_uses_the_card_component_and_lists_posts(example_app):
    async with TestClient(example_app) as client:
        grace = await client.get("/users?q=grace&page=1", headers=hx("user-rows"))
        (user_id,) = row_ids(grace.text)
        response = await client.get(f"/users/{user_id}").expect_status(200)
    html = response.text
    assert '<section class="card">' in html
    assert "<h2>Grace Hopper</h2>" in html
    assert '<footer class="card-footer">' in html
    assert f'href="/users/{user_id}/edit"' in html
    assert "A moth in the relay" in html
    assert "Nanoseconds" in html
    assert '<p id="no-posts" class="muted" hidden>' in html


async def test_unknown_user_is_404(example_app):
    async with TestClient(example_app) as client:
        await client.get("/users/9999").expect_status(404)
        await client.get("/users/not-a-number").expect_status(404)
        await client.get("/users/9999/edit").expect_status(404)


async def test_static_css_security_headers_request_id_and_htmx_script(example_app):
    async with TestClient(example_app) as client:
        css = await client.get("/static/app.css").expect_status(200)
        assert css.headers["content-type"].startswith("text/css")
        assert ".htmx-indicator" in css.text
        page = await client.get("/users")
        assert "default-src 'self'" in page.headers["content-security-policy"]
        assert page.headers["x-frame-options"] == "DENY"
        assert page.headers["x-content-type-options"] == "nosniff"
        assert page.headers.get("x-request-id")
        script = await client.get("/_zzz/htmx.min.js").expect_status(200)
        assert "htmx" in script.text[:2000]


# ------------------------------------------------------------------- forms
async def test_new_form_has_a_csrf_token(example_app):
    async with TestClient(example_app) as client:
        response = await client.get("/users/new").expect_status(200)
    assert 'name="_csrf_token" value="' in response.text
    assert 'hx-post="/users"' in response.text


async def test_create_without_csrf_token_is_403(example_app):
    async with TestClient(example_app) as client:
        await client.get("/users/new")  # a session exists, but no token is sent
        response = await client.post(
            "/users", form={"user[name]": "Eve", "user[email]": "eve@example.com"}
        )
        response.expect_status(403)
        wrong = await client.post(
            "/users",
            form={"user[name]": "Eve", "user[email]": "eve@example.com"},
            headers={"x-csrf-token": "forged"},
        )
        wrong.expect_status(403)
        search = await client.get("/users?q=eve", headers=hx("user-rows"))
        assert row_ids(search.text) == []


async def test_create_with_bad_params_rerenders_the_form_with_errors(example_app):
    async with TestClient(example_app) as client:
        await client.fetch_csrf_token("/users/new")
        response = await client.post(
            "/users", form={"user[name]": "", "user[email]": "not-an-email", "user[bio]": "hi"}
        )
        response.expect_status(422)
        html = response.text
        assert html.startswith("<!doctype html>")  # the whole page again
        assert "Name can&#x27;t be blank" in html
        assert "E-mail has invalid format" in html
        assert 'value="not-an-email"' in html
        assert ">hi</textarea>" in html
        # htmx: only the form comes back (swapped in place), still 422
        fragment = await client.post(
            "/users", form={"user[name]": "X", "user[email]": ""}, headers=hx("user-form")
        )
        fragment.expect_status(422)
        assert fragment.text.lstrip().startswith('<form id="user-form"')
        assert "Name should be at least 2 character(s)" in fragment.text
        assert "E-mail can&#x27;t be blank" in fragment.text


async def test_malformed_form_params_are_422_not_500(example_app):
    async with TestClient(example_app) as client:
        await client.fetch_csrf_token("/users/new")
        scalar = await client.post("/users", form={"user": "not-a-map"})
        scalar.expect_status(422).expect_body_contains("Name can&#x27;t be blank")
        nested = await client.post(
            "/users", form={"user[name][x]": "1", "user[email]": "n@example.com"}
        )
        nested.expect_status(422).expect_body_contains("Name is invalid")
        long_bio = await client.post(
            "/users",
            form={"user[name]": "Long", "user[email]": "l@example.com", "user[bio]": "b" * 1001},
        )
        long_bio.expect_status(422).expect_body_contains("Bio should be at most 1000")
        search = await client.get("/users", params={"q": "x" * 10_000, "page": "99999999999"})
        search.expect_status(200)
        await client.get("/users?page=abc").expect_status(422)


async def test_create_duplicate_email_is_a_field_error(example_app):
    async with TestClient(example_app) as client:
        await client.fetch_csrf_token("/users/new")
        response = await client.post(
            "/users", form={"user[name]": "Ada Again", "user[email]": "ada@example.com"}
        )
        response.expect_status(422).expect_body_contains("E-mail has already been taken")


async def test_create_without_javascript_redirects_with_a_flash(example_app):
    async with TestClient(example_app) as client:
        await client.fetch_csrf_token("/users/new")
        response = await client.post(
            "/users",
            form={"user[name]": "Frances Allen", "user[email]": "frances@example.com"},
        )
        response.expect_status(303)
        location = response.headers["location"]
        assert re.fullmatch(r"/users/\d+", location)
        page = await client.get(location).expect_status(200)
        assert "User created." in page.text
        assert "Frances Allen" in page.text
        again = await client.get(location)
        assert "User created." not in again.text  # the flash is shown once


async def test_create_with_htmx_swaps_in_the_new_users_page(example_app):
    async with TestClient(example_app) as client:
        await client.fetch_csrf_token("/users/new")
        response = await client.post(
            "/users",
            form={"user[name]": "Frances Allen", "user[email]": "frances@example.com"},
            headers=hx("user-form"),
        )
        response.expect_status(200)
        response.expect_header("hx-retarget", "#main").expect_header("hx-reswap", "innerHTML")
        assert re.fullmatch(r"/users/\d+", response.headers["hx-push-url"])
        assert "<html" not in response.text  # no layout for htmx
        assert "User created." in response.text
        assert "<h2>Frances Allen</h2>" in response.text


async def test_edit_form_and_update_without_javascript(example_app):
    async with TestClient(example_app) as client:
        form = await client.get("/users/1/edit").expect_status(200)
        assert 'value="Ada Lovelace"' in form.text
        assert 'action="/users/1"' in form.text
        await client.fetch_csrf_token("/users/1/edit")
        bad = await client.post("/users/1", form={"user[email]": "nope"})
        bad.expect_status(422).expect_body_contains("E-mail has invalid format")
        ok = await client.post("/users/1", form={"user[name]": "Ada King"})
        ok.expect_redirect("/users/1")
        page = await client.get("/users/1")
        assert "<h2>Ada King</h2>" in page.text
        assert "User updated." in page.text


async def test_inline_row_editing(example_app):
    async with TestClient(example_app) as client:
        await client.fetch_csrf_token("/users")
        editing = await client.get("/users/2/row/edit", headers=hx("user-2"))
        editing.expect_status(200)
        assert editing.text.lstrip().startswith('<tr id="user-2" class="user-row editing">')
        assert 'name="user[email]" type="email" value="alan@example.com"' in editing.text
        bad = await client.put(
            "/users/2", form={"user[name]": "Alan", "user[email]": "x"}, headers=hx("user-2")
        )
        bad.expect_status(422)
        assert bad.text.lstrip().startswith('<tr id="user-2" class="user-row editing">')
        assert "has invalid format" in bad.text
        assert 'value="x"' in bad.text
        good = await client.put(
            "/users/2",
            form={"user[name]": "Alan M. Turing", "user[email]": "alan@example.com"},
            headers=hx("user-2"),
        )
        good.expect_status(200)
        assert good.text.lstrip().startswith('<tr id="user-2" class="user-row">')
        assert "Alan M. Turing" in good.text
        cancel = await client.get("/users/2/row", headers=hx("user-2"))
        assert "Alan M. Turing" in cancel.text
        assert "<input" not in cancel.text


async def test_delete_row_with_htmx_and_from_the_show_page(example_app):
    async with TestClient(example_app) as client:
        await client.fetch_csrf_token("/users")
        response = await client.delete("/users/3", headers=hx("user-3"))
        response.expect_status(200)
        assert response.text == ""
        await client.get("/users/3").expect_status(404)
        from_page = await client.delete("/users/4", headers=hx("main"))
        from_page.expect_status(200).expect_header("hx-push-url", "/users")
        assert "Deleted Donald Knuth." in from_page.text
        assert "<html" not in from_page.text
        no_js = await client.post("/users/5/delete")
        no_js.expect_redirect("/users")
        listing = await client.get("/users")
        assert "Deleted Edsger Dijkstra." in listing.text


async def test_posts_are_added_and_deleted_with_htmx(example_app):
    async with TestClient(example_app) as client:
        await client.fetch_csrf_token("/users/1")
        bad = await client.post("/users/1/posts", form={"post[title]": ""}, headers=hx("post-form"))
        bad.expect_status(422).expect_body_contains("Title can&#x27;t be blank")
        response = await client.post(
            "/users/1/posts",
            form={"post[title]": "On numbers", "post[body]": "Bernoulli"},
            headers=hx("post-form"),
        )
        response.expect_status(200)
        html = response.text
        assert html.lstrip().startswith('<form id="post-form"')
        assert '<div hx-swap-oob="afterbegin:#posts">' in html
        assert "On numbers" in html
        assert '<p hx-swap-oob="true" id="no-posts" class="muted" hidden>' in html
        found = re.search(r'<article id="post-(\d+)"', html)
        assert found is not None
        post_id = found.group(1)
        page = await client.get("/users/1")
        assert "On numbers" in page.text
        await client.delete(f"/users/2/posts/{post_id}", headers=HX).expect_status(404)
        await client.delete(f"/users/1/posts/{post_id}", headers=HX).expect_status(200)
        page = await client.get("/users/1")
        assert "On numbers" not in page.text


async def test_posts_without_javascript_redirect_with_a_flash(example_app):
    async with TestClient(example_app) as client:
        await client.fetch_csrf_token("/users/1")
        bad = await client.post("/users/1/posts", form={"post[title]": ""})
        bad.expect_redirect("/users/1")
        page = await client.get("/users/1")
        assert "The post was not saved: a title is required." in page.text
        ok = await client.post("/users/1/posts", form={"post[title]": "Plain form"})
        ok.expect_redirect("/users/1")
        page = await client.get("/users/1")
        assert "Post added." in page.text
        assert "Plain form" in page.text
        await client.post("/users/9999/posts", form={"post[title]": "x"}).expect_status(404)


# --------------------------------------------------------------------- API
async def test_api_requires_the_bearer_token(example_app):
    async with TestClient(example_app) as client:
        missing = await client.get("/api/v1/users").expect_status(401)
        assert missing.headers["www-authenticate"].startswith('Bearer realm="api"')
        assert missing.json()["errors"]["detail"] == "authentication required"
        wrong = await client.get("/api/v1/users", headers={"authorization": "Bearer nope"})
        wrong.expect_status(401)
        assert 'error="invalid_token"' in wrong.headers["www-authenticate"]
        # the browser's session and CSRF token do not open the API
        await client.fetch_csrf_token("/users/new")
        await client.post("/api/v1/users", json={"name": "Eve"}).expect_status(401)


async def test_api_crud(example_app, api_headers):
    async with TestClient(example_app, headers=api_headers) as client:
        listing = await client.get("/api/v1/users?q=grace").expect_status(200)
        assert [u["name"] for u in listing.json()["data"]] == ["Grace Hopper"]
        assert listing.json()["meta"] == {"page": 1, "has_more": False}
        first = await client.get("/api/v1/users")
        assert len(first.json()["data"]) == 5
        assert first.json()["meta"]["has_more"] is True

        created = await client.post(
            "/api/v1/users", json={"name": "Hedy Lamarr", "email": "hedy@example.com"}
        )
        created.expect_status(201)
        user = created.json()["data"]
        assert user["name"] == "Hedy Lamarr"
        assert user["bio"] is None
        assert user["inserted_at"]
        assert user["updated_at"]
        created.expect_header("location", f"/api/v1/users/{user['id']}")

        await (
            client.get(f"/api/v1/users/{user['id']}")
            .expect_status(200)
            .expect_json_path("$.data.email", "hedy@example.com")
        )
        nested = await client.patch(
            f"/api/v1/users/{user['id']}", json={"user": {"bio": "Frequency hopping."}}
        )
        nested.expect_status(200).expect_json_path("$.data.bio", "Frequency hopping.")
        await (
            client.put(f"/api/v1/users/{user['id']}", json={"name": "Hedy K. Lamarr"})
            .expect_status(200)
            .expect_json_path("$.data.name", "Hedy K. Lamarr")
        )

        post = await client.post(
            f"/api/v1/users/{user['id']}/posts", json={"title": "Spread spectrum"}
        )
        post.expect_status(201).expect_json_path("$.data.user_id", user["id"])
        posts = await client.get(f"/api/v1/users/{user['id']}/posts")
        assert [p["title"] for p in posts.json()["data"]] == ["Spread spectrum"]

        deleted = await client.delete(f"/api/v1/users/{user['id']}")
        deleted.expect_status(204)
        assert deleted.body == b""
        gone = await client.get(f"/api/v1/users/{user['id']}").expect_status(404)
        assert gone.headers["content-type"].startswith("application/json")
        await client.get(f"/api/v1/users/{user['id']}/posts").expect_status(404)


async def test_api_validation_errors_are_422_with_fields(example_app, api_headers):
    async with TestClient(example_app, headers=api_headers) as client:
        response = await client.post("/api/v1/users", json={"name": "", "email": "bad"})
        response.expect_status(422)
        assert response.json() == {
            "errors": {"name": ["can't be blank"], "email": ["has invalid format"]}
        }
        taken = await client.post("/api/v1/users", json={"name": "Ada", "email": "ada@example.com"})
        taken.expect_status(422).expect_json({"errors": {"email": ["has already been taken"]}})
        patch = await client.patch("/api/v1/users/1", json={"email": "grace@example.com"})
        patch.expect_status(422).expect_json({"errors": {"email": ["has already been taken"]}})
        post = await client.post("/api/v1/users/1/posts", json={"body": "no title"})
        post.expect_status(422).expect_json({"errors": {"title": ["can't be blank"]}})
        malformed = await client.post(
            "/api/v1/users",
            content=b"{not json",
            headers={"content-type": "application/json"},
        )
        malformed.expect_status(400)
        bad_page = await client.get("/api/v1/users?page=abc")
        bad_page.expect_status(422)


# ---------------------------------------------------------- setup, settings
async def test_startup_creates_and_seeds_once(example_settings):
    for _ in range(2):
        async with TestClient(create_app(example_settings)) as client:
            response = await client.get(
                "/api/v1/users?page=3",
                headers={"authorization": "Bearer " + example_settings.token},
            )
            assert response.json()["meta"]["has_more"] is False
            assert len(response.json()["data"]) == len(SEED_USERS) - 10


def test_api_token_has_a_dev_default_only_in_dev(tmp_path, monkeypatch):
    monkeypatch.delenv("ZZZ_API_TOKEN", raising=False)
    monkeypatch.delenv("ZZZ_ENV", raising=False)
    assert ExampleSettings(env="dev").token == DEV_API_TOKEN
    with pytest.raises(ImproperlyConfigured, match="ZZZ_API_TOKEN is required"):
        ExampleSettings(env="test", secret_key="x" * 40)
    monkeypatch.setenv("ZZZ_API_TOKEN", "from-the-env")
    monkeypatch.setenv("ZZZ_DATABASE_URL", f"sqlite:///{tmp_path / 'env.db'}")
    settings = ExampleSettings(env="test", secret_key="x" * 40)
    assert settings.token == "from-the-env"
    assert settings.database_url.endswith("env.db")
