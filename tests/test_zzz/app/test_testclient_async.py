"""The async TestClient: bodies, cookies, redirects, expectations, CSRF, ASGI apps."""

from __future__ import annotations

import pytest
from zzz.app import App
from zzz.router import Router, get, post
from zzz.settings import Settings
from zzz.testing import TestClient
from zzz.testing.client import FileSpec

pytestmark = pytest.mark.anyio


async def login(conn):
    conn.put_resp_cookie("sid", "s3cret", max_age=3600)
    conn.put_resp_cookie("scoped", "1", path="/admin")
    return conn.redirect(to="/me")


async def me(conn):
    return conn.json({"cookies": conn.cookies})


async def logout(conn):
    return conn.delete_resp_cookie("sid").text("bye")


async def echo(conn):
    return conn.json(
        {
            "method": conn.method,
            "ct": conn.headers.get("content-type"),
            "body": (await conn.body()).decode(),
            "query": conn.query_params,
            "auth": conn.headers.get("authorization"),
            "csrf": conn.headers.get("x-csrf-token"),
        }
    )


async def form_page(conn):
    return conn.html(
        '<html><head><meta name="csrf-token" content="tok-123"></head>'
        '<form><input type="hidden" value="tok-456" name="_csrf_token"></form></html>'
    )


async def bounce(conn):
    return conn.redirect(
        to=conn.query_params.get("to", "/me"), status=int(conn.query_params.get("s", "302"))
    )


async def loop(conn):
    return conn.redirect(to="/loop")


async def offsite(conn):
    return conn.redirect(external="https://elsewhere.test/")


def make_client(**options) -> TestClient:
    router = Router(
        post("/login", login),
        get("/me", me),
        get("/admin/me", me),
        post("/logout", logout),
        get("/echo", echo),
        post("/echo", echo),
        get("/form", form_page),
        post("/bounce", bounce),
        get("/bounce", bounce),
        get("/offsite", offsite),
        get("/loop", loop),
    )
    app = App(router, settings=Settings(env="test", secret_key="k" * 32))
    return TestClient(app, **options)


async def test_fluent_and_plain_styles() -> None:
    client = make_client()
    resp = await client.get("/echo", params={"a": [1, 2]}, headers={"Authorization": "Bearer t"})
    assert resp.status == resp.status_code == 200
    assert resp.json()["auth"] == "Bearer t"
    assert resp.json()["query"] == {"a": "2"}
    again = await client.get("/echo?x=1").expect_status(200).expect_json_path("$.query.x", "1")
    assert again.url == "http://testserver/echo?x=1"
    again.expect_status(200).expect_header("content-type").expect_no_header("x-missing")


async def test_request_bodies() -> None:
    client = make_client()
    body = (await client.post("/echo", json={"name": "Jo"})).json()
    assert (body["ct"], body["body"]) == ("application/json", '{"name":"Jo"}')
    body = (await client.post("/echo", form={"a": "1", "b": ["x", "y"]})).json()
    assert body["ct"] == "application/x-www-form-urlencoded"
    assert body["body"] == "a=1&b=x&b=y"
    body = (await client.post("/echo", content="raw")).json()
    assert (body["ct"], body["body"]) == (None, "raw")


async def test_multipart_encoding() -> None:
    client = make_client()
    files: dict[str, FileSpec] = {
        "upload": ("a b.txt", b"hello", "text/plain"),
        "bare": b"\x00\x01",
    }
    body = (await client.multipart("/echo", files=files, data={"title": "T"})).json()
    ct = body["ct"]
    assert ct.startswith("multipart/form-data; boundary=")
    boundary = ct.split("boundary=")[1]
    text = body["body"]
    assert text.startswith(f"--{boundary}\r\n")
    assert text.endswith(f"--{boundary}--\r\n")
    assert 'Content-Disposition: form-data; name="title"\r\n\r\nT\r\n' in text
    assert 'name="upload"; filename="a b.txt"\r\nContent-Type: text/plain\r\n\r\nhello' in text
    assert 'name="bare"; filename="bare"\r\nContent-Type: application/octet-stream' in text


async def test_cookies_persist_follow_path_and_deletion() -> None:
    client = make_client()
    await client.post("/login").expect_redirect("/me")
    assert client.cookies.get("sid") == "s3cret"
    await client.get("/me").expect_json({"cookies": {"sid": "s3cret"}})
    await client.get("/admin/me").expect_json({"cookies": {"scoped": "1", "sid": "s3cret"}})
    await client.get("/me", cookies={"extra": "1"}).expect_json(
        {"cookies": {"sid": "s3cret", "extra": "1"}}
    )
    await client.post("/logout")
    assert client.cookies.get("sid") is None
    await client.get("/me").expect_json({"cookies": {}})


async def test_secure_cookies_only_over_https() -> None:
    client = make_client(base_url="https://testserver")
    await client.post("/login")
    cookie = next(c for c in client.cookies if c.name == "sid")
    assert cookie.secure
    assert cookie.http_only
    await client.get("/me").expect_json_path("$.cookies.sid", "s3cret")
    client.scheme = "http"
    await client.get("/me").expect_json({"cookies": {}})


async def test_follow_redirects() -> None:
    client = make_client(follow_redirects=True)
    resp = await client.post("/login")
    assert resp.status == 200
    assert resp.url == "http://testserver/me"
    assert [r.status for r in resp.history] == [302]
    # 307 keeps the method and body; 303 switches to GET
    resp = await client.post("/bounce?to=/echo&s=307", content="data")
    assert resp.json()["method"] == "POST"
    assert resp.json()["body"] == "data"
    resp = await client.post("/bounce?to=/echo&s=303", content="data")
    assert resp.json()["method"] == "GET"
    assert resp.json()["body"] == ""
    await client.get("/offsite").expect_status(302)  # external: not followed
    await make_client().post("/login", follow_redirects=True).expect_status(200)


async def test_redirect_loop_is_reported() -> None:
    client = make_client(follow_redirects=True)
    with pytest.raises(AssertionError, match="more than 20 redirects"):
        await client.get("/loop")


async def test_failed_expectations_show_the_response() -> None:
    client = make_client()
    resp = await client.get("/echo")
    with pytest.raises(AssertionError) as info:
        resp.expect_status(201)
    message = str(info.value)
    assert "expected status 201, got 200" in message
    assert "--- response to GET http://testserver/echo: 200" in message
    assert '"method":"GET"' in message
    checks = [
        lambda: resp.expect_header("x-nope"),
        lambda: resp.expect_header("content-type", "text/html"),
        lambda: resp.expect_no_header("content-type"),
        lambda: resp.expect_body_contains("zebra"),
        lambda: resp.expect_json({"other": 1}),
        lambda: resp.expect_json_path("$.method", "POST"),
        lambda: resp.expect_json_path("$.nope.deeper"),
        lambda: resp.expect_json_path("$.query[0]"),
        resp.expect_redirect,
    ]
    for check in checks:
        with pytest.raises(AssertionError, match="response to GET"):
            check()
    with pytest.raises(AssertionError, match="expected status 404"):
        await client.get("/echo").expect_status(404)
    html = await client.get("/form")
    with pytest.raises(AssertionError, match="not JSON"):
        html.json()


async def test_json_path_subset() -> None:
    from zzz.testing.assertions import _json_path

    doc = {"items": [{"id": 1, "a b": {"c": [5, 6]}}], "n": None}
    assert _json_path(doc, "$") == doc
    assert _json_path(doc, "$.items[0].id") == 1
    assert _json_path(doc, "$.items[-1]['a b'].c[1]") == 6
    assert _json_path(doc, "$.n") is None
    with pytest.raises(ValueError, match="must start"):
        _json_path(doc, "items")
    with pytest.raises(ValueError, match="cannot parse"):
        _json_path(doc, "$..x")
    with pytest.raises(LookupError):
        _json_path(doc, "$.items[5]")


async def test_csrf_token_from_page_is_sent_on_unsafe_requests() -> None:
    client = make_client()
    assert await client.fetch_csrf_token("/form") == "tok-123"
    assert (await client.post("/echo")).json()["csrf"] == "tok-123"
    assert (await client.get("/echo")).json()["csrf"] is None
    other = make_client(csrf_field="_csrf_token")
    page = '<input name="_csrf_token" value="tok-9">'

    async def only_input(conn):
        return conn.html(page)

    other.app = App(
        Router(get("/", only_input)), settings=Settings(env="test", secret_key="k" * 32)
    )
    assert await other.fetch_csrf_token("/") == "tok-9"


async def test_csrf_token_from_cookie_or_missing() -> None:
    client = make_client(csrf_cookie="sid")
    await client.post("/login")
    assert await client.fetch_csrf_token("/me") == "s3cret"
    with pytest.raises(AssertionError, match="no CSRF token found"):
        await make_client().fetch_csrf_token("/me")


async def test_plain_asgi_app() -> None:
    async def asgi(scope, receive, send):
        await send(
            {
                "type": "http.response.start",
                "status": 201,
                "headers": [(b"set-cookie", b"a=1; Path=/")],
            }
        )
        await send(
            {"type": "http.response.body", "body": scope["path"].encode(), "more_body": True}
        )
        await send({"type": "http.response.body", "body": b"!"})

    client = TestClient(asgi)
    resp = await client.get("/x%20y").expect_status(201)
    assert resp.text == "/x y!"
    assert client.cookies.get("a") == "1"


async def test_app_that_sends_nothing_is_reported() -> None:
    class Silent:
        async def handle_http(self, head, body, response):
            return None

        async def startup(self):
            return None

        async def shutdown(self):
            return None

    with pytest.raises(AssertionError, match="sent no response"):
        await TestClient(Silent()).get("/")


async def test_cookie_jar_rules() -> None:
    from zzz.testing import CookieJar

    jar = CookieJar()
    jar.update_from("a=1; Domain=.example.com; Path=/app; Secure; HttpOnly", "www.example.com", "/")
    jar.update_from("b=2; Max-Age=0", "example.com", "/")
    jar.update_from("c=3; Expires=Thu, 01 Jan 2099 00:00:00 GMT", "example.com", "/x/y")
    jar.update_from("d=4; Expires=not a date", "example.com", "/")
    jar.update_from("junk", "example.com", "/")
    assert jar.header_for("api.example.com", "/app/x", https=True) == "a=1"
    assert jar.header_for("api.example.com", "/application", https=True) is None
    assert jar.header_for("example.com", "/app", https=False) == "d=4"
    assert jar.header_for("example.com", "/x/z", https=False) == "c=3; d=4"
    assert jar.get("b") is None
    jar.set("e", "5")
    assert jar.header_for("testserver", "/", https=False) == "e=5"
    jar.clear()
    assert list(jar) == []


def lifespan_asgi_app(events: list[str]):
    async def app(scope, receive, send):
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    scope["state"]["db"] = "connected"
                    events.append("up")
                    await send({"type": "lifespan.startup.complete"})
                else:
                    events.append("down")
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        body = scope["state"].get("db", "none").encode()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": body})

    return app


async def test_asgi_app_lifespan_and_state() -> None:
    events: list[str] = []
    async with TestClient(lifespan_asgi_app(events)) as client:
        assert (await client.get("/")).text == "connected"
    assert events == ["up", "down"]
    assert (await TestClient(lifespan_asgi_app([])).get("/")).text == "none"
