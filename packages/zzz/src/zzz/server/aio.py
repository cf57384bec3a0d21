"""asyncio-only fast path: a listener and byte stream built on asyncio protocols.

On asyncio (and uvloop) the server accepts connections with
:class:`AsyncioListener` and talks to them through :class:`AsyncioStream`, an
:class:`anyio.abc.ByteStream` written directly on an :class:`asyncio.Protocol`.
Compared with anyio's generic socket stream it keeps reading enabled while data
flows (anyio pauses and resumes the transport around every ``receive``, which costs
two ``epoll_ctl`` calls on the standard loop) and returns from ``send`` without an
extra trip through the event loop when the transport is not paused. It also closes
gracefully (buffered bytes are flushed, bounded by a timer) and offers
``loop.sendfile`` (zero-copy on the standard loop; uvloop has no ``sendfile``).

On trio :func:`asyncio_loop` returns ``None`` and the server uses anyio's own
listeners and streams, so this module is the only asyncio-specific code.
"""

from __future__ import annotations

import asyncio
import socket
from collections import deque
from collections.abc import Callable, Mapping
from typing import IO, Any, cast

import anyio
from anyio.abc import ByteStream, SocketAttribute

__all__ = ["AsyncioListener", "AsyncioStream", "asyncio_loop"]

#: Pause reading when this many received bytes are waiting; resume below the low mark.
_HIGH_WATER = 256 * 1024
_LOW_WATER = 64 * 1024
#: Reads served from the buffer in a row before ``receive`` yields to the loop once.
_EAGER_LIMIT = 16
#: Seconds a closed connection may take to flush its last bytes before it is aborted.
_CLOSE_FLUSH_TIMEOUT = 5.0


def asyncio_loop() -> asyncio.AbstractEventLoop | None:
    """The running asyncio loop, or ``None`` (e.g. on trio)."""
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def _wake(waiter: asyncio.Future[None] | None) -> None:
    if waiter is not None and not waiter.done():
        waiter.set_result(None)


class _Protocol(asyncio.Protocol):
    """Buffers received chunks and tracks flow control for one connection."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.chunks: deque[bytes] = deque()
        self.buffered = 0
        self.reading_paused = False
        self.eof = False
        self.lost = False
        self.error: BaseException | None = None
        self.read_waiter: asyncio.Future[None] | None = None
        self.write_paused = False
        self.drain_waiter: asyncio.Future[None] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports implement asyncio.Transport without subclassing it.
        self.transport = cast("asyncio.Transport", transport)

    def data_received(self, data: bytes) -> None:
        self.chunks.append(data)
        self.buffered += len(data)
        if self.buffered > _HIGH_WATER and not self.reading_paused and self.transport:
            self.transport.pause_reading()
            self.reading_paused = True
        _wake(self.read_waiter)

    def eof_received(self) -> bool:
        self.eof = True
        _wake(self.read_waiter)
        return True  # keep the transport open: the response may still be written

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = True
        self.error = exc
        _wake(self.read_waiter)
        _wake(self.drain_waiter)

    def pause_writing(self) -> None:
        self.write_paused = True

    def resume_writing(self) -> None:
        self.write_paused = False
        _wake(self.drain_waiter)


class AsyncioStream(ByteStream):
    """A TCP connection as an anyio byte stream, on an asyncio transport.

    Args:
        transport: The connection's transport.
        protocol: Its :class:`_Protocol`.
    """

    def __init__(self, transport: asyncio.Transport, protocol: _Protocol) -> None:
        self._transport = transport
        self._protocol = protocol
        self._loop = asyncio.get_running_loop()
        self._closed = False
        self._eager = 0
        #: Whether :meth:`sendfile` is zero-copy (the standard loop; uvloop has none).
        self.zero_copy = isinstance(self._loop, asyncio.BaseEventLoop)

    def _check_readable(self) -> None:
        protocol = self._protocol
        if self._closed:
            raise anyio.ClosedResourceError
        if protocol.error is not None:
            raise anyio.BrokenResourceError from protocol.error
        if protocol.eof or protocol.lost:
            raise anyio.EndOfStream

    async def receive(self, max_bytes: int = 65536) -> bytes:
        """Return received bytes (at most ``max_bytes``), waiting if there are none.

        Raises:
            anyio.EndOfStream: The peer closed its side.
            anyio.BrokenResourceError: The connection failed.
            anyio.ClosedResourceError: This stream was closed.
        """
        protocol = self._protocol
        if not protocol.chunks:
            self._check_readable()
            self._eager = 0
            waiter = protocol.read_waiter = self._loop.create_future()
            try:
                await waiter
            finally:
                protocol.read_waiter = None
            if not protocol.chunks:
                self._check_readable()
        else:
            self._eager += 1
            if self._eager >= _EAGER_LIMIT:  # fairness: let other connections run
                self._eager = 0
                await asyncio.sleep(0)
        chunk = protocol.chunks.popleft()
        if len(chunk) > max_bytes:
            protocol.chunks.appendleft(chunk[max_bytes:])
            chunk = chunk[:max_bytes]
        protocol.buffered -= len(chunk)
        if protocol.reading_paused and protocol.buffered < _LOW_WATER:
            protocol.reading_paused = False
            self._transport.resume_reading()
        return chunk

    async def send(self, item: bytes) -> None:
        """Write ``item``; wait only while the transport's buffer is over its limit.

        Raises:
            anyio.BrokenResourceError: The connection failed.
            anyio.ClosedResourceError: This stream was closed.
        """
        protocol = self._protocol
        if self._closed:
            raise anyio.ClosedResourceError
        if protocol.lost or self._transport.is_closing():
            raise anyio.BrokenResourceError from protocol.error
        self._transport.write(item)
        if protocol.write_paused:
            waiter = protocol.drain_waiter = self._loop.create_future()
            try:
                await waiter
            finally:
                protocol.drain_waiter = None
            if protocol.lost:
                raise anyio.BrokenResourceError from protocol.error

    async def sendfile(self, file: IO[bytes], offset: int, count: int) -> int:
        """Send ``count`` bytes of ``file`` from ``offset`` (``os.sendfile`` when possible).

        Returns:
            The number of bytes sent (less than ``count`` if the file is shorter).

        Raises:
            anyio.BrokenResourceError: The connection failed.
        """
        if self._protocol.lost or self._transport.is_closing():
            raise anyio.BrokenResourceError from self._protocol.error
        try:
            return await self._loop.sendfile(self._transport, file, offset, count)
        except (ConnectionError, RuntimeError) as exc:
            raise anyio.BrokenResourceError from exc

    async def send_eof(self) -> None:
        """Half-close: no more bytes will be sent (buffered bytes are flushed first)."""
        if self._transport.can_write_eof() and not self._transport.is_closing():
            self._transport.write_eof()

    async def aclose(self) -> None:
        """Close, flushing buffered bytes for at most a few seconds."""
        if self._closed:
            return
        self._closed = True
        transport = self._transport
        transport.close()
        if transport.get_write_buffer_size():
            self._loop.call_later(_CLOSE_FLUSH_TIMEOUT, transport.abort)
        _wake(self._protocol.read_waiter)
        _wake(self._protocol.drain_waiter)

    @property
    def extra_attributes(self) -> Mapping[Any, Callable[[], Any]]:
        """Socket attributes, as anyio's socket streams provide them."""
        transport = self._transport
        sock = transport.get_extra_info("socket")
        local = transport.get_extra_info("sockname")
        remote = transport.get_extra_info("peername")
        attributes: dict[Any, Callable[[], Any]] = {
            SocketAttribute.local_address: lambda: local,
            SocketAttribute.remote_address: lambda: remote,
        }
        if sock is not None:
            attributes[SocketAttribute.raw_socket] = lambda: sock
            attributes[SocketAttribute.family] = lambda: sock.family
        return attributes


class AsyncioListener:
    """Accept connections on a listening socket and wrap them in :class:`AsyncioStream`.

    Args:
        sock: A bound, listening, non-blocking socket (the listener takes ownership).
    """

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._loop = asyncio.get_running_loop()
        self._tcp = sock.family in (socket.AF_INET, socket.AF_INET6)

    async def accept(self) -> AsyncioStream:
        """Wait for the next connection.

        Raises:
            OSError: Accepting failed (e.g. out of file descriptors).
        """
        conn, _ = await self._loop.sock_accept(self._sock)
        try:
            if self._tcp:
                conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            transport, protocol = await self._loop.connect_accepted_socket(_Protocol, conn)
        except BaseException:
            conn.close()
            raise
        return AsyncioStream(transport, protocol)

    async def aclose(self) -> None:
        """Stop listening (close the socket)."""
        self._sock.close()
