"""The built-in server over real sockets: HTTP/1.1 features with a native app."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from zzz.exceptions import HTTPError
from zzz.server import Server, ServerConfig
from zzz.types import Body, RequestHead, ResponseWriter

pytestmark = pytest.mark.anyio

#: The parser path the current test runs on (set by the ``parser_path`` fixture).
PARSER: list[Any] = ["h11"]


@pytest.fixture(autouse=True, params=["h11", "httptools"])
def parser_path(request: pytest.FixtureRequest) -> Iterator[None]:
    """Run every test on both parser paths."""
    PARSER[0] = request.param
    yield
    PARSER[0] = "h11"


@asynccontextmanager
async def running(app: Any, **options: Any) -> AsyncIterator[tuple[Server, str]]:
    server = Server(app, ServerConfig(port=0, http=PARSER[0], **options))
    with anyio.fail_after(10):
        async with anyio.create_task_group() as tg:
            host, port = (await tg.start(server.serve))[0]
            try:
                yield server, f"http://{host}:{port}"
            finally:
                server.shutdown()


async def raw(url: str, data: bytes, *, until_close: bool = True) -> bytes:
    """Send raw bytes and return everything received until the server closes."""
    host, port = url.removeprefix("http://").split(":")
    async with await anyio.connect_tcp(host, int(port)) as stream:
        await stream.send(data)
        received = b""
        with anyio.fail_after(5):
            while True:
                try:
                    chunk = await stream.receive()
                except (anyio.EndOfStream, anyio.BrokenResourceError):
                    break
                received += chunk
                if not until_close and received.endswith(b"\r\n\r\n"):
                    break
        return received


class Echo:
    """Answers with what it saw; a few paths trigger special behaviour."""

    def __init__(self) -> None:
        self.calls = 0

    async def startup(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def handle_http(self, head: RequestHead, body: Body, response: ResponseWriter) -> None:
        self.calls += 1
        if head.path == "/stream":
            await response.start(200, [(b"content-type", b"text/plain")])
            for part in (b"one,", b"two,", b"three"):
                await response.write(part)
            await response.end()
            return
        if head.path == "/boom":
            raise ValueError("boom")
        if head.path == "/teapot":
            raise HTTPError(418, "short and stout", {"x-tea": "earl grey"})
        if head.path == "/nothing":
            return
        if head.path == "/big":
            await response.respond(200, [], bytes(range(256)) * 4096)
            return
        if head.path == "/unfinished":
            await response.start(200, [])
            await response.write(b"partial")
            return
        if head.path.startswith("/file"):
            params = dict(p.split("=") for p in head.query_string.decode().split("&") if p)
            await response.send_file(
                200,
                [(b"content-type", b"application/octet-stream")],
                params["path"],
                int(params.get("offset", 0)),
                int(params["count"]) if "count" in params else None,
            )
            return
        data = b""
        while chunk := await body.receive():
            data += chunk
        text = (
            f"{head.method} {head.path} q={head.query_string.decode()} v={head.http_version} "
            f"scheme={head.scheme} client={head.client and head.client[0]} "
            f"root={head.root_path} body={data.decode()}"
        )
        await response.respond(200, [(b"content-type", b"text/plain")], text.encode())


async def test_get_and_post_with_keep_alive() -> None:
    app = Echo()
    async with running(app) as (_, url), httpx.AsyncClient() as client:
        first = await client.get(url + "/a%20b/c?x=1")
        second = await client.post(url + "/p", content=b"payload")
    assert first.status_code == 200
    assert first.text.startswith("GET /a b/c q=x=1 v=1.1 scheme=http client=127.0.0.1")
    assert first.headers["server"] == "zzz"
    assert "date" in first.headers
    assert second.text.endswith("body=payload")
    assert app.calls == 2


async def test_pipelined_requests_are_answered_in_order() -> None:
    requests = (
        b"".join(b"GET /r%d HTTP/1.1\r\nHost: x\r\n\r\n" % i for i in range(5))
        + b"GET /last HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    async with running(Echo()) as (_, url):
        data = await raw(url, requests)
    paths = [line.split(b" ")[1] for line in data.split(b"\r\n") if line.startswith(b"GET ")]
    assert paths == [b"/r0", b"/r1", b"/r2", b"/r3", b"/r4", b"/last"]
    assert data.count(b"HTTP/1.1 200 OK") == 6


async def test_chunked_request_body() -> None:
    request = (
        b"POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
    )
    async with running(Echo()) as (_, url):
        data = await raw(url, request)
    assert data.startswith(b"HTTP/1.1 200 OK")
    assert data.endswith(b"body=hello world")


async def test_streamed_response_is_chunked() -> None:
    async with running(Echo()) as (_, url):
        data = await raw(url, b"GET /stream HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        async with httpx.AsyncClient() as client:
            response = await client.get(url + "/stream")
    assert b"transfer-encoding: chunked" in data
    assert data.endswith(b"4\r\none,\r\n4\r\ntwo,\r\n5\r\nthree\r\n0\r\n\r\n")
    assert response.text == "one,two,three"


async def test_streamed_response_http10_is_close_delimited() -> None:
    async with running(Echo()) as (_, url):
        data = await raw(url, b"GET /stream HTTP/1.0\r\n\r\n")
    assert data.startswith(b"HTTP/1.0 200 OK")
    assert b"connection: close" in data
    assert data.endswith(b"\r\n\r\none,two,three")


async def test_head_request_has_length_but_no_body() -> None:
    async with running(Echo()) as (_, url):
        data = await raw(url, b"HEAD /h HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 OK")
    assert b"content-length: " in head
    assert body == b""


async def test_expect_100_continue_sent_when_the_body_is_read() -> None:
    async with running(Echo()) as (_, url):
        host, port = url.removeprefix("http://").split(":")
        async with await anyio.connect_tcp(host, int(port)) as stream:
            await stream.send(
                b"POST /e HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n"
                b"Expect: 100-continue\r\nConnection: close\r\n\r\n"
            )
            with anyio.fail_after(5):
                interim = await stream.receive()
            assert interim == b"HTTP/1.1 100 Continue\r\n\r\n"
            await stream.send(b"data")
            received = b""
            with anyio.fail_after(5):
                while not received.endswith(b"body=data"):
                    received += await stream.receive()
    assert received.startswith(b"HTTP/1.1 200 OK")


async def test_expect_100_continue_not_sent_when_the_app_ignores_the_body() -> None:
    async with running(Echo()) as (_, url):
        data = await raw(
            url,
            b"GET /stream HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n",
        )
    assert b"100 Continue" not in data
    assert data.startswith(b"HTTP/1.1 200 OK")
    assert b"connection: close" in data  # the unread body cannot be skipped safely


async def test_app_errors_become_responses() -> None:
    async with running(Echo()) as (_, url), httpx.AsyncClient() as client:
        boom = await client.get(url + "/boom")
        teapot = await client.get(url + "/teapot")
        nothing = await client.get(url + "/nothing")
        after = await client.get(url + "/ok")
    assert boom.status_code == 500
    assert "boom" not in boom.text
    assert teapot.status_code == 418
    assert teapot.headers["x-tea"] == "earl grey"
    assert teapot.text.strip() == "short and stout"
    assert nothing.status_code == 500
    assert after.status_code == 200


async def test_unfinished_stream_is_ended_by_the_server() -> None:
    async with running(Echo()) as (_, url), httpx.AsyncClient() as client:
        response = await client.get(url + "/unfinished")
    assert response.text == "partial"


async def test_send_file_whole_and_range(tmp_path: Path) -> None:
    small = tmp_path / "small.bin"
    small.write_bytes(b"0123456789")
    large = tmp_path / "large.bin"
    payload = os.urandom(700_000)
    large.write_bytes(payload)
    async with running(Echo()) as (_, url), httpx.AsyncClient() as client:
        whole = await client.get(url + f"/file?path={small}")
        part = await client.get(url + f"/file?path={small}&offset=3&count=4")
        big = await client.get(url + f"/file?path={large}&offset=5")
        head = await client.head(url + f"/file?path={large}")
        missing = await client.get(url + f"/file?path={tmp_path / 'nope'}")
    assert whole.content == b"0123456789"
    assert part.content == b"3456"
    assert big.content == payload[5:]
    assert head.headers["content-length"] == str(len(payload))
    assert head.content == b""
    assert missing.status_code == 500


async def test_root_path_and_http10() -> None:
    async with running(Echo(), root_path="/api") as (_, url):
        data = await raw(url, b"GET /x HTTP/1.0\r\n\r\n")
    assert data.startswith(b"HTTP/1.0 200 OK")
    assert b"GET /api/x" in data
    assert b"root=/api" in data
    assert b"v=1.0" in data


@pytest.mark.parametrize("trusted", [True, False])
async def test_proxy_headers(trusted: bool) -> None:
    allow = ("127.0.0.1",) if trusted else ("10.0.0.0/8",)
    request = (
        b"GET /p HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 203.0.113.7, 127.0.0.1\r\n"
        b"X-Forwarded-Proto: https\r\nConnection: close\r\n\r\n"
    )
    async with running(Echo(), proxy_headers=True, forwarded_allow_ips=allow) as (_, url):
        data = await raw(url, request)
    if trusted:
        assert b"scheme=https client=203.0.113.7" in data
    else:
        assert b"scheme=http client=127.0.0.1" in data


async def test_malformed_request_gets_400_and_close() -> None:
    async with running(Echo()) as (_, url):
        data = await raw(url, b"GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n")
        smuggle = await raw(
            url,
            b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        )
    assert data.startswith(b"HTTP/1.1 400 ")
    assert b"connection: close" in data
    assert smuggle.startswith(b"HTTP/1.1 400 ")


async def test_client_disconnect_mid_stream_does_not_break_the_server() -> None:
    started = anyio.Event()

    class Slow:
        async def startup(self) -> None:
            pass

        async def shutdown(self) -> None:
            pass

        async def handle_http(
            self, head: RequestHead, body: Body, response: ResponseWriter
        ) -> None:
            if head.path == "/ok":
                await response.respond(200, [], b"fine")
                return
            await response.start(200, [])
            started.set()
            while True:
                await response.write(b"x" * 65536)

    async with running(Slow()) as (_, url):
        host, port = url.removeprefix("http://").split(":")
        stream = await anyio.connect_tcp(host, int(port))
        await stream.send(b"GET /forever HTTP/1.1\r\nHost: x\r\n\r\n")
        await started.wait()
        await stream.aclose()
        async with httpx.AsyncClient() as client:
            response = await client.get(url + "/ok")
    assert response.text == "fine"


async def test_large_files_use_zero_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    real_sendfile = os.sendfile

    def counting_sendfile(out_fd: int, in_fd: int, offset: int, count: int) -> int:
        calls.append(count)
        return real_sendfile(out_fd, in_fd, offset, count)

    monkeypatch.setattr(os, "sendfile", counting_sendfile)
    large = tmp_path / "large.bin"
    payload = os.urandom(300_000)
    large.write_bytes(payload)
    async with running(Echo()) as (_, url), httpx.AsyncClient() as client:
        response = await client.get(url + f"/file?path={large}&offset=1000")
    assert response.content == payload[1000:]
    assert calls  # os.sendfile: trio directly, asyncio through loop.sendfile


async def test_header_injection_is_refused_with_500() -> None:
    class Injector:
        async def startup(self) -> None:
            pass

        async def shutdown(self) -> None:
            pass

        async def handle_http(
            self, head: RequestHead, body: Body, response: ResponseWriter
        ) -> None:
            await response.respond(200, [(b"x-evil", b"a\r\nset-cookie: stolen=1")], b"")

    async with running(Injector()) as (_, url), httpx.AsyncClient() as client:
        response = await client.get(url)
    assert response.status_code == 500
    assert "set-cookie" not in response.headers


async def test_server_task_cancelled_from_outside_releases_the_port() -> None:
    server = Server(Echo(), ServerConfig(port=0))
    with anyio.fail_after(10):
        async with anyio.create_task_group() as tg:
            host, port = (await tg.start(server.serve))[0]
            tg.cancel_scope.cancel()
    with pytest.raises(OSError):
        await anyio.connect_tcp(host, port)


def test_uvloop_backend(tmp_path: Path) -> None:
    """The asyncio fast path on uvloop (the anyio_backend fixture uses the stdlib loop)."""
    pytest.importorskip("uvloop")

    async def scenario(tmp: Path) -> list[httpx.Response]:
        large = tmp / "large.bin"
        large.write_bytes(b"z" * 200_000)
        async with running(Echo()) as (_, url), httpx.AsyncClient() as client:
            return [
                await client.post(url + "/u", content=b"payload"),
                await client.get(url + "/stream"),
                await client.get(url + f"/file?path={large}"),
            ]

    posted, streamed, file = anyio.run(
        scenario, tmp_path, backend="asyncio", backend_options={"use_uvloop": True}
    )
    assert posted.text.endswith("body=payload")
    assert streamed.text == "one,two,three"
    assert file.content == b"z" * 200_000


async def test_access_log(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("INFO", logger="zzz.server.access")
    async with running(Echo(), access_log=True) as (_, url), httpx.AsyncClient() as client:
        await client.get(url + "/logged?x=1")
        await client.get(url + "/teapot")
    lines = [r.getMessage() for r in caplog.records if r.name == "zzz.server.access"]
    assert len(lines) == 2
    assert lines[0].startswith("127.0.0.1:")
    assert lines[0].endswith('"GET /logged?x=1 HTTP/1.1" 200')
    assert lines[1].endswith('"GET /teapot HTTP/1.1" 418')


async def test_large_one_shot_response() -> None:
    async with running(Echo()) as (_, url), httpx.AsyncClient() as client:
        first = await client.get(url + "/big")
        second = await client.get(url + "/big")
    assert first.content == bytes(range(256)) * 4096
    assert first.headers["content-length"] == str(256 * 4096)
    assert second.content == first.content
