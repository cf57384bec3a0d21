"""ASGI 3 in both directions.

* :class:`ASGIAdapter` lets the built-in server serve **any plain ASGI 3 app**: it
  turns the native ``(RequestHead, Body, ResponseWriter)`` triple into an HTTP scope
  with ``receive``/``send`` callables. So ``python -m zzz.server module:app`` can
  stand in for uvicorn.
* :func:`asgi_to_native` goes the other way: it wraps a native app
  (:class:`~zzz.types.NativeApp`) as an ASGI 3 callable, turning an ASGI scope,
  ``receive`` and ``send`` into a :class:`~zzz.types.RequestHead`, a
  :class:`~zzz.types.Body` and a :class:`~zzz.types.ResponseWriter`. That is how a
  Zzz app runs under uvicorn, granian or hypercorn (HTTP and lifespan).

The built-in server never goes through ASGI for a native app: it calls
``handle_http`` directly.

Example::

    from zzz.server.asgi import asgi_to_native

    asgi_app = asgi_to_native(native_app)   # uvicorn module:asgi_app
"""

from __future__ import annotations

import os
from collections.abc import Iterable, MutableMapping
from typing import Any

import anyio

from zzz.exceptions import HTTPError
from zzz.types import (
    ASGIApp,
    ASGIReceive,
    ASGIScope,
    ASGISend,
    Body,
    NativeApp,
    RawHeaders,
    RequestHead,
    ResponseWriter,
)

__all__ = ["ASGIAdapter", "NativeASGIApp", "asgi_to_native"]

_ASGI = {"version": "3.0", "spec_version": "2.4"}
_FILE_CHUNK = 256 * 1024


class _HTTPExchange:
    """``receive``/``send`` for one request served to an ASGI app."""

    __slots__ = ("body", "body_done", "done", "head_sent", "headers", "response", "status")

    def __init__(self, body: Body, response: ResponseWriter) -> None:
        self.body = body
        self.response = response
        self.body_done = False
        self.done: anyio.Event | None = None
        self.status = 0
        self.headers: RawHeaders | None = None
        self.head_sent = False

    async def receive(self) -> dict[str, Any]:
        if not self.body_done:
            chunk = await self.body.receive()
            if not chunk or getattr(self.body, "body_complete", False):
                self.body_done = True
                return {"type": "http.request", "body": chunk, "more_body": False}
            return {"type": "http.request", "body": chunk, "more_body": True}
        # The body is over: wait until the response is complete (or failed).
        if self.status >= 0:
            if self.done is None:
                self.done = anyio.Event()
            await self.done.wait()
        return {"type": "http.disconnect"}

    def _finish(self) -> None:
        self.status = -1
        if self.done is not None:
            self.done.set()

    async def send(self, message: MutableMapping[str, Any]) -> None:
        kind = message["type"]
        if kind == "http.response.body":
            if self.headers is None:
                raise RuntimeError("ASGI: 'http.response.body' sent before 'http.response.start'")
            if self.status < 0:
                raise RuntimeError("ASGI: message sent after the response was complete")
            body = message.get("body", b"")
            more = message.get("more_body", False)
            try:
                if self.head_sent:
                    if body:
                        await self.response.write(body)
                    if not more:
                        await self.response.end()
                        self._finish()
                elif not more:
                    await self.response.respond(self.status, self.headers, body)
                    self._finish()
                else:
                    self.head_sent = True
                    await self.response.start(self.status, self.headers)
                    if body:
                        await self.response.write(body)
            except BaseException:
                self._finish()
                raise
        elif kind == "http.response.start":
            if self.headers is not None:
                raise RuntimeError("ASGI: 'http.response.start' sent twice")
            self.status = int(message["status"])
            self.headers = [(k.lower(), v) for k, v in message.get("headers", ())]
        elif kind == "http.response.pathsend":
            if self.headers is None or self.head_sent or self.status < 0:
                raise RuntimeError("ASGI: 'http.response.pathsend' out of order")
            try:
                await self.response.send_file(self.status, self.headers, message["path"])
            finally:
                self._finish()
        else:
            raise RuntimeError(f"ASGI: unexpected message type {kind!r} for an HTTP scope")


class ASGIAdapter:
    """Serve a plain ASGI 3 app through the native interface.

    Args:
        app: The ASGI 3 application.
        state: The lifespan state; every request scope gets a shallow copy.

    Request scopes follow the ASGI HTTP spec 2.4: ``path`` is percent-decoded and
    includes ``root_path``; the ``http.response.pathsend`` extension is offered.
    After the request body, ``receive()`` waits until the response is complete and
    then returns ``http.disconnect``; a client that went away is reported by
    ``send()`` raising an :class:`OSError` subclass.
    """

    __slots__ = ("app", "state")

    def __init__(self, app: ASGIApp, state: dict[str, Any] | None = None) -> None:
        self.app = app
        self.state = state if state is not None else {}

    async def handle_http(self, head: RequestHead, body: Body, response: ResponseWriter) -> None:
        """Call the ASGI app for one request."""
        exchange = _HTTPExchange(body, response)
        extensions: dict[str, Any] = {"http.response.pathsend": {}}
        if head.extensions:
            extensions.update(head.extensions)
        scope = {
            "type": "http",
            "asgi": _ASGI,
            "http_version": head.http_version,
            "method": head.method,
            "scheme": head.scheme,
            "path": head.path,
            "raw_path": head.raw_path,
            "query_string": head.query_string,
            "root_path": head.root_path,
            "headers": head.headers,
            "client": head.client,
            "server": head.server,
            "state": self.state.copy() if self.state else {},
            "extensions": extensions,
        }
        try:
            await self.app(scope, exchange.receive, exchange.send)
        finally:
            exchange._finish()
        if exchange.headers is None:
            raise RuntimeError("ASGI app returned without sending 'http.response.start'")

    async def startup(self) -> None:
        """No-op: ASGI apps run their hooks through :class:`~zzz.server.lifespan.Lifespan`."""

    async def shutdown(self) -> None:
        """No-op: ASGI apps run their hooks through :class:`~zzz.server.lifespan.Lifespan`."""


# -- native app as ASGI -------------------------------------------------------------


class _ASGIBody:
    __slots__ = ("_done", "_receive")

    def __init__(self, receive: ASGIReceive) -> None:
        self._receive = receive
        self._done = False

    async def receive(self) -> bytes:
        while not self._done:
            message = await self._receive()
            kind = message["type"]
            if kind == "http.request":
                chunk: bytes = message.get("body", b"")
                if not message.get("more_body", False):
                    self._done = True
                if chunk:
                    return chunk
            elif kind == "http.disconnect":
                self._done = True
                raise HTTPError(400, "the client disconnected")
        return b""


def _has(headers: RawHeaders, name: bytes) -> bool:
    return any(key == name for key, _ in headers)


class _ASGIWriter:
    __slots__ = ("_head", "_pathsend", "_send", "_started")

    def __init__(self, send: ASGISend, head_request: bool, pathsend: bool) -> None:
        self._send = send
        self._head = head_request
        self._pathsend = pathsend
        self._started = False

    def _begin(self) -> None:
        if self._started:
            raise RuntimeError("the response was already started")
        self._started = True

    async def respond(self, status: int, headers: RawHeaders, body: bytes) -> None:
        self._begin()
        if not _has(headers, b"content-length"):
            headers = [*headers, (b"content-length", str(len(body)).encode())]
        await self._send({"type": "http.response.start", "status": status, "headers": headers})
        await self._send({"type": "http.response.body", "body": b"" if self._head else body})

    async def start(self, status: int, headers: RawHeaders) -> None:
        self._begin()
        await self._send({"type": "http.response.start", "status": status, "headers": headers})

    async def write(self, data: bytes) -> None:
        if data and not self._head:
            await self._send({"type": "http.response.body", "body": data, "more_body": True})

    async def end(self) -> None:
        await self._send({"type": "http.response.body", "body": b""})

    async def send_file(
        self,
        status: int,
        headers: RawHeaders,
        path: str,
        offset: int = 0,
        count: int | None = None,
    ) -> None:
        self._begin()
        size = (await anyio.to_thread.run_sync(os.stat, path)).st_size
        count = max(0, size - offset) if count is None else min(count, max(0, size - offset))
        if not _has(headers, b"content-length"):
            headers = [*headers, (b"content-length", str(count).encode())]
        await self._send({"type": "http.response.start", "status": status, "headers": headers})
        if self._head:
            await self._send({"type": "http.response.body", "body": b""})
            return
        if self._pathsend and offset == 0 and count == size:
            await self._send({"type": "http.response.pathsend", "path": path})
            return
        async with await anyio.open_file(path, "rb") as file:
            await file.seek(offset)
            while count > 0:
                chunk = await file.read(min(_FILE_CHUNK, count))
                if not chunk:
                    break
                count -= len(chunk)
                await self._send({"type": "http.response.body", "body": chunk, "more_body": True})
        await self._send({"type": "http.response.body", "body": b""})


def _pairs(items: Iterable[Any]) -> RawHeaders:
    return [(bytes(key), bytes(value)) for key, value in items]


def _request_head(scope: ASGIScope) -> RequestHead:
    path: str = scope["path"]
    raw_path = scope.get("raw_path") or path.encode("utf-8")
    client = scope.get("client")
    server = scope.get("server")
    return RequestHead(
        method=scope["method"],
        path=path,
        raw_path=raw_path,
        query_string=scope.get("query_string", b""),
        headers=_pairs(scope.get("headers", ())),
        http_version=scope.get("http_version", "1.1"),
        scheme=scope.get("scheme", "http"),
        client=(client[0], client[1]) if client else None,
        server=(server[0], server[1] or 0) if server else None,
        root_path=scope.get("root_path", ""),
        extensions=dict(scope.get("extensions") or {}),
    )


class NativeASGIApp:
    """A native app exposed as an ASGI 3 application (see :func:`asgi_to_native`).

    Args:
        app: The native application.

    Handles the ``http`` and ``lifespan`` scopes; a ``websocket`` scope is refused
    with ``websocket.close`` (code 1000), since plain native apps have no WebSocket
    handler.
    """

    __slots__ = ("app",)

    def __init__(self, app: NativeApp) -> None:
        self.app = app

    async def __call__(self, scope: ASGIScope, receive: ASGIReceive, send: ASGISend) -> None:
        """Handle one ASGI connection."""
        kind = scope["type"]
        if kind == "http":
            head = _request_head(scope)
            pathsend = "http.response.pathsend" in head.extensions
            writer = _ASGIWriter(send, head.method == "HEAD", pathsend)
            await self.app.handle_http(head, _ASGIBody(receive), writer)
            if not writer._started:
                raise RuntimeError("the native app returned without sending a response")
        elif kind == "lifespan":
            await self._lifespan(receive, send)
        elif kind == "websocket":
            await receive()
            await send({"type": "websocket.close", "code": 1000})
        else:
            raise RuntimeError(f"unsupported ASGI scope type {kind!r}")

    async def _lifespan(self, receive: ASGIReceive, send: ASGISend) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    await self.app.startup()
                except Exception as exc:  # noqa: BLE001 - any hook failure is reported to the server
                    await send({"type": "lifespan.startup.failed", "message": repr(exc)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                try:
                    await self.app.shutdown()
                except Exception as exc:  # noqa: BLE001 - any hook failure is reported to the server
                    await send({"type": "lifespan.shutdown.failed", "message": repr(exc)})
                    return
                await send({"type": "lifespan.shutdown.complete"})
                return


def asgi_to_native(app: NativeApp) -> NativeASGIApp:
    """Wrap a native app so any ASGI 3 server (uvicorn, granian, hypercorn) can run it.

    Args:
        app: An object implementing :class:`~zzz.types.NativeApp`.

    Returns:
        An ASGI 3 callable serving HTTP and lifespan through ``app``.

    Example:
        >>> asgi_app = asgi_to_native(my_native_app)  # doctest: +SKIP
    """
    return NativeASGIApp(app)
