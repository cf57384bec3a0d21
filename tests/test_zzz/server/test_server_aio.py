"""The asyncio fast-path stream (``zzz.server.aio``) on its own."""

from __future__ import annotations

import socket

import anyio
import pytest
from anyio.abc import SocketAttribute
from zzz.server.aio import AsyncioListener, AsyncioStream, asyncio_loop


def listening_socket() -> socket.socket:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    sock.setblocking(False)
    return sock


@pytest.mark.anyio
async def test_asyncio_loop_detection(anyio_backend_name: str) -> None:
    assert (asyncio_loop() is not None) == (anyio_backend_name == "asyncio")


async def _round_trip() -> None:
    sock = listening_socket()
    port = sock.getsockname()[1]
    listener = AsyncioListener(sock)
    with anyio.fail_after(10):
        async with await anyio.connect_tcp("127.0.0.1", port) as client:
            server = await listener.accept()
            assert isinstance(server, AsyncioStream)
            assert server.extra(SocketAttribute.remote_address)[0] == "127.0.0.1"
            assert server.extra(SocketAttribute.local_address)[1] == port
            # More than the read high-water mark: reading pauses, then resumes.
            payload = b"p" * (1024 * 1024)
            async with anyio.create_task_group() as tg:
                tg.start_soon(client.send, payload)
                received = b""
                while len(received) < len(payload):
                    received += await server.receive(100_000)
            assert received == payload
            # More than the transport's write buffer: send waits for the reader.
            async with anyio.create_task_group() as tg:
                tg.start_soon(server.send, payload)
                echoed = b""
                while len(echoed) < len(payload):
                    echoed += await client.receive()
            assert echoed == payload
            await client.send_eof()
            with pytest.raises(anyio.EndOfStream):
                await server.receive()
            await server.send(b"after half-close")
            await server.send_eof()
            assert await client.receive() == b"after half-close"
            await server.aclose()
            with pytest.raises(anyio.ClosedResourceError):
                await server.receive()
            with pytest.raises(anyio.ClosedResourceError):
                await server.send(b"x")
    await listener.aclose()


async def _vanished_peer() -> None:
    sock = listening_socket()
    listener = AsyncioListener(sock)
    with anyio.fail_after(10):
        client = await anyio.connect_tcp("127.0.0.1", sock.getsockname()[1])
        server = await listener.accept()
        raw = client.extra(SocketAttribute.raw_socket)
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        await client.aclose()  # RST
        failure: Exception | None = None
        for _ in range(100):
            try:
                await server.send(b"y" * 65536)
            except anyio.BrokenResourceError as exc:
                failure = exc
                break
            await anyio.sleep(0.01)
        assert failure is not None
        await server.aclose()
    await listener.aclose()


# The fast path exists only on asyncio: these run on the standard loop and on uvloop.
@pytest.mark.parametrize("uvloop", [False, True])
def test_stream_round_trip_flow_control_and_close(uvloop: bool) -> None:
    if uvloop:
        pytest.importorskip("uvloop")
    anyio.run(_round_trip, backend="asyncio", backend_options={"use_uvloop": uvloop})


@pytest.mark.parametrize("uvloop", [False, True])
def test_send_to_a_vanished_peer_fails_cleanly(uvloop: bool) -> None:
    if uvloop:
        pytest.importorskip("uvloop")
    anyio.run(_vanished_peer, backend="asyncio", backend_options={"use_uvloop": uvloop})
