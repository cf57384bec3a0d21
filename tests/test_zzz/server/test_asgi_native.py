"""``asgi_to_native``: a native app called as an ASGI 3 app (in memory, no server)."""

from __future__ import annotations

from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

import anyio
import pytest
from zzz.exceptions import HTTPError
from zzz.server import asgi_to_native
from zzz.types import Body, RequestHead, ResponseWriter

pytestmark = pytest.mark.anyio

Message = MutableMapping[str, Any]


class Native:
    def __init__(self, fail: str = "") -> None:
        self.fail = fail
        self.events: list[str] = []
        self.heads: list[RequestHead] = []

    async def startup(self) -> None:
        self.events.append("startup")
        if self.fail == "startup":
            raise RuntimeError("no database")

    async def shutdown(self) -> None:
        self.events.append("shutdown")
        if self.fail == "shutdown":
            raise RuntimeError("stuck")

    async def handle_http(self, head: RequestHead, body: Body, response: ResponseWriter) -> None:
        self.heads.append(head)
        if head.path == "/stream":
            await response.start(201, [(b"x-kind", b"stream")])
            await response.write(b"a")
            await response.write(b"b")
            await response.end()
        elif head.path == "/file":
            await response.send_file(200, [], head.query_string.decode(), 2, 3)
        elif head.path == "/wholefile":
            await response.send_file(200, [], head.query_string.decode())
        else:
            data = b""
            while chunk := await body.receive():
                data += chunk
            await response.respond(200, [(b"content-type", b"text/plain")], b"got " + data)


def http_scope(path: str, method: str = "GET", **extra: Any) -> dict[str, Any]:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "https",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"example.test"), (b"x-a", b"1")],
        "client": ("10.0.0.1", 5000),
        "server": ("10.0.0.2", 443),
    }
    scope.update(extra)
    return scope


async def call(app: Any, scope: dict[str, Any], inbound: list[Message]) -> list[Message]:
    sent: list[Message] = []
    queue = list(inbound)

    async def receive() -> Message:
        if queue:
            return queue.pop(0)
        await anyio.sleep_forever()
        raise AssertionError

    async def send(message: Message) -> None:
        sent.append(message)

    with anyio.fail_after(5):
        await app(scope, receive, send)
    return sent


def body_of(sent: list[Message]) -> bytes:
    return b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")


async def test_request_head_and_body_from_the_scope() -> None:
    native = Native()
    sent = await call(
        asgi_to_native(native),
        http_scope("/echo", "POST", query_string=b"q=1"),
        [
            {"type": "http.request", "body": b"he", "more_body": True},
            {"type": "http.request", "body": b"", "more_body": True},
            {"type": "http.request", "body": b"llo", "more_body": False},
        ],
    )
    head = native.heads[0]
    assert (head.method, head.path, head.query_string, head.scheme) == (
        "POST",
        "/echo",
        b"q=1",
        "https",
    )
    assert head.client == ("10.0.0.1", 5000)
    assert (b"x-a", b"1") in head.headers
    assert sent[0]["status"] == 200
    assert (b"content-length", b"9") in sent[0]["headers"]
    assert body_of(sent) == b"got hello"


async def test_streamed_response() -> None:
    sent = await call(asgi_to_native(Native()), http_scope("/stream"), [])
    assert sent[0] == {
        "type": "http.response.start",
        "status": 201,
        "headers": [(b"x-kind", b"stream")],
    }
    assert [m.get("more_body", False) for m in sent[1:]] == [True, True, False]
    assert body_of(sent) == b"ab"


async def test_head_request_sends_no_body() -> None:
    sent = await call(
        asgi_to_native(Native()), http_scope("/x", "HEAD"), [{"type": "http.request"}]
    )
    assert (b"content-length", b"4") in sent[0]["headers"]
    assert body_of(sent) == b""


async def test_send_file_range_and_pathsend(tmp_path: Path) -> None:
    path = tmp_path / "data.txt"
    path.write_bytes(b"0123456789")
    ranged = await call(
        asgi_to_native(Native()), http_scope("/file", query_string=str(path).encode()), []
    )
    assert body_of(ranged) == b"234"
    assert (b"content-length", b"3") in ranged[0]["headers"]
    pathsend = await call(
        asgi_to_native(Native()),
        http_scope(
            "/wholefile",
            query_string=str(path).encode(),
            extensions={"http.response.pathsend": {}},
        ),
        [],
    )
    assert pathsend[-1] == {"type": "http.response.pathsend", "path": str(path)}
    plain = await call(
        asgi_to_native(Native()), http_scope("/wholefile", query_string=str(path).encode()), []
    )
    assert body_of(plain) == b"0123456789"


async def test_client_disconnect_while_reading_the_body() -> None:
    native = Native()
    with pytest.raises(HTTPError) as info:
        await call(asgi_to_native(native), http_scope("/x", "POST"), [{"type": "http.disconnect"}])
    assert info.value.status == 400


async def test_lifespan() -> None:
    native = Native()
    sent = await call(
        asgi_to_native(native),
        {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}},
        [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}],
    )
    assert [m["type"] for m in sent] == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    assert native.events == ["startup", "shutdown"]


@pytest.mark.parametrize("phase", ["startup", "shutdown"])
async def test_lifespan_failures_are_reported(phase: str) -> None:
    sent = await call(
        asgi_to_native(Native(fail=phase)),
        {"type": "lifespan", "asgi": {"version": "3.0"}},
        [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}],
    )
    assert sent[-1]["type"] == f"lifespan.{phase}.failed"
    assert "RuntimeError" in sent[-1]["message"]


async def test_websocket_scope_is_closed() -> None:
    sent = await call(
        asgi_to_native(Native()),
        {"type": "websocket", "path": "/ws"},
        [{"type": "websocket.connect"}],
    )
    assert sent == [{"type": "websocket.close", "code": 1000}]
