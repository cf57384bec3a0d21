"""The built-in server serving plain ASGI 3 apps (standing in for uvicorn)."""

from __future__ import annotations

from collections.abc import AsyncIterator, MutableMapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from zzz.server import Server, ServerConfig

pytestmark = pytest.mark.anyio

Scope = MutableMapping[str, Any]


@asynccontextmanager
async def running(app: Any, **options: Any) -> AsyncIterator[str]:
    server = Server(app, ServerConfig(port=0, lifespan="off", **options))
    with anyio.fail_after(10):
        async with anyio.create_task_group() as tg:
            host, port = (await tg.start(server.serve))[0]
            try:
                yield f"http://{host}:{port}"
            finally:
                server.shutdown()


async def raw(url: str, data: bytes) -> bytes:
    host, port = url.removeprefix("http://").split(":")
    async with await anyio.connect_tcp(host, int(port)) as stream:
        await stream.send(data)
        received = b""
        with anyio.fail_after(5):
            while True:
                try:
                    received += await stream.receive()
                except (anyio.EndOfStream, anyio.BrokenResourceError):
                    return received


async def echo(scope: Scope, receive: Any, send: Any) -> None:
    """Streams back the request body, one response chunk per body message."""
    assert scope["type"] == "http"
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"Content-Type", b"text/plain"), (b"X-Path", scope["path"].encode())],
        }
    )
    messages = 0
    while True:
        message = await receive()
        messages += 1
        await send({"type": "http.response.body", "body": message["body"], "more_body": True})
        if not message["more_body"]:
            break
    await send({"type": "http.response.body", "body": b"|%d" % messages})


async def test_scope_contents() -> None:
    seen: dict[str, Any] = {}

    async def app(scope: Scope, receive: Any, send: Any) -> None:
        seen.update(scope)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    async with running(app, root_path="/mnt") as url, httpx.AsyncClient() as client:
        response = await client.get(url + "/a%2Fb/%C3%A9?x=1&y=%20", headers={"X-Test": "v"})
    assert response.text == "ok"
    assert seen["type"] == "http"
    assert seen["asgi"]["version"] == "3.0"
    assert seen["method"] == "GET"
    assert seen["http_version"] == "1.1"
    assert seen["scheme"] == "http"
    assert seen["path"] == "/mnt/a/b/é"
    assert seen["raw_path"] == b"/a%2Fb/%C3%A9"
    assert seen["root_path"] == "/mnt"
    assert seen["query_string"] == b"x=1&y=%20"
    assert (b"x-test", b"v") in seen["headers"]
    assert seen["client"][0] == "127.0.0.1"
    assert seen["server"][0] == "127.0.0.1"
    assert "http.response.pathsend" in seen["extensions"]


async def test_streaming_request_and_response() -> None:
    async with running(echo) as url, httpx.AsyncClient() as client:
        response = await client.post(url + "/e", content=b"hello")
        empty = await client.get(url + "/e")
    assert response.text == "hello|1"
    assert response.headers["x-path"] == "/e"
    assert response.headers["transfer-encoding"] == "chunked"
    assert empty.text == "|1"


async def test_chunked_request_reaches_the_app_in_pieces() -> None:
    request = (
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    )

    async def pieces() -> AsyncIterator[bytes]:
        for part in (b"ab", b"cd", b"ef"):
            yield part

    async with running(echo) as url:
        data = await raw(url, request + b"2\r\nab\r\n2\r\ncd\r\n0\r\n\r\n")
        async with httpx.AsyncClient() as client:
            streamed = await client.post(url, content=pieces())
    assert data.startswith(b"HTTP/1.1 200 OK")
    assert b"abcd" in data.replace(b"\r\n2\r\n", b"")
    assert streamed.text.startswith("abcdef")


async def test_disconnect_after_the_response() -> None:
    messages: list[str] = []

    async def app(scope: Scope, receive: Any, send: Any) -> None:
        await receive()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"x"})
        messages.append((await receive())["type"])

    async with running(app) as url, httpx.AsyncClient() as client:
        await client.get(url)
    assert messages == ["http.disconnect"]


async def test_listen_for_disconnect_while_streaming() -> None:
    """Starlette's StreamingResponse pattern: stream while a task waits on receive()."""

    async def app(scope: Scope, receive: Any, send: Any) -> None:
        await receive()
        async with anyio.create_task_group() as tg:

            async def listen() -> None:
                message = await receive()
                assert message["type"] == "http.disconnect"
                tg.cancel_scope.cancel()

            tg.start_soon(listen)
            await send({"type": "http.response.start", "status": 200, "headers": []})
            for part in (b"a", b"b", b"c"):
                await send({"type": "http.response.body", "body": part, "more_body": True})
            await send({"type": "http.response.body", "body": b""})

    async with running(app) as url, httpx.AsyncClient() as client:
        response = await client.get(url)
    assert response.text == "abc"


async def test_pathsend(tmp_path: Path) -> None:
    path = tmp_path / "f.txt"
    path.write_bytes(b"file body")

    async def app(scope: Scope, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.pathsend", "path": str(path)})

    async with running(app) as url, httpx.AsyncClient() as client:
        response = await client.get(url)
    assert response.text == "file body"


async def test_app_errors() -> None:
    async def app(scope: Scope, receive: Any, send: Any) -> None:
        if scope["path"] == "/before":
            raise RuntimeError("before start")
        if scope["path"] == "/silent":
            return
        if scope["path"] == "/bad-order":
            await send({"type": "http.response.body", "body": b"x"})
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"x", "more_body": True})
        raise RuntimeError("after start")

    async with running(app) as url, httpx.AsyncClient() as client:
        before = await client.get(url + "/before")
        silent = await client.get(url + "/silent")
        order = await client.get(url + "/bad-order")
        with pytest.raises(httpx.RemoteProtocolError):
            await client.get(url + "/after")
        again = await client.get(url + "/before")
    assert before.status_code == 500
    assert silent.status_code == 500
    assert order.status_code == 500
    assert again.status_code == 500


async def test_head_request_to_an_asgi_app() -> None:
    async def app(scope: Scope, receive: Any, send: Any) -> None:
        await send(
            {"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"5")]}
        )
        await send({"type": "http.response.body", "body": b"hello"})

    async with running(app) as url:
        data = await raw(url, b"HEAD / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert data.startswith(b"HTTP/1.1 200 OK")
    assert b"content-length: 5" in data
    assert data.endswith(b"\r\n\r\n")
