"""Error mapping: HTTPError, unhandled exceptions, negotiation, error hooks, before-send."""

from __future__ import annotations

import logging

import pytest
from zzz.app import App
from zzz.exceptions import HTTPError
from zzz.router import Router, get
from zzz.settings import Settings
from zzz.testing import TestClient

pytestmark = pytest.mark.anyio


def make_app(*entries, plugs=(), debug=False) -> App:
    return App(
        Router(*entries),
        settings=Settings(env="test", secret_key="k" * 32, debug=debug),
        plugs=plugs,
    )


async def teapot(conn):
    raise HTTPError(418, "short and stout", {"retry-after": "5", "bad header": "x"})


async def boom(conn):
    raise RuntimeError("database password is hunter2")


async def test_http_error_keeps_status_detail_and_headers(caplog) -> None:
    resp = await TestClient(make_app(get("/", teapot))).get("/")
    resp.expect_status(418).expect_header("retry-after", "5").expect_json(
        {"errors": {"detail": "short and stout"}}
    )
    assert "dropped invalid header" in caplog.text


async def test_unhandled_exception_is_500_without_leak(caplog) -> None:
    caplog.set_level(logging.ERROR, "zzz.app")
    resp = await TestClient(make_app(get("/", boom))).get("/")
    resp.expect_status(500)
    assert "hunter2" not in resp.text
    assert "unhandled exception in GET /" in caplog.text


async def test_debug_shows_exception_and_traceback() -> None:
    client = TestClient(make_app(get("/", boom), debug=True))
    (await client.get("/")).expect_status(500).expect_body_contains("RuntimeError: database")
    html = await client.get("/", headers={"accept": "text/html"})
    html.expect_header("content-type", "text/html; charset=utf-8").expect_body_contains("Traceback")
    text = await client.get("/", headers={"accept": "text/plain"})
    text.expect_body_contains("Traceback (most recent call last)")


async def test_error_format_follows_accept() -> None:
    client = TestClient(make_app(get("/", teapot)))
    browser = "text/html,application/xhtml+xml,*/*;q=0.8"
    resp = await client.get("/missing", headers={"accept": browser})
    resp.expect_status(404).expect_body_contains("<h1>404 Not Found</h1>")
    resp = await client.get("/missing", headers={"accept": "text/plain"})
    assert resp.text == "Not Found"


async def test_registered_error_handler_renders() -> None:
    seen: list[BaseException] = []

    async def handler(conn, exc):
        seen.append(exc)
        conn.put_resp_header("x-handled", "1").text("custom", status=503)

    async def install(conn):
        conn.register_error_handler(handler)

    resp = await TestClient(make_app(get("/", boom), plugs=[install])).get("/")
    resp.expect_status(503).expect_header("x-handled", "1").expect_body_contains("custom")
    assert isinstance(seen[0], RuntimeError)


async def test_failing_or_silent_error_handler_falls_back(caplog) -> None:
    async def broken(conn, exc):
        raise ValueError("oops")

    async def silent(conn, exc):
        return None

    for hook in (broken, silent):

        async def install(conn, hook=hook):
            conn.register_error_handler(hook)

        resp = await TestClient(make_app(get("/", teapot), plugs=[install])).get("/")
        resp.expect_status(418)
    assert "error handler" in caplog.text


async def test_before_send_failure_becomes_bare_500(caplog) -> None:
    async def plug(conn):
        def explode(c):
            raise RuntimeError("hook broke")

        conn.register_before_send(explode)

    async def ok(conn):
        return conn.text("fine")

    resp = await TestClient(make_app(get("/", ok), plugs=[plug])).get("/")
    resp.expect_status(500)
    assert "before-send callback failed" in caplog.text


async def test_error_after_response_started_propagates() -> None:
    async def chunked(conn):
        await conn.send_chunked(200)
        raise RuntimeError("mid-stream")

    with pytest.raises(RuntimeError, match="mid-stream"):
        await TestClient(make_app(get("/", chunked))).get("/")


async def test_body_too_large_is_413() -> None:
    from zzz.router import post

    async def echo(conn):
        return conn.text(str(len(await conn.body())))

    app = App(
        Router(post("/", echo)),
        settings=Settings(env="test", secret_key="k" * 32, max_body_size=5),
    )
    client = TestClient(app)
    await client.post("/", content=b"12345").expect_status(200).expect_body_contains("5")
    await client.post("/", content=b"123456").expect_status(413)
