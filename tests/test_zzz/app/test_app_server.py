"""The App served by the built-in server over real sockets (asyncio and trio)."""

from __future__ import annotations

import anyio
import httpx
import pytest
from zzz.app import App
from zzz.router import Router, get, post
from zzz.settings import Settings

pytestmark = pytest.mark.anyio


async def user(conn, id: int):
    return {"id": id, "q": conn.query_params, "ip": conn.remote_ip}


async def echo(conn):
    return conn.text((await conn.body()).decode())


async def test_app_on_the_builtin_server() -> None:
    from zzz.server import Server, ServerConfig

    events: list[str] = []
    app = App(
        Router(get("/users/:id", user), post("/echo", echo)),
        settings=Settings(env="dev"),
        on_startup=[lambda: events.append("up")],
        on_shutdown=[lambda: events.append("down")],
    )
    server = Server(app, ServerConfig(host="127.0.0.1", port=0))
    with anyio.fail_after(10):
        async with anyio.create_task_group() as tg:
            addresses = await tg.start(server.serve)
            host, port = addresses[0]
            async with httpx.AsyncClient(base_url=f"http://{host}:{port}") as http:
                resp = await http.get("/users/5", params={"a[b]": "1"})
                assert resp.status_code == 200
                assert resp.json() == {"id": 5, "q": {"a": {"b": "1"}}, "ip": "127.0.0.1"}
                resp = await http.post("/echo", content=b"y" * 50_000)
                assert resp.text == "y" * 50_000
                resp = await http.get("/users/5", headers={"host": "evil.test"})
                assert resp.status_code == 400
                resp = await http.head("/users/5")
                assert resp.status_code == 200
                assert resp.content == b""
            server.shutdown()
    assert events == ["up", "down"]
