"""Helpers for the plug tests: run a real App in process with in-memory I/O."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import pytest
from zzz.app import App
from zzz.router import Router
from zzz.settings import Settings
from zzz.types import RequestHead

SECRET = "test-secret-key-" + "x" * 32


class MemoryBody:
    """A request body delivered in fixed-size chunks."""

    def __init__(self, data: bytes, chunk: int = 1024) -> None:
        self._chunks = [data[i : i + chunk] for i in range(0, len(data), chunk)]

    async def receive(self) -> bytes:
        return self._chunks.pop(0) if self._chunks else b""


@dataclass
class Response:
    status: int = 0
    raw_headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    body: bytes = b""
    file: tuple[str, int, int | None] | None = None

    @property
    def headers(self) -> dict[str, str]:
        return {k.decode(): v.decode("latin-1") for k, v in self.raw_headers}

    def header_all(self, name: str) -> list[str]:
        return [v.decode("latin-1") for k, v in self.raw_headers if k.decode() == name]

    @property
    def text(self) -> str:
        return self.body.decode()

    def cookie(self, name: str) -> str | None:
        for value in self.header_all("set-cookie"):
            if value.startswith(name + "="):
                return value.split(";", 1)[0].split("=", 1)[1]
        return None


class MemoryWriter:
    def __init__(self) -> None:
        self.response = Response()

    async def respond(self, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
        self.response.status, self.response.raw_headers, self.response.body = status, headers, body

    async def start(self, status: int, headers: list[tuple[bytes, bytes]]) -> None:
        self.response.status, self.response.raw_headers = status, headers

    async def write(self, data: bytes) -> None:
        self.response.body += data

    async def end(self) -> None:
        pass

    async def send_file(
        self,
        status: int,
        headers: list[tuple[bytes, bytes]],
        path: str,
        offset: int = 0,
        count: int | None = None,
    ) -> None:
        self.response.status, self.response.raw_headers = status, headers
        self.response.file = (path, offset, count)
        with open(path, "rb") as f:
            f.seek(offset)
            self.response.body = f.read(-1 if count is None else count)


class Client:
    """Calls ``app.handle_http`` with in-memory body and writer; keeps cookies."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.cookies: dict[str, str] = {}

    async def request(
        self,
        method: str,
        path: str,
        *,
        headers: Iterable[tuple[str, str]] = (),
        body: bytes = b"",
        chunk: int = 1024,
        scheme: str = "http",
        client: tuple[str, int] = ("10.0.0.1", 5000),
        query: bytes = b"",
    ) -> Response:
        raw = [(b"host", b"testserver")]
        raw += [(k.lower().encode(), v.encode("latin-1")) for k, v in headers]
        if body:
            raw.append((b"content-length", str(len(body)).encode()))
        if self.cookies and not any(k == b"cookie" for k, _ in raw):
            raw.append((b"cookie", "; ".join(f"{k}={v}" for k, v in self.cookies.items()).encode()))
        head = RequestHead(
            method=method,
            path=path,
            raw_path=path.encode("utf-8"),
            query_string=query,
            headers=raw,
            scheme=scheme,
            client=client,
        )
        writer = MemoryWriter()
        await self.app.handle_http(head, MemoryBody(body, chunk), writer)
        for value in writer.response.header_all("set-cookie"):
            pair = value.split(";", 1)[0]
            name, _, val = pair.partition("=")
            if "Max-Age=0" in value:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = val
        return writer.response


def make_app(*routes: Any, plugs: Iterable[Any] = (), **settings: Any) -> App:
    options: dict[str, Any] = {"env": "test", "secret_key": SECRET, "allowed_hosts": ["testserver"]}
    options.update(settings)
    return App(Router(*routes), settings=Settings(**options), plugs=plugs)


@pytest.fixture
def client_for() -> Callable[..., Client]:
    def build(*routes: Any, plugs: Iterable[Any] = (), **settings: Any) -> Client:
        return Client(make_app(*routes, plugs=plugs, **settings))

    return build
