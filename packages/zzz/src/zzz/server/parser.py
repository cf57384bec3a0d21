"""Sans-IO HTTP/1.1 request parsing: events, the parser protocol and its shared driver.

The connection loop feeds received bytes into a :class:`RequestParser` and pulls
events until it gets :data:`NEED_DATA`::

    parser = make_parser("h11", Limits())
    parser.feed(b"GET / HTTP/1.1\\r\\nHost: example.com\\r\\n\\r\\n")
    head = parser.next_event()        # Head(method=b"GET", target=b"/", ...)
    parser.next_event()               # EndOfMessage()
    ...                               # write the response
    parser.start_next_cycle()         # keep-alive: parse the next (pipelined) request

Both parser paths (``"h11"`` and ``"httptools"``) share the driver below: it
buffers bytes, finds the end of each head, applies the raw-byte checks of
:mod:`zzz.server.rawcheck` and the :class:`~zzz.server.limits.Limits`, frames
the body (``Content-Length`` or chunked) and keeps pipelined bytes for the next
cycle. Only the decoding of the head and the body is delegated to h11 or llhttp,
so both paths accept and reject exactly the same byte streams.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Final, Literal, Protocol

from zzz.exceptions import ProtocolError, ZzzError
from zzz.server.limits import Limits
from zzz.server.rawcheck import ChunkScanner, HeadInfo, check_head, check_partial_head

__all__ = [
    "BaseRequestParser",
    "BodyData",
    "ConnectionClosed",
    "EndOfMessage",
    "Event",
    "Head",
    "NEED_DATA",
    "NeedData",
    "ParserStateError",
    "RequestParser",
    "make_parser",
]


@dataclass(slots=True)
class Head:
    """The request line and header fields of one request.

    Attributes:
        method: The method, e.g. ``b"GET"``.
        target: The request target exactly as sent, e.g. ``b"/a%20b?x=1"``.
        headers: ``(name, value)`` pairs, names lower-cased, values without
            surrounding whitespace, in arrival order.
        http_version: ``b"1.1"`` or ``b"1.0"``.
        keep_alive: Whether the client allows another request on this connection
            (HTTP/1.1 without ``Connection: close``; HTTP/1.0 with
            ``Connection: keep-alive``).
        content_length: The declared body length, or ``None``.
        chunked: Whether the body is chunked.
        expect_continue: Whether the client waits for ``100 Continue`` before
            sending the body.
        upgrade: The lower-cased ``Upgrade`` value when the client asks to switch
            protocols (e.g. ``b"websocket"``), else ``None``.
    """

    method: bytes
    target: bytes
    headers: list[tuple[bytes, bytes]]
    http_version: bytes
    keep_alive: bool
    content_length: int | None
    chunked: bool
    expect_continue: bool
    upgrade: bytes | None


@dataclass(slots=True)
class BodyData:
    """A piece of the request body (already de-chunked)."""

    data: bytes


@dataclass(slots=True)
class EndOfMessage:
    """The current request is complete (its body fully received)."""


@dataclass(slots=True)
class ConnectionClosed:
    """The peer closed the connection cleanly between two requests."""


class NeedData:
    """Type of :data:`NEED_DATA`: feed more bytes before the next event."""

    __slots__ = ()

    def __repr__(self) -> str:
        """Return ``"NEED_DATA"``."""
        return "NEED_DATA"


#: Returned by :meth:`RequestParser.next_event` when more bytes are needed (or, after
#: :class:`EndOfMessage`, until :meth:`RequestParser.start_next_cycle` is called).
NEED_DATA: Final = NeedData()

Event = Head | BodyData | EndOfMessage | ConnectionClosed


class ParserStateError(ZzzError, RuntimeError):
    """The parser was driven out of order (a bug in the caller, not the peer)."""


class RequestParser(Protocol):
    """What the connection loop needs from a request parser."""

    def feed(self, data: bytes) -> None:
        """Add received bytes; ``b""`` means the peer closed its side (EOF)."""

    def next_event(self) -> Event | NeedData:
        """Return the next event, or :data:`NEED_DATA`; raise ``ProtocolError``."""

    def start_next_cycle(self) -> None:
        """Start parsing the next request once the response is complete."""

    @property
    def trailing_data(self) -> bytes:
        """Bytes received after the current request (for Upgrade/CONNECT)."""

    @property
    def buffered(self) -> int:
        """How many received bytes are not consumed yet."""


_HEAD, _BODY, _DONE, _PAUSED, _CLOSING, _CLOSED = range(6)
_END: Final = EndOfMessage()
_CLOSED_EVENT: Final = ConnectionClosed()
_COMPACT_AT = 65536


class BaseRequestParser(ABC):
    """The shared driver: buffering, raw checks, limits, framing and pipelining.

    Subclasses implement :meth:`_parse_head`, :meth:`_decode_body` and
    :meth:`_end_body` with their parser library.

    After :class:`EndOfMessage` the parser waits: for a keep-alive request until
    :meth:`start_next_cycle`; for an Upgrade or CONNECT request until the caller
    either takes :attr:`trailing_data` (switching protocols) or declines with
    :meth:`start_next_cycle`; for a closing request (``keep_alive`` false) for
    ever, discarding further bytes (answer, then close the connection).

    Args:
        limits: The size limits to enforce.

    Raises:
        ProtocolError: From :meth:`next_event` on malformed or oversized input,
            and from :meth:`feed` when the client pipelines more than
            ``limits.max_pipelined`` requests while a response is pending (429).
    """

    __slots__ = (
        "_ahead",
        "_buf",
        "_checked",
        "_chunks",
        "_eof",
        "_error",
        "_info",
        "_limits",
        "_pos",
        "_remaining",
        "_scan",
        "_state",
    )

    def __init__(self, limits: Limits) -> None:
        self._limits = limits
        self._buf = bytearray()
        self._pos = 0
        self._scan = 0
        self._checked = 0
        self._state = _HEAD
        self._eof = False
        self._error: ProtocolError | None = None
        self._info: HeadInfo | None = None
        self._chunks: ChunkScanner | None = None
        self._remaining = 0
        self._ahead = 0

    # -- the library hooks -------------------------------------------------------

    @abstractmethod
    def _parse_head(self, head: bytes, info: HeadInfo) -> Head:
        """Decode a checked head with the parser library."""

    @abstractmethod
    def _decode_body(self, data: bytes) -> bytes:
        """Decode framed body bytes with the parser library; return the payload."""

    @abstractmethod
    def _end_body(self) -> None:
        """Confirm the library also saw the end of the message."""

    # -- the public interface ----------------------------------------------------

    @property
    def trailing_data(self) -> bytes:
        """Bytes received but not consumed by the current request."""
        return bytes(self._buf[self._pos :])

    @property
    def buffered(self) -> int:
        """How many received bytes are not consumed yet."""
        return len(self._buf) - self._pos

    def feed(self, data: bytes) -> None:
        """Add received bytes; ``b""`` marks the end of the peer's stream.

        Args:
            data: The bytes just received, or ``b""`` at EOF.

        Raises:
            ProtocolError: 429 when more than ``max_pipelined`` requests arrive
                while a response is pending.
        """
        if not data:
            self._eof = True
            return
        state = self._state
        if state >= _CLOSING:
            return
        buf = self._buf
        pos = self._pos
        if pos:
            if pos == len(buf):
                buf.clear()
                self._scan = self._checked = self._pos = pos = 0
            elif pos > _COMPACT_AT:
                del buf[:pos]
                self._scan = max(self._scan - pos, 0)
                self._checked = max(self._checked - pos, 0)
                self._pos = pos = 0
        start = len(buf)
        buf += data
        if state == _DONE:
            self._ahead += buf.count(b"\r\n\r\n", max(start - 3, pos))
            if self._ahead > self._limits.max_pipelined:
                raise ProtocolError(429, "too many pipelined requests")

    def next_event(self) -> Event | NeedData:
        """Return the next event of the current request.

        Returns:
            A :class:`Head`, then zero or more :class:`BodyData`, then
            :class:`EndOfMessage`; :class:`ConnectionClosed` on a clean EOF between
            requests; :data:`NEED_DATA` when more bytes are needed or the parser
            waits for :meth:`start_next_cycle`.

        Raises:
            ProtocolError: The request is malformed or exceeds a limit; the caller
                answers with ``error.status`` and closes. Raised again on every
                later call.
        """
        if self._error is not None:
            raise self._error
        try:
            if self._state == _HEAD:
                return self._next_head()
            if self._state == _BODY:
                return self._next_body()
        except ProtocolError as exc:
            self._error = exc
            self._state = _CLOSED
            raise
        if self._state == _CLOSED:
            return _CLOSED_EVENT
        return NEED_DATA

    def start_next_cycle(self) -> None:
        """Reset for the next request after the response has been sent.

        Raises:
            ParserStateError: The current request is not complete, or it asked to
                close the connection.
        """
        if self._state not in (_DONE, _PAUSED):
            raise ParserStateError("start_next_cycle() before the request was complete")
        self._state = _HEAD
        self._info = None
        self._chunks = None
        self._ahead = 0

    # -- the driver --------------------------------------------------------------

    def _next_head(self) -> Event | NeedData:
        buf = self._buf
        pos = self._pos
        while buf.startswith(b"\r\n", pos):
            pos += 2
        self._pos = pos
        size = len(buf)
        if pos == size:
            if self._eof:
                self._state = _CLOSED
                return _CLOSED_EVENT
            return NEED_DATA
        end = buf.find(b"\r\n\r\n", max(self._scan, pos))
        if end < 0:
            self._checked = check_partial_head(
                buf, pos, max(self._scan, pos), max(self._checked, pos), self._limits
            )
            if self._eof:
                raise ProtocolError(400, "connection closed in the middle of a request head")
            self._scan = max(size - 3, pos)
            return NEED_DATA
        end += 4
        head_bytes = bytes(buf[pos:end])
        info = check_head(head_bytes, self._limits)
        head = self._parse_head(head_bytes, info)
        self._pos = self._scan = self._checked = end
        self._info = info
        self._state = _BODY
        if info.chunked:
            self._chunks = ChunkScanner(self._limits)
        else:
            self._remaining = info.content_length or 0
        return head

    def _next_body(self) -> Event | NeedData:
        buf = self._buf
        pos = self._pos
        chunks = self._chunks
        if chunks is None:
            remaining = self._remaining
            if not remaining:
                return self._finish()
            take = min(remaining, len(buf) - pos)
            if not take:
                if self._eof:
                    raise ProtocolError(400, "connection closed in the middle of a request body")
                return NEED_DATA
            self._pos = pos + take
            self._remaining = remaining - take
            return BodyData(self._decode_body(bytes(buf[pos : pos + take])))
        used, done = chunks.scan(buf, pos)
        if used:
            self._pos = pos + used
            data = self._decode_body(bytes(buf[pos : pos + used]))
            if done:
                self._remaining = 0
                self._chunks = None
            if data:
                return BodyData(data)
        if done:
            return self._finish()
        if self._eof:
            raise ProtocolError(400, "connection closed in the middle of a request body")
        return NEED_DATA

    def _finish(self) -> EndOfMessage:
        self._end_body()
        info = self._info
        assert info is not None
        if info.upgrade is not None or info.connect:
            self._state = _PAUSED
        elif info.keep_alive:
            self._state = _DONE
            self._ahead = 0
        else:
            self._state = _CLOSING
            del self._buf[:]
            self._pos = self._scan = self._checked = 0
        return _END


def make_parser(kind: Literal["h11", "httptools"], limits: Limits | None = None) -> RequestParser:
    """Create a request parser for one connection.

    Args:
        kind: ``"h11"`` (pure Python, the default path) or ``"httptools"`` (the
            ``fast`` extra).
        limits: The limits to enforce; :class:`Limits` defaults when ``None``.

    Returns:
        A fresh parser.

    Raises:
        MissingDependency: ``kind="httptools"`` without the ``fast`` extra.
        ValueError: An unknown ``kind``.

    Example:
        >>> parser = make_parser("h11")
        >>> parser.feed(b"GET / HTTP/1.1\\r\\nHost: a\\r\\n\\r\\n")
        >>> parser.next_event().method
        b'GET'
    """
    resolved = limits if limits is not None else Limits()
    if kind == "h11":
        from zzz.server.http11 import H11Parser

        return H11Parser(resolved)
    if kind == "httptools":
        from zzz.server.fastpath import HttptoolsParser

        return HttptoolsParser(resolved)
    raise ValueError(f"unknown parser kind {kind!r}; use 'h11' or 'httptools'")
