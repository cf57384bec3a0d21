"""The fast parser path: the shared raw-byte checks in front of httptools (llhttp).

Installed with the ``fast`` extra (``pip install 'zzz-web[fast]'``). The bytes
llhttp sees have already passed :mod:`zzz.server.rawcheck`, so this path accepts
and rejects exactly what the h11 path does (a differential test holds them to
it); llhttp only decodes. Each request gets a fresh llhttp parser, fed exactly
the bytes of that request: pipelined bytes stay in the shared buffer until their
own head has been checked.
"""

from __future__ import annotations

from typing import Any

from zzz.exceptions import MissingDependency, ProtocolError
from zzz.server.limits import Limits
from zzz.server.parser import BaseRequestParser, Head
from zzz.server.rawcheck import ChunkScanner, HeadInfo

__all__ = ["HttptoolsParser"]


class _Callbacks:
    """The llhttp callbacks, collecting one request's pieces."""

    __slots__ = ("body", "complete", "headers", "url")

    def __init__(self) -> None:
        self.url = b""
        self.headers: list[tuple[bytes, bytes]] = []
        self.body: list[bytes] = []
        self.complete = False

    def on_url(self, url: bytes) -> None:
        self.url += url

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name.lower(), value.rstrip(b" \t")))

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        self.complete = True


class HttptoolsParser(BaseRequestParser):
    """A :class:`~zzz.server.parser.RequestParser` decoding requests with httptools.

    Args:
        limits: The limits to enforce.

    Raises:
        MissingDependency: httptools is not installed (the ``fast`` extra).
    """

    __slots__ = (
        "_calls",
        "_dechunk",
        "_error_types",
        "_new_parser",
        "_parser",
        "_upgrade_error",
        "_upgraded",
    )

    def __init__(self, limits: Limits) -> None:
        try:
            import httptools
        except ImportError as exc:
            raise MissingDependency("httptools", "fast") from exc
        super().__init__(limits)
        self._new_parser = httptools.HttpRequestParser
        self._upgrade_error: type[Exception] = httptools.HttpParserUpgrade
        self._error_types: type[Exception] = httptools.HttpParserError
        self._calls = _Callbacks()
        self._parser: Any = None
        self._upgraded = False
        self._dechunk: ChunkScanner | None = None

    def _feed(self, data: bytes) -> None:
        try:
            self._parser.feed_data(data)
        except self._upgrade_error:
            # httptools pauses right after the head of an Upgrade/CONNECT request
            # and leaves any body undecoded; the raw checks framed it, so
            # _decode_body takes over (a request's body precedes the switch).
            self._upgraded = True
        except self._error_types as exc:
            raise ProtocolError(400, f"malformed request: {exc}") from exc

    def _parse_head(self, head: bytes, info: HeadInfo) -> Head:
        calls = self._calls
        calls.url = b""
        calls.headers = []
        calls.complete = False
        parser = self._parser
        if parser is None:
            # A fresh llhttp parser after an Upgrade/CONNECT pause; otherwise the one
            # that completed the previous keep-alive request is ready for the next.
            parser = self._parser = self._new_parser(calls)
        self._upgraded = False
        self._dechunk = None
        self._feed(head)
        headers = calls.headers
        calls.headers = []  # llhttp reports trailers as headers too: keep them apart
        return Head(
            parser.get_method(),
            calls.url,
            headers,
            info.http_version,
            info.keep_alive,
            info.content_length,
            info.chunked,
            info.expect_continue,
            info.upgrade,
        )

    def _decode_body(self, data: bytes) -> bytes:
        if self._upgraded:
            return self._decode_after_upgrade(data)
        self._feed(data)
        body = self._calls.body
        if not body:
            return b""
        out = body[0] if len(body) == 1 else b"".join(body)
        body.clear()
        return out

    def _decode_after_upgrade(self, data: bytes) -> bytes:
        info = self._info
        assert info is not None
        if not info.chunked:
            return data
        if self._dechunk is None:
            self._dechunk = ChunkScanner(self._limits)
        payload: list[bytes] = []
        self._dechunk.scan(bytearray(data), 0, payload)
        return b"".join(payload)

    def _end_body(self) -> None:
        info = self._info
        assert info is not None
        if info.connect or self._upgraded:
            self._parser = None
        elif not self._calls.complete:
            raise ProtocolError(400, "request body framing is inconsistent")
