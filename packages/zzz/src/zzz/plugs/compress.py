"""The Compress plug: gzip, deflate and brotli response compression.

The coding is negotiated from ``Accept-Encoding`` (q-values honoured, server
preference ``br`` > ``gzip`` > ``deflate`` on ties). Compressed: complete bodies of
at least ``minimum_size`` bytes and streamed bodies (flushed chunk by chunk, so
server-sent events keep flowing), when the content type is compressible (text,
JSON, JavaScript, XML, SVG...). Skipped: already-encoded responses, ranges (206),
``Cache-Control: no-transform``, file responses (serve precompressed siblings with
``Static`` instead), and empty or informational statuses. ``Vary: Accept-Encoding``
is added whenever the response could have been compressed; a strong ``ETag`` is
weakened (``W/``) on a compressed response.
"""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterable, AsyncIterator, Callable
from typing import Any, ClassVar, Final

from zzz.conn import Conn
from zzz.exceptions import ImproperlyConfigured, MissingDependency
from zzz.plugs._negotiate import choose_encoding

__all__ = ["Compress", "is_compressible"]

#: Media types (besides ``text/*``, ``*+json`` and ``*+xml``) worth compressing.
COMPRESSIBLE: Final = frozenset(
    {
        "application/json",
        "application/javascript",
        "application/xml",
        "application/wasm",
        "application/x-ndjson",
        "application/graphql-response+json",
        "image/svg+xml",
        "image/x-icon",
        "font/ttf",
        "font/otf",
    }
)


def is_compressible(content_type: str) -> bool:
    """Whether a response of this ``Content-Type`` benefits from compression."""
    media = content_type.split(";", 1)[0].strip().lower()
    return media.startswith("text/") or media in COMPRESSIBLE or media.endswith(("+json", "+xml"))


def _brotli() -> Any:
    try:
        import brotli
    except ImportError:
        return None
    return brotli


class Compress:
    """Compress responses.

    Args:
        minimum_size: Complete bodies smaller than this are sent as is.
        encodings: Codings offered, in server preference order. The default offers
            ``br`` only when the ``brotli`` extra is installed.
        gzip_level: zlib level for gzip/deflate (1-9).
        brotli_quality: Brotli quality (0-11).

    Raises:
        ImproperlyConfigured: Unknown encoding or level.
        MissingDependency: ``"br"`` requested without the ``brotli`` extra.
    """

    provides: ClassVar[frozenset[str]] = frozenset()
    requires: ClassVar[frozenset[str]] = frozenset()

    __slots__ = ("_brotli", "brotli_quality", "encodings", "gzip_level", "minimum_size")

    def __init__(
        self,
        *,
        minimum_size: int = 500,
        encodings: tuple[str, ...] | None = None,
        gzip_level: int = 6,
        brotli_quality: int = 4,
    ) -> None:
        self._brotli = _brotli()
        if encodings is None:
            encodings = ("br", "gzip", "deflate") if self._brotli else ("gzip", "deflate")
        unknown = set(encodings) - {"br", "gzip", "deflate"}
        if unknown or not encodings:
            raise ImproperlyConfigured(
                f"Compress: encodings must be among br, gzip, deflate (got {encodings})"
            )
        if "br" in encodings and self._brotli is None:
            raise MissingDependency("brotli", "brotli")
        if not 1 <= gzip_level <= 9 or not 0 <= brotli_quality <= 11:
            raise ImproperlyConfigured("Compress: gzip_level is 1-9, brotli_quality 0-11")
        if minimum_size < 0:
            raise ImproperlyConfigured("Compress: minimum_size must be >= 0")
        self.minimum_size = minimum_size
        self.encodings = encodings
        self.gzip_level = gzip_level
        self.brotli_quality = brotli_quality

    async def __call__(self, conn: Conn) -> None:
        """Register the compression step for this response."""
        accept = conn.headers.get("accept-encoding")
        conn.register_before_send(lambda c: self._apply(c, accept))

    def _apply(self, conn: Conn, accept: str | None) -> None:
        state = conn.state
        if state not in ("set", "stream"):
            return
        status = conn.status or 200
        headers = conn.resp_headers
        if status < 200 or status in (204, 206, 304) or "content-range" in headers:
            return
        if not is_compressible(headers.get("content-type", "")):
            return
        if "content-encoding" in headers or "no-transform" in headers.get("cache-control", ""):
            return
        vary = headers.get("vary", "")
        if "accept-encoding" not in vary.lower():
            headers["vary"] = f"{vary}, Accept-Encoding" if vary else "Accept-Encoding"
        if state == "set" and len(conn.resp_body) < self.minimum_size:
            return
        coding = choose_encoding(accept, self.encodings)
        if coding is None:
            return
        if state == "set":
            conn.resp_body = self._compress_all(coding, conn.resp_body)
        else:
            assert conn.resp_stream is not None
            conn.resp_stream = self._compress_stream(coding, conn.resp_stream)
        headers["content-encoding"] = coding
        headers.pop("content-length", None)
        etag = headers.get("etag")
        if etag is not None and not etag.startswith("W/"):
            headers["etag"] = "W/" + etag

    def _compress_all(self, coding: str, body: bytes) -> bytes:
        if coding == "br":
            data: bytes = self._brotli.compress(body, quality=self.brotli_quality)
            return data
        wbits = 31 if coding == "gzip" else 15
        compressor = zlib.compressobj(self.gzip_level, zlib.DEFLATED, wbits)
        return compressor.compress(body) + compressor.flush()

    def _streamer(self, coding: str) -> tuple[Callable[[bytes], bytes], Callable[[], bytes]]:
        if coding == "br":
            br = self._brotli.Compressor(quality=self.brotli_quality)
            return (lambda chunk: br.process(chunk) + br.flush()), br.finish
        z = zlib.compressobj(self.gzip_level, zlib.DEFLATED, 31 if coding == "gzip" else 15)
        return (lambda chunk: z.compress(chunk) + z.flush(zlib.Z_SYNC_FLUSH)), z.flush

    async def _compress_stream(
        self, coding: str, chunks: AsyncIterable[bytes]
    ) -> AsyncIterator[bytes]:
        feed, finish = self._streamer(coding)
        async for chunk in chunks:
            if chunk:
                out = feed(chunk)
                if out:
                    yield out
        tail = finish()
        if tail:
            yield tail
