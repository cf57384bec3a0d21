"""Lifespan hooks and the ASGI 3 interface (hand-driven and under uvicorn)."""

from __future__ import annotations

import socket

import anyio
import pytest
from zzz.app import App
from zzz.router import Router, get, post
from zzz.settings import Settings
from zzz.testing import TestClient

SETTINGS = Settings(env="test", secret_key="k" * 32, allowed_hosts=["*"])


async def hello(conn):
    return conn.json({"hello": conn.query_params.get("name", "world")})


async def echo(conn):
    return conn.text((await conn.body()).decode())


@pytest.mark.anyio
async def test_startup_and_shutdown_hooks_sync_and_async() -> None:
    events: list[str] = []

    async def open_pool() -> None:
        events.append("open")

    def broken() -> None:
        events.append("broken")
        raise RuntimeError("close failed")

    app = App(
        Router(get("/", hello)),
        settings=SETTINGS,
        on_startup=[lambda: events.append("sync up"), open_pool],
        on_shutdown=[lambda: events.append("first registered"), broken],
    )
    client = TestClient(app)
    await client.__aenter__()
    await client.get("/").expect_status(200)
    assert events == ["sync up", "open"]
    with pytest.raises(RuntimeError, match="close failed"):
        await client.__aexit__(None, None, None)
    # shutdown hooks run in reverse order, all of them, and the first error is raised
    assert events == ["sync up", "open", "broken", "first registered"]


@pytest.mark.anyio
async def test_asgi_interface_by_hand() -> None:
    app = App(Router(get("/", hello), post("/echo", echo)), settings=SETTINGS)
    sent: list[dict[str, object]] = []
    incoming = [
        {"type": "http.request", "body": b"ab", "more_body": True},
        {"type": "http.request", "body": b"c", "more_body": False},
    ]

    async def receive():
        return incoming.pop(0)

    async def send(message):
        sent.append(message)

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/echo",
        "raw_path": b"/echo",
        "query_string": b"",
        "headers": [(b"host", b"example.com")],
        "client": ("1.2.3.4", 1),
        "server": ("example.com", 80),
        "scheme": "http",
        "root_path": "",
    }
    await app(scope, receive, send)
    assert sent[0]["status"] == 200
    assert sent[1]["body"] == b"abc"

    lifespan_in = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]
    lifespan_out: list[dict[str, object]] = []

    async def lreceive():
        return lifespan_in.pop(0)

    async def lsend(message):
        lifespan_out.append(message)

    await app({"type": "lifespan"}, lreceive, lsend)
    assert [m["type"] for m in lifespan_out] == [
        "lifespan.startup.complete",
        "lifespan.shutdown.complete",
    ]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize("anyio_backend", ["asyncio"])  # uvicorn runs on asyncio only
@pytest.mark.anyio
async def test_under_uvicorn(anyio_backend: str) -> None:
    import httpx
    import uvicorn

    events: list[str] = []
    app = App(
        Router(get("/", hello), post("/echo", echo)),
        settings=SETTINGS,
        on_startup=[lambda: events.append("up")],
        on_shutdown=[lambda: events.append("down")],
    )
    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    async with anyio.create_task_group() as tg:
        tg.start_soon(server.serve)
        with anyio.fail_after(10):
            while not server.started:
                await anyio.sleep(0.01)
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
                resp = await http.get("/?name=uv")
                assert resp.status_code == 200
                assert resp.json() == {"hello": "uv"}
                resp = await http.post("/echo", content=b"x" * 100_000)
                assert resp.text == "x" * 100_000
                resp = await http.get("/missing")
                assert resp.status_code == 404
            server.should_exit = True
    assert events == ["up", "down"]


@pytest.mark.anyio
@pytest.mark.parametrize("raw_path", [b"/pre/where", b"/where"])
async def test_asgi_root_path_with_or_without_prefix_in_raw_path(raw_path: bytes) -> None:
    async def where(conn):
        return conn.json({"path": conn.path, "root": conn.root_path, "full": conn.request_path})

    app = App(Router(get("/where", where)), settings=SETTINGS)
    sent: list[dict[str, object]] = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    scope = {
        "type": "http",
        "method": "GET",
        "path": "/pre/where",
        "raw_path": raw_path,
        "root_path": "/pre",
        "query_string": b"",
        "headers": [(b"host", b"localhost")],
    }
    await app(scope, receive, send)
    assert sent[0]["status"] == 200
    assert sent[1]["body"] == b'{"path":"/where","root":"/pre","full":"/pre/where"}'
