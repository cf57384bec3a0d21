"""The BodyParser plug: JSON, urlencoded and streaming multipart request bodies.

Parsed values land in ``conn.body_params`` (and so in ``conn.params``). Uploaded
files become :class:`UploadFile` objects spooled to temporary files (in memory up
to ``spool_size``, then on disk) and closed/deleted when the response is sent.

JSON and urlencoded bodies are handed back to the conn with ``conn.set_body(raw)``
after parsing, so a handler can still read the exact bytes with ``await
conn.body()`` (webhook signature checks). Multipart bodies are streamed and never
buffered for this: after a multipart parse, ``conn.body()`` raises
``AlreadySentError``.

Errors: 400 malformed, 413 over a limit, 415 unsupported media type. A body that
parses but fails the handler's pydantic model is a 422 from the handler binding.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from typing import IO, Any, ClassVar, Final, cast

import anyio.to_thread

from zzz.conn import Conn, json_loads
from zzz.exceptions import HTTPError, ImproperlyConfigured
from zzz.http.mime import parse_content_type
from zzz.http.query import nest, parse_pairs
from zzz.plugs._multipart import MultipartError, MultipartReader, PartEnd, PartStart, boundary_from

__all__ = ["BodyParser", "UploadFile"]

_KINDS: Final = frozenset({"json", "urlencoded", "multipart"})
_NO_BODY_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS", "DELETE", "TRACE"})


@dataclass(eq=False)
class UploadFile:
    """One uploaded file.

    Attributes:
        filename: The client's file name, path components stripped (never trust it
            as a path: generate your own when saving).
        content_type: The part's declared content type (client-supplied).
        size: Bytes received.
        file: The spooled temporary file, positioned at 0 after parsing.
        headers: The part's headers.
    """

    filename: str
    content_type: str
    file: IO[bytes] = field(repr=False)
    size: int = 0
    headers: list[tuple[bytes, bytes]] = field(default_factory=list, repr=False)

    async def read(self, size: int = -1) -> bytes:
        """Read up to ``size`` bytes (all when -1) in a worker thread."""
        return await anyio.to_thread.run_sync(self.file.read, size)

    async def seek(self, offset: int) -> None:
        """Move to ``offset``."""
        await anyio.to_thread.run_sync(self.file.seek, offset)

    def close(self) -> None:
        """Close and delete the temporary file."""
        self.file.close()


class BodyParser:
    """Parse request bodies into ``conn.body_params``.

    Args:
        parsers: Which bodies to parse: ``"json"``, ``"urlencoded"``, ``"multipart"``.
        pass_types: Media types left unparsed for the handler (``"*/*"`` for all);
            any other type with a body is a 415.
        max_body_size: Limit for JSON and urlencoded bodies (bytes).
        max_multipart_size: Limit for a whole multipart body (bytes).
        max_field_size: Limit for each multipart non-file field (bytes).
        max_file_size: Limit for each uploaded file (bytes).
        max_parts: Maximum number of multipart parts (fields + files).
        max_part_headers: Maximum headers per multipart part.
        spool_size: Uploads stay in memory up to this size, then go to a temp file.
        temp_dir: Directory for temporary files (system default when ``None``).

    JSON and urlencoded bodies stay readable as raw bytes with ``await
    conn.body()`` after parsing; multipart bodies (uploads) do not.

    Raises:
        ImproperlyConfigured: Unknown parser name or a non-positive limit.

    Example:
        >>> api = pipeline(BodyParser(max_body_size=1_000_000))  # doctest: +SKIP
    """

    provides: ClassVar[frozenset[str]] = frozenset({"body_params"})
    requires: ClassVar[frozenset[str]] = frozenset()

    __slots__ = (
        "_parsers",
        "_pass_any",
        "_pass_types",
        "max_body_size",
        "max_field_size",
        "max_file_size",
        "max_multipart_size",
        "max_part_headers",
        "max_parts",
        "spool_size",
        "temp_dir",
    )

    def __init__(
        self,
        *,
        parsers: tuple[str, ...] = ("json", "urlencoded", "multipart"),
        pass_types: tuple[str, ...] = (),
        max_body_size: int = 1024 * 1024,
        max_multipart_size: int = 64 * 1024 * 1024,
        max_field_size: int = 64 * 1024,
        max_file_size: int = 32 * 1024 * 1024,
        max_parts: int = 1000,
        max_part_headers: int = 16,
        spool_size: int = 1024 * 1024,
        temp_dir: str | None = None,
    ) -> None:
        unknown = set(parsers) - _KINDS
        if unknown:
            raise ImproperlyConfigured(
                f"BodyParser: unknown parsers {sorted(unknown)}; choose from {sorted(_KINDS)}"
            )
        limits = {
            "max_body_size": max_body_size,
            "max_multipart_size": max_multipart_size,
            "max_field_size": max_field_size,
            "max_file_size": max_file_size,
            "max_parts": max_parts,
            "max_part_headers": max_part_headers,
            "spool_size": spool_size,
        }
        for name, value in limits.items():
            if value < 1:
                raise ImproperlyConfigured(f"BodyParser: {name} must be >= 1, got {value}")
        self._parsers = frozenset(parsers)
        self._pass_types = frozenset(t.lower() for t in pass_types)
        self._pass_any = "*/*" in self._pass_types
        self.max_body_size = max_body_size
        self.max_multipart_size = max_multipart_size
        self.max_field_size = max_field_size
        self.max_file_size = max_file_size
        self.max_parts = max_parts
        self.max_part_headers = max_part_headers
        self.spool_size = spool_size
        self.temp_dir = temp_dir

    async def __call__(self, conn: Conn) -> None:
        """Parse the body of ``conn`` (no-op when it was parsed already)."""
        if conn.body_params is not None:
            return
        headers = conn.headers
        has_body = "transfer-encoding" in headers or headers.get("content-length", "0") != "0"
        if not has_body:
            conn.body_params = {}
            return
        raw_type = headers.get("content-type", "")
        media, _ = parse_content_type(raw_type) if raw_type else ("", {})
        if media == "application/json" or media.endswith("+json"):
            if "json" in self._parsers:
                await self._json(conn)
                return
        elif media == "application/x-www-form-urlencoded":
            if "urlencoded" in self._parsers:
                data = await self._read(conn, self.max_body_size)
                conn.body_params = nest(
                    parse_pairs(data, max_params=conn.config.max_params),
                    max_depth=conn.config.max_depth,
                )
                return
        elif media == "multipart/form-data" and "multipart" in self._parsers:
            await self._multipart(conn, raw_type)
            return
        if self._pass_any or media in self._pass_types:
            return
        if conn.method in _NO_BODY_METHODS and not media:
            conn.body_params = {}
            return
        raise HTTPError(415, f"unsupported request media type {media or '(none)'!r}")

    def _check_declared(self, conn: Conn, limit: int) -> None:
        declared = conn.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            raise HTTPError(413, f"request body too large (limit {limit} bytes)")

    async def _read(self, conn: Conn, limit: int) -> bytes:
        self._check_declared(conn, limit)
        chunks: list[bytes] = []
        size = 0
        async for chunk in conn.stream():
            size += len(chunk)
            if size > limit:
                raise HTTPError(413, f"request body too large (limit {limit} bytes)")
            chunks.append(chunk)
        raw = b"".join(chunks)
        conn.set_body(raw)  # conn.body() keeps working (webhook signatures)
        return raw

    async def _json(self, conn: Conn) -> None:
        data = await self._read(conn, self.max_body_size)
        if not data.strip():
            conn.body_params = {}
            return
        try:
            value = json_loads(data)
        except ValueError as exc:
            raise HTTPError(400, f"malformed JSON body: {exc}") from None
        conn.body_params = value if isinstance(value, dict) else {"_json": value}

    async def _multipart(self, conn: Conn, content_type: str) -> None:
        try:
            boundary = boundary_from(content_type)
            reader = MultipartReader(
                boundary, max_parts=self.max_parts, max_part_headers=self.max_part_headers
            )
        except MultipartError as exc:
            raise HTTPError(exc.status, str(exc)) from None
        self._check_declared(conn, self.max_multipart_size)
        files: list[UploadFile] = []
        conn.before_send.append(lambda _conn: _close_all(files))
        try:
            pairs = await self._collect(conn, reader, files)
        except BaseException:
            _close_all(files)
            raise
        conn.body_params = nest(
            cast("list[tuple[str, str]]", pairs), max_depth=conn.config.max_depth
        )

    async def _collect(
        self, conn: Conn, reader: MultipartReader, files: list[UploadFile]
    ) -> list[tuple[str, Any]]:
        pairs: list[tuple[str, Any]] = []
        total = 0
        current: PartStart | None = None
        value = bytearray()
        upload: UploadFile | None = None
        try:
            async for chunk in conn.stream():
                total += len(chunk)
                if total > self.max_multipart_size:
                    raise HTTPError(
                        413, f"request body too large (limit {self.max_multipart_size} bytes)"
                    )
                for event in reader.feed(chunk):
                    if isinstance(event, PartStart):
                        current, upload = event, None
                        if event.filename is not None:
                            upload = self._new_upload(event)
                            files.append(upload)
                    elif isinstance(event, bytes):
                        if upload is not None:
                            await self._write(upload, event)
                        else:
                            value += event
                            if len(value) > self.max_field_size:
                                raise HTTPError(
                                    413,
                                    f"form field too large (limit {self.max_field_size} bytes)",
                                )
                    elif isinstance(event, PartEnd) and current is not None:
                        if upload is not None:
                            await anyio.to_thread.run_sync(upload.file.seek, 0)
                            pairs.append((current.name, upload))
                        else:
                            pairs.append((current.name, _decode_field(value)))
                        value.clear()
                        current = None
            reader.close()
        except MultipartError as exc:
            raise HTTPError(exc.status, str(exc)) from None
        return pairs

    def _new_upload(self, part: PartStart) -> UploadFile:
        spooled = tempfile.SpooledTemporaryFile(  # noqa: SIM115 - closed in before_send
            max_size=self.spool_size, dir=self.temp_dir
        )
        return UploadFile(
            filename=part.filename or "",
            content_type=part.content_type,
            file=cast("IO[bytes]", spooled),
            headers=part.headers,
        )

    async def _write(self, upload: UploadFile, data: bytes) -> None:
        upload.size += len(data)
        if upload.size > self.max_file_size:
            raise HTTPError(413, f"uploaded file too large (limit {self.max_file_size} bytes)")
        if getattr(upload.file, "_rolled", False) or upload.size > self.spool_size:
            await anyio.to_thread.run_sync(upload.file.write, data)
        else:
            upload.file.write(data)


def _decode_field(value: bytearray) -> str:
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        raise HTTPError(400, "form field is not valid UTF-8") from None


def _close_all(files: list[UploadFile]) -> None:
    for upload in files:
        upload.close()
