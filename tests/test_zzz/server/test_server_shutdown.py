"""Graceful shutdown and lifespan hooks of the built-in server."""

from __future__ import annotations

import time
from collections.abc import MutableMapping
from typing import Any

import anyio
import httpx
import pytest
from zzz.server import LifespanError, Server, ServerConfig
from zzz.types import Body, RequestHead, ResponseWriter

pytestmark = pytest.mark.anyio


class Hooks:
    """A native app recording its lifespan; ``/slow`` sleeps, ``/hang`` never returns."""

    def __init__(self, fail_startup: bool = False) -> None:
        self.events: list[str] = []
        self.fail_startup = fail_startup
        self.in_flight = anyio.Event()

    async def startup(self) -> None:
        self.events.append("startup")
        if self.fail_startup:
            raise RuntimeError("database is down")

    async def shutdown(self) -> None:
        self.events.append("shutdown")

    async def handle_http(self, head: RequestHead, body: Body, response: ResponseWriter) -> None:
        self.events.append(head.path)
        if head.path == "/slow":
            self.in_flight.set()
            await anyio.sleep(0.3)
        elif head.path == "/hang":
            self.in_flight.set()
            await anyio.sleep_forever()
        await response.respond(200, [], b"done")


async def test_lifespan_hooks_run_around_serving() -> None:
    app = Hooks()
    server = Server(app, ServerConfig(port=0))
    with anyio.fail_after(10):
        async with anyio.create_task_group() as tg:
            host, port = (await tg.start(server.serve))[0]
            assert app.events == ["startup"]
            async with httpx.AsyncClient() as client:
                await client.get(f"http://{host}:{port}/x")
            server.shutdown()
    assert app.events == ["startup", "/x", "shutdown"]


async def test_failing_startup_stops_the_server() -> None:
    app = Hooks(fail_startup=True)
    server = Server(app, ServerConfig(port=0))
    with anyio.fail_after(10), pytest.raises(LifespanError, match="database is down"):
        await server.serve()
    assert "shutdown" not in app.events


async def test_in_flight_request_finishes_and_idle_connection_closes() -> None:
    app = Hooks()
    server = Server(app, ServerConfig(port=0, graceful_timeout=5))
    results: dict[str, Any] = {}
    with anyio.fail_after(10):
        async with anyio.create_task_group() as tg:
            host, port = (await tg.start(server.serve))[0]
            idle = await anyio.connect_tcp(host, port)
            await idle.send(b"GET /first HTTP/1.1\r\nHost: x\r\n\r\n")
            assert (await idle.receive()).startswith(b"HTTP/1.1 200")

            async def slow_request() -> None:
                async with httpx.AsyncClient() as client:
                    results["slow"] = await client.get(f"http://{host}:{port}/slow")

            tg.start_soon(slow_request)
            await app.in_flight.wait()
            started = time.monotonic()
            server.shutdown()
            # The idle keep-alive connection is closed at once.
            with anyio.fail_after(2):
                with pytest.raises((anyio.EndOfStream, anyio.BrokenResourceError)):
                    await idle.receive()
            results["idle_closed_after"] = time.monotonic() - started
            await idle.aclose()
    response = results["slow"]
    assert response.status_code == 200
    assert response.text == "done"
    assert response.headers["connection"] == "close"
    assert results["idle_closed_after"] < 0.25
    assert app.events[-1] == "shutdown"


async def test_no_new_connections_after_shutdown() -> None:
    server = Server(Hooks(), ServerConfig(port=0))
    with anyio.fail_after(10):
        async with anyio.create_task_group() as tg:
            host, port = (await tg.start(server.serve))[0]
            server.shutdown()
    with pytest.raises(OSError):
        await anyio.connect_tcp(host, port)


async def test_shutdown_is_bounded_with_a_hung_handler() -> None:
    app = Hooks()
    server = Server(app, ServerConfig(port=0, graceful_timeout=0.3))
    with anyio.fail_after(10):
        async with anyio.create_task_group() as tg:
            host, port = (await tg.start(server.serve))[0]
            stream = await anyio.connect_tcp(host, port)
            await stream.send(b"GET /hang HTTP/1.1\r\nHost: x\r\n\r\n")
            await app.in_flight.wait()
            started = time.monotonic()
            server.shutdown()
        elapsed = time.monotonic() - started
        with pytest.raises((anyio.EndOfStream, anyio.BrokenResourceError)):
            await stream.receive()
        await stream.aclose()
    assert 0.25 < elapsed < 2
    assert app.events[-1] == "shutdown"


async def test_forced_shutdown_cancels_at_once() -> None:
    app = Hooks()
    server = Server(app, ServerConfig(port=0, graceful_timeout=30))
    with anyio.fail_after(10):
        async with anyio.create_task_group() as tg:
            host, port = (await tg.start(server.serve))[0]
            stream = await anyio.connect_tcp(host, port)
            await stream.send(b"GET /hang HTTP/1.1\r\nHost: x\r\n\r\n")
            await app.in_flight.wait()
            started = time.monotonic()
            server.shutdown(force=True)
        assert time.monotonic() - started < 2
        await stream.aclose()


async def test_asgi_lifespan_state_reaches_requests() -> None:
    events: list[str] = []

    async def app(scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                events.append(message["type"])
                if message["type"] == "lifespan.startup":
                    scope["state"]["greeting"] = "hi"
                    await send({"type": "lifespan.startup.complete"})
                else:
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        body = scope["state"]["greeting"].encode()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": body})

    server = Server(app, ServerConfig(port=0))
    with anyio.fail_after(10):
        async with anyio.create_task_group() as tg:
            host, port = (await tg.start(server.serve))[0]
            async with httpx.AsyncClient() as client:
                response = await client.get(f"http://{host}:{port}/")
            server.shutdown()
    assert response.text == "hi"
    assert events == ["lifespan.startup", "lifespan.shutdown"]


@pytest.mark.parametrize("mode", ["auto", "on"])
async def test_asgi_app_without_lifespan_support(mode: str) -> None:
    async def app(scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
        assert scope["type"] == "http"
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    server = Server(app, ServerConfig(port=0, lifespan=mode))  # type: ignore[arg-type]
    with anyio.fail_after(10):
        if mode == "on":
            with pytest.raises(LifespanError, match="lifespan"):
                await server.serve()
            return
        async with anyio.create_task_group() as tg:
            host, port = (await tg.start(server.serve))[0]
            async with httpx.AsyncClient() as client:
                response = await client.get(f"http://{host}:{port}/")
            server.shutdown()
    assert response.status_code == 204


async def test_asgi_startup_failed_message_stops_the_server() -> None:
    async def app(scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
        await receive()
        await send({"type": "lifespan.startup.failed", "message": "no config"})

    with anyio.fail_after(10), pytest.raises(LifespanError, match="no config"):
        await Server(app, ServerConfig(port=0)).serve()


async def test_lifespan_off_skips_hooks() -> None:
    app = Hooks(fail_startup=True)
    server = Server(app, ServerConfig(port=0, lifespan="off"))
    with anyio.fail_after(10):
        async with anyio.create_task_group() as tg:
            await tg.start(server.serve)
            server.shutdown()
    assert app.events == []
