"""Sans-IO streaming ``multipart/form-data`` reader on top of ``python-multipart``.

Feed body chunks with :meth:`MultipartReader.feed`; it returns events in order:
:class:`PartStart` (headers parsed), ``bytes`` (a piece of the part's content),
:class:`PartEnd`. :meth:`MultipartReader.close` checks that the closing boundary
was seen. Limits are enforced while parsing (errors carry a status: 400 or 413),
so nothing larger than one chunk is ever held here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header

__all__ = [
    "MultipartError",
    "MultipartReader",
    "PartEnd",
    "PartStart",
    "boundary_from",
]

MAX_BOUNDARY: Final = 200


class MultipartError(ValueError):
    """Malformed (``status`` 400) or over-limit (``status`` 413) multipart input."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass(slots=True)
class PartStart:
    """A part's headers have been read.

    Attributes:
        name: The form field name.
        filename: The client file name (path components stripped), or ``None`` for a field.
        content_type: The part's ``Content-Type`` (``text/plain`` when absent).
        headers: All part headers, names lower-cased.
    """

    name: str
    filename: str | None
    content_type: str
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)


@dataclass(slots=True)
class PartEnd:
    """The current part is complete."""


_END: Final = PartEnd()


def boundary_from(content_type: bytes | str) -> bytes:
    """Extract and check the boundary of a ``multipart/form-data`` content type.

    Raises:
        MultipartError: The boundary is missing or invalid (400).
    """
    _, params = parse_options_header(content_type)
    boundary = params.get(b"boundary")
    if not boundary or len(boundary) > MAX_BOUNDARY or any(c < 32 or c > 126 for c in boundary):
        raise MultipartError("multipart body without a valid boundary")
    return boundary


def _clean_filename(raw: bytes) -> str:
    text = raw.decode("utf-8", "replace").replace("\\", "/").rsplit("/", 1)[-1]
    return text.replace("\x00", "")


class MultipartReader:
    """Parse one multipart body incrementally.

    Args:
        boundary: The boundary from the content type (see :func:`boundary_from`).
        max_parts: At most this many parts (fields + files).
        max_part_headers: At most this many headers per part.
        max_header_size: At most this many bytes per part header line.
    """

    __slots__ = (
        "_done",
        "_events",
        "_field",
        "_headers",
        "_max_parts",
        "_parser",
        "_parts",
        "_value",
    )

    def __init__(
        self,
        boundary: bytes,
        *,
        max_parts: int = 1000,
        max_part_headers: int = 16,
        max_header_size: int = 8192,
    ) -> None:
        self._events: list[PartStart | bytes | PartEnd] = []
        self._headers: list[tuple[bytes, bytes]] = []
        self._field = bytearray()
        self._value = bytearray()
        self._parts = 0
        self._max_parts = max_parts
        self._done = False
        callbacks = {
            "on_part_begin": self._on_part_begin,
            "on_part_data": self._on_part_data,
            "on_part_end": self._on_part_end,
            "on_header_field": self._on_header_field,
            "on_header_value": self._on_header_value,
            "on_header_end": self._on_header_end,
            "on_headers_finished": self._on_headers_finished,
            "on_end": self._on_end,
        }
        try:
            self._parser = MultipartParser(
                boundary,
                callbacks,  # type: ignore[arg-type]  # a plain dict of the documented callbacks
                max_header_count=max_part_headers,
                max_header_size=max_header_size,
            )
        except FormParserError as exc:
            raise MultipartError(f"invalid multipart boundary: {exc}") from exc

    def feed(self, data: bytes) -> list[PartStart | bytes | PartEnd]:
        """Parse ``data`` and return the events it completes.

        Raises:
            MultipartError: Malformed input (400) or too many parts (413).
        """
        if self._done:
            return []
        try:
            self._parser.write(data)
        except FormParserError as exc:
            raise MultipartError(f"malformed multipart body: {exc}") from exc
        events, self._events = self._events, []
        return events

    def close(self) -> None:
        """Check the body ended with the closing boundary.

        Raises:
            MultipartError: The body was truncated (400).
        """
        if not self._done:
            raise MultipartError("multipart body ended before the closing boundary")

    def _on_part_begin(self) -> None:
        self._parts += 1
        if self._parts > self._max_parts:
            raise MultipartError(f"too many multipart parts (limit {self._max_parts})", 413)
        self._headers = []

    def _on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._field += data[start:end]

    def _on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def _on_header_end(self) -> None:
        self._headers.append((bytes(self._field).strip().lower(), bytes(self._value).strip()))
        self._field.clear()
        self._value.clear()

    def _on_headers_finished(self) -> None:
        disposition = None
        content_type = b"text/plain"
        for name, value in self._headers:
            if name == b"content-disposition":
                disposition = value
            elif name == b"content-type":
                content_type = value
        if disposition is None:
            raise MultipartError("multipart part without a Content-Disposition header")
        kind, params = parse_options_header(disposition)
        if kind != b"form-data" or b"name" not in params:
            raise MultipartError("multipart part is not form-data with a name")
        raw_filename = params.get(b"filename")
        self._events.append(
            PartStart(
                name=params[b"name"].decode("utf-8", "replace"),
                filename=None if raw_filename is None else _clean_filename(raw_filename),
                content_type=content_type.decode("latin-1"),
                headers=self._headers,
            )
        )

    def _on_part_data(self, data: bytes, start: int, end: int) -> None:
        if end > start:
            self._events.append(data[start:end])

    def _on_part_end(self) -> None:
        self._events.append(_END)

    def _on_end(self) -> None:
        self._done = True
