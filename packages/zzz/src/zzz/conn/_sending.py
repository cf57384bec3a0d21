"""Sending the response of :class:`~zzz.conn.Conn` through the server's writer."""

from __future__ import annotations

from inspect import isawaitable
from typing import TYPE_CHECKING, Self, cast

from zzz.conn._errors import AlreadySentError
from zzz.conn._render import RenderMixin
from zzz.exceptions import ZzzError
from zzz.types import ResponseWriter

if TYPE_CHECKING:
    from zzz.conn import Conn

__all__ = ["SendingMixin"]


class SendingMixin(RenderMixin):
    """Sending part of :class:`~zzz.conn.Conn` (see there)."""

    __slots__ = ()

    async def _run_before_send(self) -> None:
        hooks = self.before_send
        if not hooks:
            return
        conn = cast("Conn", self)
        for callback in reversed(hooks):
            result = callback(conn)
            if result is not None and isawaitable(result):
                await result

    def _wire_headers(self) -> list[tuple[bytes, bytes]]:
        headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in self.resp_headers.items()]
        headers.extend((b"set-cookie", c.encode("latin-1")) for c in self.resp_cookies.values())
        return headers

    def _require_writer(self) -> ResponseWriter:
        if self._writer is None:
            raise ZzzError("this conn has no response writer (it was not created by an app)")
        return self._writer

    async def send_resp(self) -> None:
        """Run the before-send callbacks and send the response that was set.

        The app calls this after the pipeline; call it yourself only to send
        early (the rest of the handler then must not respond again).

        Raises:
            AlreadySentError: Already sent, or no response was set.
        """
        self._check_unsent()
        if self._state == "unset":
            raise AlreadySentError(f"no response was set for {self.method} {self.path}")
        writer = self._require_writer()
        if self.before_send:
            await self._run_before_send()
        state, self._state = self._state, "sent"
        status = self.status or 200
        headers = self._wire_headers()
        if state == "file":
            assert self.resp_file is not None
            path, offset, count = self.resp_file
            await writer.send_file(status, headers, path, offset, count)
        elif state == "stream":
            assert self.resp_stream is not None
            await writer.start(status, headers)
            async for piece in self.resp_stream:
                if piece:
                    await writer.write(piece)
            await writer.end()
        else:
            body = self.resp_body if status >= 200 and status not in (204, 304) else b""
            await writer.respond(status, headers, body)

    async def send_chunked(self, status: int = 200) -> Self:
        """Start a streamed response now; then ``await conn.chunk(data)`` pieces.

        Before-send callbacks run first. The app ends the stream after the
        handler returns.

        Args:
            status: Status code.

        Returns:
            The conn.

        Raises:
            AlreadySentError: A response was already set or sent.
        """
        self._check_unset()
        self.put_status(status)
        writer = self._require_writer()
        await self._run_before_send()
        self._state = "chunked"
        await writer.start(status, self._wire_headers())
        return self

    async def chunk(self, data: bytes | str) -> Self:
        """Send one piece of a response started with :meth:`send_chunked`.

        Args:
            data: The bytes (``str`` is UTF-8 encoded).

        Returns:
            The conn.

        Raises:
            AlreadySentError: :meth:`send_chunked` was not called, or the
                response is finished.
        """
        if self._state != "chunked":
            raise AlreadySentError("conn.chunk() needs a response started by send_chunked()")
        if data:
            await self._require_writer().write(data.encode() if isinstance(data, str) else data)
        return self

    async def finish(self) -> None:
        """Complete a chunked response (the app calls this after the handler)."""
        if self._state == "chunked":
            self._state = "sent"
            await self._require_writer().end()
