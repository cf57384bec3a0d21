"""htmx request detection and response headers, through a real App and TestClient."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from zzz import htmx
from zzz.app import App
from zzz.router import Router, get, post
from zzz.settings import Settings
from zzz.templates import Templates
from zzz.testing import TestClient

pytestmark = pytest.mark.anyio

HX = {"HX-Request": "true"}


def make_app(tmp_path: Path, *routes, plugs=()) -> App:
    (tmp_path / "layout").mkdir(exist_ok=True)
    (tmp_path / "layout" / "app.html.zzz").write_text(
        "<html><body hx-headers='{{hx_headers}}'>{{yield}}</body></html>"
    )
    (tmp_path / "users").mkdir(exist_ok=True)
    (tmp_path / "users" / "index.html.zzz").write_text(
        '<h1>Users</h1><ul id="list">{{#block "rows"}}{{#each users}}<li>{{this}}</li>'
        "{{/each}}{{/block}}</ul>"
    )
    (tmp_path / "users" / "_count.html.zzz").write_text('<span id="count">{{n}}</span>')
    settings = Settings(env="test", secret_key="k" * 32)
    return App(Router(*routes), settings=settings, plugs=plugs, templates=Templates(tmp_path))


async def test_request_detection(tmp_path: Path) -> None:
    async def info(conn):
        return conn.json(
            {
                "htmx": htmx.is_htmx(conn),
                "boosted": htmx.is_boosted(conn),
                "restore": htmx.is_history_restore(conn),
                "full": htmx.wants_full_page(conn),
                "target": htmx.htmx_target(conn),
                "trigger": htmx.htmx_trigger_id(conn),
                "name": htmx.htmx_trigger_name(conn),
                "url": htmx.htmx_current_url(conn),
                "prompt": htmx.htmx_prompt(conn),
            }
        )

    client = TestClient(make_app(tmp_path, get("/", info)))
    plain = (await client.get("/")).json()
    assert plain["htmx"] is False
    assert plain["full"] is True
    headers = {
        **HX,
        "HX-Target": "list",
        "HX-Trigger": "btn",
        "HX-Trigger-Name": "q",
        "HX-Current-URL": "http://testserver/users",
        "HX-Prompt": "caf%C3%A9",
        "HX-Prompt-URI-AutoEncoded": "true",
    }
    got = (await client.get("/", headers=headers)).json()
    assert got == {
        "htmx": True,
        "boosted": False,
        "restore": False,
        "full": False,
        "target": "list",
        "trigger": "btn",
        "name": "q",
        "url": "http://testserver/users",
        "prompt": "café",
    }
    boosted = (await client.get("/", headers={**HX, "HX-Boosted": "true"})).json()
    assert boosted["full"] is True
    restore = (await client.get("/", headers={**HX, "HX-History-Restore-Request": "true"})).json()
    assert restore["full"] is True


async def test_trigger_merging_and_variants(tmp_path: Path) -> None:
    async def handler(conn):
        htmx.htmx_trigger(conn, "a")
        htmx.htmx_trigger(conn, "b")
        htmx.htmx_trigger(conn, "saved", {"id": 3}, after="settle")
        htmx.htmx_trigger(conn, "other", after="settle")
        htmx.htmx_trigger(conn, "swapped", after="swap")
        return conn.text("ok")

    resp = await TestClient(make_app(tmp_path, get("/", handler))).get("/")
    assert resp.headers["hx-trigger"] == "a, b"
    assert json.loads(resp.headers["hx-trigger-after-settle"]) == {
        "saved": {"id": 3},
        "other": None,
    }
    assert resp.headers["hx-trigger-after-swap"] == "swapped"


async def test_trigger_validation(tmp_path: Path) -> None:
    async def bad_name(conn):
        htmx.htmx_trigger(conn, "a b")

    async def bad_after(conn):
        htmx.htmx_trigger(conn, "a", after="later")  # type: ignore[arg-type]

    app = make_app(tmp_path, get("/a", bad_name), get("/b", bad_after))
    client = TestClient(app)
    await client.get("/a").expect_status(500)
    await client.get("/b").expect_status(500)


async def test_redirect_htmx_and_plain(tmp_path: Path) -> None:
    async def go(conn):
        return htmx.htmx_redirect(conn, "/users")

    client = TestClient(make_app(tmp_path, get("/go", go), post("/go", go)))
    resp = await client.get("/go", headers=HX)
    assert resp.status_code == 200
    assert resp.headers["hx-redirect"] == "/users"
    assert "location" not in resp.headers
    plain = await client.get("/go")
    assert plain.status_code == 302
    assert plain.headers["location"] == "/users"
    posted = await client.post("/go")
    assert posted.status_code == 303


async def test_redirect_refuses_open_redirects(tmp_path: Path) -> None:
    async def go(conn):
        return htmx.htmx_redirect(conn, "//evil.example")

    async def external(conn):
        return htmx.htmx_redirect(conn, external="https://example.com/x")

    client = TestClient(make_app(tmp_path, get("/go", go), get("/ext", external)))
    await client.get("/go", headers=HX).expect_status(500)
    resp = await client.get("/ext", headers=HX)
    assert resp.headers["hx-redirect"] == "https://example.com/x"


async def test_other_response_headers(tmp_path: Path) -> None:
    async def handler(conn):
        htmx.htmx_push_url(conn, "/users/42")
        htmx.htmx_replace_url(conn, False)
        htmx.htmx_reswap(conn, "beforeend scroll:bottom")
        htmx.htmx_retarget(conn, "#list")
        htmx.htmx_reselect(conn, ".row")
        htmx.htmx_refresh(conn)
        htmx.htmx_location(conn, "/next", target="#main", swap="innerHTML")
        return conn.text("ok")

    resp = await TestClient(make_app(tmp_path, get("/", handler))).get("/")
    assert resp.headers["hx-push-url"] == "/users/42"
    assert resp.headers["hx-replace-url"] == "false"
    assert resp.headers["hx-reswap"] == "beforeend scroll:bottom"
    assert resp.headers["hx-retarget"] == "#list"
    assert resp.headers["hx-reselect"] == ".row"
    assert resp.headers["hx-refresh"] == "true"
    assert json.loads(resp.headers["hx-location"]) == {
        "path": "/next",
        "target": "#main",
        "swap": "innerHTML",
    }


async def test_location_plain_and_bad_swap(tmp_path: Path) -> None:
    async def plain(conn):
        htmx.htmx_location(conn, "/next")
        return conn.text("ok")

    async def bad(conn):
        htmx.htmx_reswap(conn, "sideways")

    client = TestClient(make_app(tmp_path, get("/", plain), get("/bad", bad)))
    assert (await client.get("/")).headers["hx-location"] == "/next"
    await client.get("/bad").expect_status(500)


async def test_stop_polling(tmp_path: Path) -> None:
    async def poll(conn):
        return htmx.htmx_stop_polling(conn).text("done")

    resp = await TestClient(make_app(tmp_path, get("/", poll))).get("/")
    assert resp.status_code == htmx.STOP_POLLING == 286


async def test_render_oob_appends_fragments(tmp_path: Path) -> None:
    async def handler(conn):
        htmx.render_oob(conn, "users/_count", n=3)
        htmx.render_oob(conn, "users/index", block="rows", target="#list", swap="beforeend",
                        users=["z"])  # fmt: skip
        return conn.render_partial("users/_count", n=1)

    resp = await TestClient(make_app(tmp_path, get("/", handler))).get("/", headers=HX)
    assert resp.text == (
        '<span id="count">1</span>'
        '<span hx-swap-oob="true" id="count">3</span>'
        '<div hx-swap-oob="beforeend:#list"><li>z</li></div>'
    )


async def test_render_oob_needs_an_element(tmp_path: Path) -> None:
    (tmp_path / "users").mkdir(exist_ok=True)

    async def handler(conn):
        (tmp_path / "users" / "_text.html.zzz").write_text("just text")
        htmx.render_oob(conn, "users/_text")

    await TestClient(make_app(tmp_path, get("/", handler))).get("/").expect_status(500)
