"""forward(): mounted native apps and ASGI apps see the adjusted root_path and path."""

from __future__ import annotations

import pytest
from zzz.app import App
from zzz.router import Router, forward, get, post
from zzz.settings import Settings
from zzz.testing import TestClient

pytestmark = pytest.mark.anyio

SETTINGS = Settings(env="test", secret_key="k" * 32)


async def where(conn, **params):
    return conn.json({"path": conn.path, "root": conn.root_path, "url": conn.url})


async def echo(conn):
    return conn.text((await conn.body()).decode())


async def raw_asgi(scope, receive, send):
    message = await receive()
    body = f"{scope['root_path']}|{scope['path']}|{message['body'].decode()}".encode()
    await send({"type": "http.response.start", "status": 200, "headers": [(b"x-asgi", b"1")]})
    await send({"type": "http.response.body", "body": body})


def make_app() -> tuple[App, list[str]]:
    events: list[str] = []
    admin = App(
        Router(get("/", where), get("/users/:id", where), post("/echo", echo)),
        settings=SETTINGS,
        on_startup=[lambda: events.append("admin up")],
        on_shutdown=[lambda: events.append("admin down")],
    )

    async def guard(conn):
        conn.put_resp_header("x-guard", "1")

    main = App(
        Router(
            forward("/admin", admin, pipe_through=[guard]),
            forward("/asgi", raw_asgi),
            get("/", where),
        ),
        settings=SETTINGS,
        on_startup=[lambda: events.append("main up")],
    )
    return main, events


async def test_forward_to_native_app() -> None:
    app, events = make_app()
    async with TestClient(app) as client:
        await client.get("/admin/users/3").expect_json(
            {"path": "/users/3", "root": "/admin", "url": "http://testserver/admin/users/3"}
        )
        await client.get("/admin").expect_json_path("$.path", "/")
        await client.post("/admin/echo", content=b"payload").expect_body_contains("payload")
        await client.get("/admin/nope").expect_status(404)
    assert events == ["main up", "admin up", "admin down"]


async def test_forward_to_asgi_app() -> None:
    app, _ = make_app()
    resp = await TestClient(app).post("/asgi/x/y", content=b"hi")
    resp.expect_status(200).expect_header("x-asgi", "1")
    assert resp.text == "/asgi|/asgi/x/y|hi"


async def test_forward_body_already_read_by_a_plug_is_replayed() -> None:
    sub = App(Router(post("/", echo)), settings=SETTINGS)

    async def peek(conn):
        await conn.body()

    app = App(Router(forward("/sub", sub, pipe_through=[peek])), settings=SETTINGS)
    await TestClient(app).post("/sub", content=b"again").expect_body_contains("again")


async def test_root_path_from_the_server_is_stripped_for_routing() -> None:
    app, _ = make_app()
    client = TestClient(app, base_url="http://testserver/prefix")
    await client.get("/").expect_json(
        {"path": "/", "root": "/prefix", "url": "http://testserver/prefix/"}
    )
    await client.get("/admin/users/1").expect_json_path("$.root", "/prefix/admin")
