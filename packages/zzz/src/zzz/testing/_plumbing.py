"""In-memory request bodies and response writers for the test client, and multipart encoding."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from zzz.types import RawHeaders

if TYPE_CHECKING:
    from zzz.testing.client import FileSpec

__all__ = ["MemoryBody", "Recorder", "encode_multipart"]


class MemoryBody:
    __slots__ = ("_chunks",)

    def __init__(self, data: bytes, chunk_size: int = 65536) -> None:
        self._chunks = [data[i : i + chunk_size] for i in range(0, len(data), chunk_size)]

    async def receive(self) -> bytes:
        return self._chunks.pop(0) if self._chunks else b""


class Recorder:
    """An in-memory :class:`~zzz.types.ResponseWriter` enforcing the call order."""

    __slots__ = ("body", "done", "head_only", "headers", "started", "status")

    def __init__(self, head_only: bool) -> None:
        self.head_only = head_only
        self.status = 0
        self.headers: RawHeaders = []
        self.body = bytearray()
        self.started = False
        self.done = False

    def _begin(self, status: int, headers: RawHeaders) -> None:
        if self.started:
            raise RuntimeError("the app started the response twice")
        self.started = True
        self.status = status
        self.headers = list(headers)

    async def respond(self, status: int, headers: RawHeaders, body: bytes) -> None:
        self._begin(status, headers)
        if not self.head_only:
            self.body += body
        self.done = True

    async def start(self, status: int, headers: RawHeaders) -> None:
        self._begin(status, headers)

    async def write(self, data: bytes) -> None:
        if not self.started or self.done:
            raise RuntimeError("write() outside a started, unfinished response")
        if not self.head_only:
            self.body += data

    async def end(self) -> None:
        if not self.started or self.done:
            raise RuntimeError("end() outside a started, unfinished response")
        self.done = True

    async def send_file(
        self, status: int, headers: RawHeaders, path: str, offset: int = 0, count: int | None = None
    ) -> None:
        import anyio

        self._begin(status, headers)
        data = await anyio.Path(path).read_bytes()
        end = len(data) if count is None else offset + count
        if not self.head_only:
            self.body += data[offset:end]
        self.done = True


def encode_multipart(
    files: Mapping[str, FileSpec], data: Mapping[str, Any] | None
) -> tuple[bytes, str]:
    boundary = "zzz" + secrets.token_hex(12)
    parts: list[bytes] = []

    def quoted(text: str) -> str:
        # As browsers do (WHATWG multipart/form-data encoding): raw UTF-8, with only
        # the quote, CR and LF percent-encoded.
        return text.replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")

    def disposition(name: str, filename: str | None = None) -> str:
        text = f'form-data; name="{quoted(name)}"'
        if filename is not None:
            text += f'; filename="{quoted(filename)}"'
        return text

    for name, value in (data or {}).items():
        items = value if isinstance(value, list | tuple) else [value]
        parts.extend(
            f"--{boundary}\r\nContent-Disposition: {disposition(name)}\r\n\r\n".encode()
            + str(item).encode()
            + b"\r\n"
            for item in items
        )
    for name, spec in files.items():
        filename, ctype = name, "application/octet-stream"
        content: bytes | str
        if isinstance(spec, tuple):
            filename, content = spec[0], spec[1]
            if len(spec) == 3:
                ctype = spec[2]
        else:
            content = spec
        raw = content.encode() if isinstance(content, str) else content
        header = (
            f"--{boundary}\r\nContent-Disposition: {disposition(name, filename)}\r\n"
            f"Content-Type: {ctype}\r\n\r\n"
        )
        parts.append(header.encode() + raw + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"
