"""The default parser path: the shared raw-byte checks in front of h11.

h11 decodes each request head (method, target, header fields) and body
(``Content-Length`` or chunked) after :mod:`zzz.server.rawcheck` has accepted
the bytes, so h11's own leniencies (obs-fold, bare LF, duplicate
``Content-Length``, its header limit that only applies to heads arriving in
pieces) never decide anything. A fresh ``h11.Connection`` decodes each request:
creating one costs less than driving h11's server-side state machine through a
response, and it keeps HTTP/1.0 keep-alive (which h11 does not support) working.
Responses are serialised by :mod:`zzz.server.response`, not by h11.
"""

from __future__ import annotations

import h11

from zzz.exceptions import ProtocolError
from zzz.server.limits import Limits
from zzz.server.parser import BaseRequestParser, Head
from zzz.server.rawcheck import HeadInfo

__all__ = ["H11Parser"]


class H11Parser(BaseRequestParser):
    """A :class:`~zzz.server.parser.RequestParser` decoding requests with h11.

    Args:
        limits: The limits to enforce.

    Example:
        >>> from zzz.server.limits import Limits
        >>> parser = H11Parser(Limits())
        >>> parser.feed(b"GET /x HTTP/1.1\\r\\nHost: a\\r\\n\\r\\n")
        >>> parser.next_event().target
        b'/x'
    """

    __slots__ = ("_conn", "_ended", "_max_event")

    def __init__(self, limits: Limits) -> None:
        super().__init__(limits)
        self._conn: h11.Connection | None = None
        self._ended = False
        self._max_event = limits.max_request_line + limits.max_header_bytes + 1024

    def _parse_head(self, head: bytes, info: HeadInfo) -> Head:
        conn = h11.Connection(h11.SERVER, max_incomplete_event_size=self._max_event)
        conn.receive_data(head)
        try:
            event = conn.next_event()
        except h11.RemoteProtocolError as exc:
            raise ProtocolError(400, f"malformed request head: {exc}") from exc
        if type(event) is not h11.Request:
            raise ProtocolError(400, "malformed request head")
        self._conn = conn
        self._ended = False
        return Head(
            event.method,
            event.target,
            list(event.headers),
            info.http_version,
            info.keep_alive,
            info.content_length,
            info.chunked,
            info.expect_continue,
            info.upgrade,
        )

    def _decode_body(self, data: bytes) -> bytes:
        conn = self._conn
        assert conn is not None
        conn.receive_data(data)
        parts: list[bytes] = []
        try:
            while True:
                event = conn.next_event()
                if type(event) is h11.Data:
                    parts.append(bytes(event.data))
                elif type(event) is h11.EndOfMessage:
                    self._ended = True
                    break
                else:
                    break
        except h11.RemoteProtocolError as exc:
            raise ProtocolError(400, f"malformed request body: {exc}") from exc
        if len(parts) == 1:
            return parts[0]
        return b"".join(parts)

    def _end_body(self) -> None:
        info = self._info
        assert info is not None
        framed = info.chunked or bool(info.content_length)
        if framed and not self._ended:
            raise ProtocolError(400, "request body framing is inconsistent")
        self._conn = None
