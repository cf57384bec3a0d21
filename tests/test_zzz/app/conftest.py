"""Fixtures for the Conn/App/settings/test-client tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from zzz.conn import Conn, ConnConfig
from zzz.types import RawHeaders, RequestHead


class MemoryBody:
    """A request body delivered in the given chunks."""

    def __init__(self, *chunks: bytes) -> None:
        self.chunks = [c for c in chunks if c]
        self.calls = 0

    async def receive(self) -> bytes:
        self.calls += 1
        return self.chunks.pop(0) if self.chunks else b""


class Recorder:
    """A ResponseWriter that records what the app wrote."""

    def __init__(self) -> None:
        self.status = 0
        self.headers: RawHeaders = []
        self.body = b""
        self.calls: list[str] = []

    async def respond(self, status: int, headers: RawHeaders, body: bytes) -> None:
        self.calls.append("respond")
        self.status, self.headers, self.body = status, headers, body

    async def start(self, status: int, headers: RawHeaders) -> None:
        self.calls.append("start")
        self.status, self.headers = status, headers

    async def write(self, data: bytes) -> None:
        self.calls.append("write")
        self.body += data

    async def end(self) -> None:
        self.calls.append("end")

    async def send_file(
        self, status: int, headers: RawHeaders, path: str, offset: int = 0, count: int | None = None
    ) -> None:
        self.calls.append("send_file")
        self.status, self.headers = status, headers
        with open(path, "rb") as f:
            data = f.read()
        self.body = data[offset : None if count is None else offset + count]

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key == name.encode():
                return value.decode("latin-1")
        return None


@pytest.fixture
def make_conn() -> Callable[..., Conn]:
    """Build a Conn from a method, target and headers (no server involved)."""

    def build(
        method: str = "GET",
        target: str = "/",
        *,
        headers: dict[str, str] | list[tuple[str, str]] | None = None,
        body: bytes | list[bytes] = b"",
        client: tuple[str, int] | None = ("10.0.0.5", 5000),
        scheme: str = "http",
        root_path: str = "",
        writer: Any = None,
        config: ConnConfig | None = None,
        app: Any = None,
    ) -> Conn:
        path, _, query = target.partition("?")
        items = headers.items() if isinstance(headers, dict) else (headers or [])
        raw = [(k.lower().encode(), v.encode("latin-1")) for k, v in items]
        if not any(k == b"host" for k, _ in raw):
            raw.insert(0, (b"host", b"localhost"))
        chunks = body if isinstance(body, list) else [body]
        head = RequestHead(
            method=method,
            path=path,
            raw_path=path.encode(),
            query_string=query.encode(),
            headers=raw,
            scheme=scheme,
            client=client,
            server=("127.0.0.1", 8000),
            root_path=root_path,
        )
        return Conn(head, MemoryBody(*chunks), writer, app=app, config=config)

    return build


@pytest.fixture
def recorder() -> Recorder:
    """A fresh response recorder."""
    return Recorder()
