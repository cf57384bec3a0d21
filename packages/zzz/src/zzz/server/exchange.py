"""One request/response exchange: the request body and the response writer.

:class:`Exchange` is what a native app receives as both ``body``
(:class:`~zzz.types.Body`) and ``response`` (:class:`~zzz.types.ResponseWriter`).
It pulls body events from the connection's sans-IO parser, reading the socket
only when the parser needs bytes, and serialises the response with
:mod:`zzz.server.response`. One small object per request; the connection it
belongs to does the socket I/O and enforces the write timeout.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import anyio

from zzz.exceptions import HTTPError, ProtocolError, ZzzError
from zzz.server.parser import NEED_DATA, BodyData, EndOfMessage, Head
from zzz.server.response import CONTINUE_RESPONSE, LAST_CHUNK, build_head
from zzz.types import RawHeaders

if TYPE_CHECKING:
    from zzz.server.connection import Connection

__all__ = ["ClientDisconnected", "Exchange"]

_FILE_CHUNK = 256 * 1024
#: One-shot responses up to this size go out as a single write (head + body).
_COALESCE_LIMIT = 65536
#: Unread request body the server discards to keep a connection alive; more closes it.
_DISCARD_LIMIT = 65536


class ClientDisconnected(ZzzError, OSError):
    """The client went away while the response was being written."""


class Exchange:
    """One request/response exchange: the request :class:`~zzz.types.Body` and the
    :class:`~zzz.types.ResponseWriter` in one object.

    Attributes:
        body_complete: The whole request body has been received.
        started: The response head was sent.
        finished: The response is complete.
        keep_alive: Whether the connection can serve another request afterwards.
    """

    __slots__ = (
        "_body_allowed",
        "_chunked",
        "_conn",
        "_continue",
        "_head_request",
        "_remaining",
        "_unread",
        "_version",
        "body_complete",
        "broken",
        "finished",
        "keep_alive",
        "started",
        "status",
    )

    def __init__(self, conn: Connection, head: Head) -> None:
        self._conn = conn
        self._version = head.http_version
        self._head_request = head.method == b"HEAD"
        self._continue = head.expect_continue
        self._chunked = False
        self._body_allowed = True
        self._remaining: int | None = None
        self.keep_alive = head.keep_alive
        self.started = False
        self.status = 0
        self.finished = False
        self.broken = False
        length = head.content_length
        self._unread = length if length is not None else (-1 if head.chunked else 0)
        self.body_complete = False
        if not self._unread:
            # No body: consume the parser's EndOfMessage now, without I/O.
            self.body_complete = type(conn.parser.next_event()) is EndOfMessage

    # -- Body ------------------------------------------------------------------------

    async def receive(self) -> bytes:
        """Return the next request body chunk, ``b""`` at the end.

        Sends ``100 Continue`` first when the client asked for it and is waiting.

        Raises:
            ProtocolError: Malformed or oversized body (413), client gone (400).
            HTTPError: 408 when the client is slower than ``Limits.body_timeout``.
        """
        if self.body_complete:
            return b""
        conn = self._conn
        parser = conn.parser
        try:
            event = parser.next_event()
            if event is NEED_DATA:
                if self._continue:
                    self._continue = False
                    if not self.started:
                        await conn.send(CONTINUE_RESPONSE)
                timeout = conn.settings.limits.body_timeout
                while event is NEED_DATA:
                    with anyio.move_on_after(timeout):
                        parser.feed(await conn.read())
                        event = parser.next_event()
                        continue
                    self.broken = True
                    self.keep_alive = False
                    raise HTTPError(408, "timed out reading the request body")
        except ProtocolError:
            self.broken = True
            self.keep_alive = False
            raise
        if type(event) is BodyData:
            data = event.data
            if self._unread > 0:
                self._unread -= len(data)
                if not self._unread:  # the last byte of a sized body: take the end now
                    self.body_complete = type(parser.next_event()) is EndOfMessage
            return data
        self.body_complete = True
        return b""

    @property
    def _keep(self) -> bool:
        """Keep-alive for the response being started: false if unread body is too large."""
        if not self.keep_alive or self._conn.closing:
            return False
        if self.body_complete:
            return True
        return not self._continue and 0 <= self._unread <= _DISCARD_LIMIT

    async def discard_body(self) -> bool:
        """Read and drop the rest of the request body; return whether that worked."""
        try:
            while await self.receive():
                pass
        except HTTPError:
            return False
        return True

    # -- ResponseWriter ----------------------------------------------------------------

    def _check_start(self) -> None:
        if self.started:
            raise RuntimeError("the response has already been started")

    async def respond(self, status: int, headers: RawHeaders, body: bytes) -> None:
        """Send a complete response (head and body in one write when small)."""
        self._check_start()
        head = build_head(
            status,
            headers,
            http_version=self._version,
            keep_alive=self._keep,
            content_length=len(body),
            head_request=self._head_request,
        )
        self.started = True
        self.status = status
        self.keep_alive = head.keep_alive
        if head.body_allowed and body:
            if len(body) <= _COALESCE_LIMIT:
                await self._conn.send(head.data + body)
            else:
                await self._conn.send(head.data)
                await self._conn.send(body)
        else:
            await self._conn.send(head.data)
        self.finished = True

    async def respond_error(self, status: int, detail: str, headers: dict[str, str]) -> None:
        """Send a short plain-text error response."""
        body = ((detail or str(status)) + "\n").encode("utf-8", "replace")
        raw = [(b"content-type", b"text/plain; charset=utf-8")]
        raw += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
        try:
            await self.respond(status, raw, body)
        except ClientDisconnected:
            self.keep_alive = False
            self.finished = True

    async def start(self, status: int, headers: RawHeaders) -> None:
        """Send the head of a streamed response (chunked unless a length is given)."""
        self._check_start()
        head = build_head(
            status,
            headers,
            http_version=self._version,
            keep_alive=self._keep,
            head_request=self._head_request,
        )
        self.started = True
        self.status = status
        self.keep_alive = head.keep_alive
        self._chunked = head.chunked
        self._body_allowed = head.body_allowed
        self._remaining = head.content_length
        await self._conn.send(head.data)

    async def write(self, data: bytes) -> None:
        """Send one piece of a streamed body.

        Raises:
            RuntimeError: Not started, already ended, or more bytes than the
                declared ``content-length``.
            ClientDisconnected: The client went away.
        """
        if not self.started or self.finished:
            raise RuntimeError("write() needs start() first and must come before end()")
        if not data or not self._body_allowed:
            return
        if self._chunked:
            await self._conn.send(b"%x\r\n%s\r\n" % (len(data), data))
            return
        if self._remaining is not None:
            if len(data) > self._remaining:
                self.keep_alive = False
                raise RuntimeError("the body is longer than the declared content-length")
            self._remaining -= len(data)
        await self._conn.send(data)

    async def end(self) -> None:
        """Finish a streamed body."""
        if not self.started:
            raise RuntimeError("end() needs start() first")
        if self.finished:
            return
        self.finished = True
        if self._chunked:
            await self._conn.send(LAST_CHUNK)
        elif self._remaining and self._body_allowed:
            self.keep_alive = False  # truncated: the client must see the connection close

    async def send_file(
        self,
        status: int,
        headers: RawHeaders,
        path: str,
        offset: int = 0,
        count: int | None = None,
    ) -> None:
        """Send ``count`` bytes of a file from ``offset`` (to its end when ``None``).

        Files up to 64 KiB go out with the head in a single write. Larger ones use
        zero-copy ``sendfile`` over plain TCP (trio; asyncio's standard loop), else
        256 KiB reads in a worker thread.

        Raises:
            OSError: The file cannot be opened (before anything is sent).
        """
        self._check_start()
        file = await anyio.to_thread.run_sync(open, path, "rb")
        try:
            size = os.fstat(file.fileno()).st_size
            available = max(0, size - offset)
            count = available if count is None else max(0, min(count, available))
            head = build_head(
                status,
                headers,
                http_version=self._version,
                keep_alive=self._keep,
                content_length=count,
                head_request=self._head_request,
            )
            self.started = True
            self.status = status
            self.keep_alive = head.keep_alive
            if not head.body_allowed or not count:
                await self._conn.send(head.data)
            elif count <= _COALESCE_LIMIT:
                data = await anyio.to_thread.run_sync(os.pread, file.fileno(), count, offset)
                await self._conn.send(head.data + data)
            else:
                await self._conn.send(head.data)
                if self._conn.can_sendfile:
                    await self._conn.sendfile(file, offset, count)
                else:
                    await self._send_range(path, file.fileno(), offset, count)
            self.finished = True
        finally:
            file.close()

    async def _send_range(self, path: str, fd: int, offset: int, count: int) -> None:
        while count > 0:
            data = await anyio.to_thread.run_sync(os.pread, fd, min(_FILE_CHUNK, count), offset)
            if not data:  # the file shrank: the promised length cannot be met
                self.keep_alive = False
                raise RuntimeError(f"{path!r} shrank while being sent ({count} bytes short)")
            await self._conn.send(data)
            offset += len(data)
            count -= len(data)
