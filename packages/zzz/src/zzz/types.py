"""The small set of types every layer of Zzz agrees on.

This module is the contract between the server (``zzz.server``), the application
layer (``zzz.app``/``zzz.conn``) and the in-process test client (``zzz.testing``).
It imports nothing but the standard library, so the router and the app can be used
without the server and the server can serve any app that speaks it.

The native interface (no ASGI overhead)::

    server  --(RequestHead, Body, ResponseWriter)-->  NativeApp.handle_http()

A Zzz app is *also* a standard ASGI 3 application (``App.__call__``), and the
built-in server serves any plain ASGI 3 app through an adapter, so both directions
of ASGI are supported on top of this one contract.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

__all__ = [
    "ASGIApp",
    "ASGIReceive",
    "ASGIScope",
    "ASGISend",
    "Body",
    "NativeApp",
    "RawHeaders",
    "RequestHead",
    "ResponseWriter",
]

#: Header list as it travels between layers: ``(name, value)`` pairs of bytes, names
#: lower-cased, in arrival order, repeated names kept (like ASGI).
RawHeaders = list[tuple[bytes, bytes]]

ASGIScope = MutableMapping[str, Any]
ASGIReceive = Callable[[], Awaitable[MutableMapping[str, Any]]]
ASGISend = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[ASGIScope, ASGIReceive, ASGISend], Awaitable[None]]


@dataclass(slots=True)
class RequestHead:
    """Everything known about a request before its body is read.

    Attributes:
        method: Upper-case request method, e.g. ``"GET"``.
        path: The percent-decoded path (as in ASGI's ``scope["path"]``).
        raw_path: The path exactly as it arrived on the wire, without the query.
        query_string: The raw query string (bytes after ``?``), without the ``?``.
        headers: Lower-cased header names with their raw values, in order.
        http_version: ``"1.0"`` or ``"1.1"``.
        scheme: ``"http"`` or ``"https"``.
        client: ``(host, port)`` of the peer, when known.
        server: ``(host, port)`` of the local socket, when known.
        root_path: The mount prefix when the app is served under a sub-path.
        extensions: Room for server extensions (e.g. TLS info), as in ASGI.
    """

    method: str
    path: str
    raw_path: bytes
    query_string: bytes
    headers: RawHeaders
    http_version: str = "1.1"
    scheme: str = "http"
    client: tuple[str, int] | None = None
    server: tuple[str, int] | None = None
    root_path: str = ""
    extensions: dict[str, Any] = field(default_factory=dict)


class Body(Protocol):
    """The request body as a stream of chunks.

    ``receive()`` returns the next chunk, and ``b""`` once the body is complete
    (and on every call after that). Servers enforce their size and time limits
    inside ``receive()``; a violation raises :class:`zzz.exceptions.HTTPError`
    (413 for too large, 408 for too slow, 400 for a client that went away).
    """

    async def receive(self) -> bytes:
        """Return the next body chunk, or ``b""`` at the end of the body."""


class ResponseWriter(Protocol):
    """Where an application writes its response.

    Either call :meth:`respond` once (complete response, fastest path), or
    :meth:`start` followed by any number of :meth:`write` calls and one
    :meth:`end` (streaming), or :meth:`send_file` once. Header names must be
    lower-case bytes. The writer adds ``date``, ``server`` and framing headers
    (``content-length`` or ``transfer-encoding: chunked``) when they are absent,
    and drops the body for ``HEAD`` requests.
    """

    async def respond(self, status: int, headers: RawHeaders, body: bytes) -> None:
        """Send a complete response in one call."""

    async def start(self, status: int, headers: RawHeaders) -> None:
        """Send the status line and headers of a streamed response."""

    async def write(self, data: bytes) -> None:
        """Send one piece of a streamed body (after :meth:`start`)."""

    async def end(self) -> None:
        """Finish a streamed body (after :meth:`start`)."""

    async def send_file(
        self,
        status: int,
        headers: RawHeaders,
        path: str,
        offset: int = 0,
        count: int | None = None,
    ) -> None:
        """Send ``count`` bytes of the file at ``path`` from ``offset`` as the body."""


@runtime_checkable
class NativeApp(Protocol):
    """An application the built-in server calls directly, without ASGI.

    ``startup``/``shutdown`` are the lifespan hooks; the server awaits
    ``startup()`` before accepting connections and ``shutdown()`` after the
    last connection has finished. A failing ``startup()`` stops the server
    with the error.
    """

    async def handle_http(self, head: RequestHead, body: Body, response: ResponseWriter) -> None:
        """Handle one HTTP request."""

    async def startup(self) -> None:
        """Run the app's startup hooks."""

    async def shutdown(self) -> None:
        """Run the app's shutdown hooks."""
