"""Every server limit over real sockets: sizes, timeouts, connections, pipelining."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
import pytest
from anyio.abc import SocketStream
from zzz.server import Limits, Server, ServerConfig
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


class Counter:
    """Reads the whole body and answers with its size; counts calls."""

    def __init__(self) -> None:
        self.calls = 0
        self.errors: list[BaseException] = []

    async def startup(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def handle_http(self, head: RequestHead, body: Body, response: ResponseWriter) -> None:
        self.calls += 1
        size = 0
        try:
            while chunk := await body.receive():
                size += len(chunk)
        except Exception as exc:
            self.errors.append(exc)
            raise
        await response.respond(200, [], b"%d" % size)


@asynccontextmanager
async def running(app: Any, **limits: Any) -> AsyncIterator[tuple[str, int]]:
    server = Server(app, ServerConfig(port=0, http=PARSER[0], limits=Limits(**limits)))
    with anyio.fail_after(10):
        async with anyio.create_task_group() as tg:
            address = (await tg.start(server.serve))[0]
            try:
                yield address
            finally:
                server.shutdown()


async def read_all(stream: SocketStream, timeout: float = 5) -> bytes:
    received = b""
    with anyio.fail_after(timeout):
        while True:
            try:
                received += await stream.receive()
            except (anyio.EndOfStream, anyio.BrokenResourceError):
                return received


async def exchange(address: tuple[str, int], data: bytes) -> bytes:
    async with await anyio.connect_tcp(*address) as stream:
        await stream.send(data)
        return await read_all(stream)


async def test_431_for_too_large_headers() -> None:
    app = Counter()
    async with running(app, max_header_bytes=1024) as address:
        data = await exchange(
            address, b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 2000 + b"\r\n\r\n"
        )
    assert data.startswith(b"HTTP/1.1 431 ")
    assert app.calls == 0


async def test_431_for_headers_arriving_in_pieces() -> None:
    app = Counter()
    async with (
        running(app, max_header_bytes=1024) as address,
        await anyio.connect_tcp(*address) as stream,
    ):
        await stream.send(b"GET / HTTP/1.1\r\nHost: x\r\n")
        for _ in range(40):
            try:
                await stream.send(b"X-Piece: " + b"b" * 50 + b"\r\n")
            except (anyio.BrokenResourceError, OSError):
                break
            await anyio.sleep(0.001)
        data = await read_all(stream)
    assert data.startswith(b"HTTP/1.1 431 ")


async def test_431_for_too_many_headers() -> None:
    app = Counter()
    fields = b"".join(b"X-H%d: v\r\n" % i for i in range(30))
    async with running(app, max_header_count=20) as address:
        data = await exchange(address, b"GET / HTTP/1.1\r\nHost: x\r\n" + fields + b"\r\n")
    assert data.startswith(b"HTTP/1.1 431 ")
    assert app.calls == 0


async def test_414_for_a_too_long_request_line() -> None:
    async with running(Counter(), max_request_line=256) as address:
        data = await exchange(address, b"GET /" + b"a" * 300 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    assert data.startswith(b"HTTP/1.1 414 ")


async def test_413_before_reading_the_body() -> None:
    app = Counter()
    async with (
        running(app, max_body_bytes=100) as address,
        await anyio.connect_tcp(*address) as stream,
    ):
        # Announce a large body but send none of it: the answer comes anyway.
        await stream.send(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n")
        data = await read_all(stream)
    assert data.startswith(b"HTTP/1.1 413 ")
    assert app.calls == 0


async def test_413_for_a_chunked_body_over_the_limit() -> None:
    app = Counter()
    body = b"".join(b"40\r\n" + b"z" * 64 + b"\r\n" for _ in range(4)) + b"0\r\n\r\n"
    async with running(app, max_body_bytes=100) as address:
        data = await exchange(
            address,
            b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + body,
        )
    assert data.startswith(b"HTTP/1.1 413 ")
    assert app.calls == 1  # the app saw the error from body.receive()


async def test_slowloris_head_is_cut_off() -> None:
    app = Counter()
    async with (
        running(app, header_timeout=0.3) as address,
        await anyio.connect_tcp(*address) as stream,
    ):
        started = time.monotonic()
        await stream.send(b"GET / HTTP/1.1\r\n")
        closed = False
        with anyio.fail_after(3):
            for _ in range(100):  # one header byte every 50 ms
                try:
                    await stream.send(b"X")
                    await anyio.sleep(0.05)
                except (anyio.BrokenResourceError, OSError):
                    closed = True
                    break
            if not closed:
                closed = (await read_all(stream)) == b""
        elapsed = time.monotonic() - started
    assert closed
    assert elapsed < 2
    assert app.calls == 0


async def test_silent_connection_is_closed_after_the_header_timeout() -> None:
    async with (
        running(Counter(), header_timeout=0.2) as address,
        await anyio.connect_tcp(*address) as stream,
    ):
        started = time.monotonic()
        assert await read_all(stream) == b""
        assert time.monotonic() - started < 2


async def test_body_timeout_gives_408() -> None:
    app = Counter()
    async with (
        running(app, body_timeout=0.2) as address,
        await anyio.connect_tcp(*address) as stream,
    ):
        await stream.send(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc")
        data = await read_all(stream)
    assert data.startswith(b"HTTP/1.1 408 ")
    assert app.errors


async def test_idle_keep_alive_connection_is_closed() -> None:
    async with (
        running(Counter(), keepalive_timeout=0.2) as address,
        await anyio.connect_tcp(*address) as stream,
    ):
        await stream.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        started = time.monotonic()
        data = await read_all(stream)
        elapsed = time.monotonic() - started
    assert data.startswith(b"HTTP/1.1 200 OK")
    assert 0.1 < elapsed < 2


async def test_max_connections_is_backpressure() -> None:
    app = Counter()
    async with running(app, max_connections=2) as address:
        first = await anyio.connect_tcp(*address)
        second = await anyio.connect_tcp(*address)
        await first.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        await second.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        for stream in (first, second):
            with anyio.fail_after(5):
                assert (await stream.receive()).startswith(b"HTTP/1.1 200")
        # The third client is not refused: it waits in the backlog until a slot frees.
        third = await anyio.connect_tcp(*address)
        await third.send(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        with anyio.move_on_after(0.3):
            await third.receive()
            pytest.fail("the third connection was served while two were open")
        await first.aclose()
        data = await read_all(third)
        await second.aclose()
        await third.aclose()
    assert data.startswith(b"HTTP/1.1 200 OK")
    assert app.calls == 3


async def test_too_many_pipelined_requests_get_429() -> None:
    requests = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n" * 8
    async with running(Counter(), max_pipelined=3) as address:
        data = await exchange(address, requests)
    assert data.count(b"HTTP/1.1 200 OK") == 4  # the first read + 3 ahead
    assert b"HTTP/1.1 429 " in data
    assert data.rstrip().endswith(b"too many pipelined requests")


async def test_write_timeout_drops_a_client_that_does_not_read() -> None:
    finished = anyio.Event()

    class Firehose:
        async def startup(self) -> None:
            pass

        async def shutdown(self) -> None:
            pass

        async def handle_http(
            self, head: RequestHead, body: Body, response: ResponseWriter
        ) -> None:
            try:
                await response.start(200, [])
                while True:
                    await response.write(b"y" * 65536)
            finally:
                finished.set()

    async with (
        running(Firehose(), write_timeout=0.3) as address,
        await anyio.connect_tcp(*address) as stream,
    ):
        await stream.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        with anyio.fail_after(5):
            await finished.wait()


async def test_malformed_inputs_never_kill_the_server() -> None:
    garbage = [
        b"\x00\x01\x02\r\n\r\n",
        b"GET / HTTP/1.1\nHost: x\n\n",
        b"GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n",
        b"GET / HTTP/9.9\r\nHost: x\r\n\r\n",
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        b"GET / HTTP/1.1\r\nHost: a b\r\n\r\n",
    ]
    app = Counter()
    async with running(app) as address:
        for data in garbage:
            answer = await exchange(address, data)
            assert answer.startswith((b"HTTP/1.1 4", b"HTTP/1.1 5", b"HTTP/1.0 4")), data
        ok = await exchange(address, b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert ok.startswith(b"HTTP/1.1 200 OK")
