"""The per-connection loop: read → parse → dispatch → write.

One task serves one connection. It feeds received bytes to a sans-IO
:class:`~zzz.server.parser.RequestParser`, calls the app's ``handle_http`` with a
:class:`~zzz.types.RequestHead` and an :class:`~zzz.server.exchange.Exchange` (which is both the
request :class:`~zzz.types.Body` and the :class:`~zzz.types.ResponseWriter`), and
writes the response with :mod:`zzz.server.response`. Requests on a keep-alive
connection are answered one after another, so pipelined requests get their
responses in order.

Hot path: no task, cancel scope or timer per request. Reads take up to 64 KiB,
a one-shot response is one ``send``. Timeouts other than the body timeout are
deadlines that the server's reaper task checks (see :mod:`zzz.server.listener`).

Error handling: a malformed request gets a short 400/413/414/431/... response
and the connection closes; an app exception gets a 500 (or, once the response
has started, a closed connection); nothing raised here ends the server.
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import math
import os
import socket
import ssl
import time
from dataclasses import dataclass
from typing import IO, Any, Literal
from urllib.parse import unquote_to_bytes

import anyio
from anyio.abc import ByteStream, SocketAttribute
from anyio.streams.tls import TLSAttribute, TLSStream

from zzz.exceptions import HTTPError, ProtocolError
from zzz.server.aio import AsyncioStream
from zzz.server.config import ServerConfig
from zzz.server.exchange import ClientDisconnected, Exchange
from zzz.server.limits import Limits
from zzz.server.parser import NEED_DATA, Head, make_parser
from zzz.server.response import error_response
from zzz.types import NativeApp, RequestHead

__all__ = ["Connection", "ConnectionSettings"]

logger = logging.getLogger("zzz.server")
access_logger = logging.getLogger("zzz.server.access")

_READ_SIZE = 65536
#: Seconds to wait for the client to close after the server decided to close.
_LINGER_TIMEOUT = 2.0
_NO_DEADLINE = math.inf
_IDLE, _HEAD, _APP, _WRITE, _LINGER = range(5)
_HAS_SENDFILE = hasattr(os, "sendfile")
_SENDFILE_PIECE = 4 * 1024 * 1024
_STREAM_ERRORS = (anyio.EndOfStream, anyio.BrokenResourceError, anyio.ClosedResourceError, OSError)
_TLS_VERSIONS = {"TLSv1.2": 0x0303, "TLSv1.3": 0x0304}
_METHODS = {
    m.encode(): m
    for m in ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE")
}

_Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True, slots=True)
class ConnectionSettings:
    """Everything a connection needs, resolved once at startup.

    Attributes:
        app: The native app (ASGI apps arrive wrapped in an adapter).
        limits: Sizes and timeouts.
        parser_kind: ``"h11"`` or ``"httptools"``.
        ssl_context: Server TLS context, or ``None`` for plain HTTP.
        root_path: Mount prefix, prepended to ``RequestHead.path``.
        access_log: Log each request to the ``zzz.server.access`` logger.
        proxy_headers: Honour ``X-Forwarded-For``/``-Proto`` from trusted peers.
        trusted: Networks whose forwarding headers are trusted.
        trust_all: Trust forwarding headers from every peer.
    """

    app: NativeApp
    limits: Limits
    parser_kind: Literal["h11", "httptools"] = "h11"
    ssl_context: ssl.SSLContext | None = None
    root_path: str = ""
    access_log: bool = False
    proxy_headers: bool = False
    trusted: tuple[_Network, ...] = ()
    trust_all: bool = False

    @property
    def scheme(self) -> str:
        """``"https"`` with TLS, else ``"http"``."""
        return "http" if self.ssl_context is None else "https"

    @classmethod
    def from_config(
        cls, config: ServerConfig, app: NativeApp, ssl_context: ssl.SSLContext | None
    ) -> ConnectionSettings:
        """Resolve ``config`` into connection settings."""
        ips = config.forwarded_allow_ips
        return cls(
            app=app,
            limits=config.limits,
            parser_kind=config.resolved_http(),
            ssl_context=ssl_context,
            root_path=config.root_path,
            access_log=config.access_log,
            proxy_headers=config.proxy_headers,
            trusted=tuple(ipaddress.ip_network(ip, strict=False) for ip in ips if ip != "*"),
            trust_all="*" in ips,
        )

    def trusts(self, host: str) -> bool:
        """Whether forwarding headers from ``host`` are honoured."""
        if self.trust_all:
            return True
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return False
        return any(address in network for network in self.trusted)


def _split_target(target: bytes) -> tuple[bytes, bytes]:
    """Split a request target into ``(raw_path, query_string)``."""
    mark = target.find(b"?")
    if mark >= 0:
        raw_path, query = target[:mark], target[mark + 1 :]
    else:
        raw_path, query = target, b""
    if raw_path[:1] != b"/" and b"://" in raw_path:  # absolute-form (proxies)
        slash = raw_path.find(b"/", raw_path.index(b"://") + 3)
        raw_path = raw_path[slash:] if slash >= 0 else b"/"
    return raw_path, query


def _decode_path(raw_path: bytes) -> str:
    if b"%" not in raw_path and raw_path.isascii():
        return raw_path.decode("ascii")
    return unquote_to_bytes(raw_path).decode("utf-8", "replace")


class Connection:
    """Serve the requests of one client connection.

    Args:
        stream: The accepted byte stream (TCP; TLS is layered on here).
        settings: Resolved server settings.

    Attributes:
        deadline: ``time.monotonic()`` value at which the current phase (idle,
            head, write, linger) times out; ``inf`` while the app runs.
    """

    __slots__ = (
        "_scope",
        "client",
        "closing",
        "deadline",
        "parser",
        "phase",
        "sendfile_socket",
        "server",
        "settings",
        "stream",
        "tls",
    )

    def __init__(self, stream: ByteStream, settings: ConnectionSettings) -> None:
        self.stream = stream
        self.settings = settings
        self.parser = make_parser(settings.parser_kind, settings.limits)
        self.phase = _IDLE
        self.deadline = time.monotonic() + settings.limits.header_timeout
        self._scope = anyio.CancelScope()
        self.closing = False
        remote = stream.extra(SocketAttribute.remote_address, None)  # noqa: S610 - anyio typed attribute
        local = stream.extra(SocketAttribute.local_address, None)  # noqa: S610 - anyio typed attribute
        self.client = (str(remote[0]), int(remote[1])) if isinstance(remote, tuple) else None
        self.server = (str(local[0]), int(local[1])) if isinstance(local, tuple) else None
        self.tls: dict[str, Any] | None = None
        #: The raw socket for zero-copy ``os.sendfile`` on trio, whose ``send`` returns
        #: once every byte is in the kernel. (anyio's asyncio streams may still hold
        #: earlier bytes in user space; the asyncio fast path uses ``loop.sendfile``.)
        self.sendfile_socket: socket.socket | None = None
        if _HAS_SENDFILE and type(stream).__module__.endswith("_trio"):
            self.sendfile_socket = stream.extra(SocketAttribute.raw_socket, None)  # noqa: S610

    @property
    def can_sendfile(self) -> bool:
        """Whether :meth:`sendfile` can send a file without reading it in Python."""
        stream = self.stream
        return self.sendfile_socket is not None or (
            isinstance(stream, AsyncioStream) and stream.zero_copy
        )

    def begin_close(self) -> None:
        """Graceful shutdown: close now if idle, else after the current response."""
        self.closing = True
        if self.phase == _IDLE:
            self._scope.cancel()

    def cancel(self) -> None:
        """Abort the connection (and the request in flight) at once."""
        self._scope.cancel()

    def expire(self) -> None:
        """Called by the reaper when :attr:`deadline` has passed."""
        if self.phase != _APP:
            self._scope.cancel()

    async def run(self) -> None:
        """Serve requests until the connection closes. Never raises (except cancellation)."""
        try:
            with self._scope:
                if self.settings.ssl_context is not None:
                    await self._start_tls(self.settings.ssl_context)
                if await self._serve():
                    await self._linger()
        except _STREAM_ERRORS:
            pass
        except Exception:
            logger.exception("unexpected error while serving %s", self.client)
        finally:
            await anyio.aclose_forcefully(self.stream)

    async def _start_tls(self, context: ssl.SSLContext) -> None:
        self.phase = _HEAD
        stream = await TLSStream.wrap(
            self.stream, server_side=True, ssl_context=context, standard_compatible=False
        )
        self.stream = stream
        self.sendfile_socket = None
        version = stream.extra(TLSAttribute.tls_version, None)  # noqa: S610 - anyio typed attribute
        self.tls = {  # the ASGI TLS extension
            "server_cert": None,
            "client_cert_chain": [],
            "tls_version": _TLS_VERSIONS.get(version or ""),
            "cipher_suite": None,
        }
        self.phase = _IDLE

    async def read(self) -> bytes:
        """Receive up to 64 KiB; ``b""`` when the client closed or the connection broke."""
        try:
            return await self.stream.receive(_READ_SIZE)
        except _STREAM_ERRORS:
            return b""

    async def _linger(self) -> None:
        """Half-close and drain until the client closes, so it reads the whole response."""
        self.phase = _LINGER
        self.deadline = time.monotonic() + min(
            _LINGER_TIMEOUT, self.settings.limits.keepalive_timeout
        )
        try:
            await self.stream.send_eof()
        except (NotImplementedError, *_STREAM_ERRORS):
            pass
        while await self.read():
            pass

    async def send(self, data: bytes) -> None:
        """Write ``data`` under the write timeout.

        Raises:
            ClientDisconnected: The client closed the connection.
        """
        self.phase = _WRITE
        self.deadline = time.monotonic() + self.settings.limits.write_timeout
        try:
            await self.stream.send(data)
        except _STREAM_ERRORS as exc:
            raise ClientDisconnected("the client closed the connection") from exc
        self.phase = _APP
        self.deadline = _NO_DEADLINE

    async def sendfile(self, file: IO[bytes], offset: int, count: int) -> None:
        """Send ``count`` bytes of ``file`` from ``offset`` without copying them through Python.

        Needs :attr:`can_sendfile`. The write timeout applies to each piece, so a slow
        but steady download is not cut off.

        Raises:
            ClientDisconnected: The client closed the connection.
            RuntimeError: The file ended before ``count`` bytes.
        """
        limit = self.settings.limits.write_timeout
        stream = self.stream
        sock = self.sendfile_socket
        while count > 0:
            self.phase = _WRITE
            self.deadline = time.monotonic() + limit
            try:
                if isinstance(stream, AsyncioStream):
                    sent = min(count, _SENDFILE_PIECE)
                    if await stream.sendfile(file, offset, sent) < sent:
                        sent = 0
                else:
                    assert sock is not None
                    await anyio.wait_writable(sock)
                    sent = os.sendfile(sock.fileno(), file.fileno(), offset, count)
            except BlockingIOError:
                continue
            except _STREAM_ERRORS as exc:
                raise ClientDisconnected("the client closed the connection") from exc
            if not sent:
                raise RuntimeError(f"the file ended {count} bytes short of its length")
            offset += sent
            count -= sent
        self.phase = _APP
        self.deadline = _NO_DEADLINE

    async def _serve(self) -> bool:
        """Serve requests; return whether to linger (the server chose to close)."""
        parser = self.parser
        settings = self.settings
        app = settings.app
        limits = settings.limits
        ahead = 0  # requests taken from the buffer without reading: pipelined
        while True:
            try:
                event = parser.next_event()
                if event is not NEED_DATA:
                    ahead += 1
                    if ahead > limits.max_pipelined:
                        await self._reject(ProtocolError(429, "too many pipelined requests"))
                        return True
                while event is NEED_DATA:
                    ahead = 0
                    if self.closing and self.phase == _IDLE:
                        return False
                    data = await self.read()
                    if not data:
                        parser.feed(b"")
                        event = parser.next_event()
                        if event is NEED_DATA:
                            return False
                        break
                    if self.phase == _IDLE:
                        self.phase = _HEAD
                        self.deadline = time.monotonic() + limits.header_timeout
                    parser.feed(data)
                    event = parser.next_event()
                if type(event) is not Head:
                    return False  # the client closed between requests
                exchange = Exchange(self, event)
            except ProtocolError as exc:
                await self._reject(exc)
                return True
            self.phase = _APP
            self.deadline = _NO_DEADLINE
            try:
                await app.handle_http(self._request_head(event), exchange, exchange)
            except ClientDisconnected:
                return False
            except HTTPError as exc:
                if exchange.started:
                    return False
                if isinstance(exc, ProtocolError) or exchange.broken:
                    await self._reject(exc)
                    return True
                await exchange.respond_error(exc.status, exc.detail, exc.headers)
            except Exception:
                logger.exception("error in app while handling %s", self._describe(event))
                if exchange.started:
                    return False
                await exchange.respond_error(500, "Internal Server Error", {})
            if not exchange.finished:
                if not exchange.started:
                    logger.error("app returned without a response for %s", self._describe(event))
                    await exchange.respond_error(500, "Internal Server Error", {})
                else:
                    await exchange.end()
            if settings.access_log:
                self._log_access(event, exchange.status)
            if not exchange.keep_alive:
                return True
            if not exchange.body_complete and not await exchange.discard_body():
                return True
            if self.closing:
                return True
            parser.start_next_cycle()
            self.phase = _IDLE
            self.deadline = time.monotonic() + limits.keepalive_timeout

    async def _reject(self, exc: HTTPError) -> None:
        with contextlib.suppress(ClientDisconnected):
            await self.send(error_response(exc.status, exc.detail))

    def _log_access(self, head: Head, status: int) -> None:
        client = f"{self.client[0]}:{self.client[1]}" if self.client else "-"
        access_logger.info(
            '%s - "%s %s HTTP/%s" %d',
            client,
            head.method.decode("latin-1"),
            head.target.decode("latin-1"),
            head.http_version.decode("latin-1"),
            status,
        )

    def _describe(self, head: Head) -> str:
        return f"{head.method.decode('latin-1')} {head.target.decode('latin-1')!r}"

    def _request_head(self, head: Head) -> RequestHead:
        raw_path, query = _split_target(head.target)
        settings = self.settings
        path = _decode_path(raw_path)
        if settings.root_path:
            path = settings.root_path + path
        method = _METHODS.get(head.method) or head.method.decode("ascii")
        request = RequestHead(
            method,
            path,
            raw_path,
            query,
            head.headers,
            "1.1" if head.http_version == b"1.1" else "1.0",
            settings.scheme,
            self.client,
            self.server,
            settings.root_path,
        )
        if self.tls is not None:
            request.extensions["tls"] = self.tls
        if settings.proxy_headers and self.client and settings.trusts(self.client[0]):
            self._apply_forwarded(request)
        return request

    def _apply_forwarded(self, request: RequestHead) -> None:
        for name, value in request.headers:
            if name == b"x-forwarded-proto":
                proto = value.decode("latin-1").split(",")[-1].strip().lower()
                if proto in ("http", "https"):
                    request.scheme = proto
            elif name == b"x-forwarded-for":
                hops = [hop.strip() for hop in value.decode("latin-1").split(",") if hop.strip()]
                client = hops[0] if hops else None
                for hop in reversed(hops):
                    if not self.settings.trusts(hop):
                        client = hop
                        break
                if client:
                    request.client = (client, 0)
