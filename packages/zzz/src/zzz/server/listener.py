"""Listening sockets, the accept loop and the server's life cycle.

:class:`Server` binds (or inherits) listening sockets, runs the app's lifespan
hooks, accepts connections with one task per connection, and shuts down
gracefully. Backpressure: at most ``Limits.max_connections`` connections are
served at once; while the server is full it stops accepting and further clients
wait in the kernel's listen backlog instead of being dropped or crashing the
process.

Timeouts are enforced by one *reaper* task per server instead of a timer per
read: every connection records a deadline for the phase it is in (idle
keep-alive, reading a head, writing) and the reaper cancels the connections
whose deadline passed. That keeps the per-request hot path free of cancel
scopes and timer handles.

Resource handling: every connection task releases its slot and closes its
stream however it ends. Error handling: accept errors such as ``EMFILE`` are
logged and retried after a short pause; nothing a client sends stops the server.
"""

from __future__ import annotations

import errno
import logging
import signal
import socket
import time
from collections.abc import AsyncIterator, Sequence
from typing import Any

import anyio
from anyio.abc import ByteStream, SocketListener, TaskGroup, TaskStatus

from zzz.server.aio import AsyncioListener, asyncio_loop
from zzz.server.asgi import ASGIAdapter
from zzz.server.config import ServerConfig
from zzz.server.connection import Connection, ConnectionSettings
from zzz.server.lifespan import Lifespan
from zzz.server.tls import ssl_context_from_config
from zzz.types import ASGIApp, NativeApp

__all__ = ["Server", "bind_sockets", "serve"]

logger = logging.getLogger("zzz.server")

_Listener = SocketListener | AsyncioListener

#: Pause after an accept error (out of file descriptors, ...) before retrying.
_ACCEPT_RETRY_DELAY = 0.1


def bind_sockets(config: ServerConfig) -> list[socket.socket]:
    """Create the listening sockets for ``config.host``/``config.port``.

    One socket per address ``host`` resolves to (``"localhost"`` gives an IPv4 and
    an IPv6 socket). Sockets are non-blocking, inheritable by worker processes and
    have ``SO_REUSEADDR`` set.

    Raises:
        OSError: The address is in use or cannot be bound.
    """
    infos = socket.getaddrinfo(
        config.host, config.port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )
    sockets: list[socket.socket] = []
    seen: set[tuple[Any, ...]] = set()
    port = config.port
    try:
        for family, kind, proto, _, address in infos:
            if address in seen:
                continue
            seen.add(address)
            sock = socket.socket(family, kind, proto)
            sockets.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            if port == 0 and len(sockets) > 1:  # same ephemeral port on every address
                sock.bind((address[0], sockets[0].getsockname()[1], *address[2:]))
            else:
                sock.bind(address)
            sock.listen(config.backlog)
            sock.setblocking(False)
            sock.set_inheritable(True)
    except BaseException:
        for sock in sockets:
            sock.close()
        raise
    return sockets


class Server:
    """One server process: listeners, connections, lifespan and shutdown.

    Args:
        app: A :class:`~zzz.types.NativeApp` (called directly) or any ASGI 3 app.
        config: The server configuration.
        sockets: Already-bound listening sockets (from the supervisor); when
            ``None``, :meth:`serve` binds its own with :func:`bind_sockets`.

    Example::

        server = Server(app, ServerConfig(port=0))
        async with anyio.create_task_group() as tg:
            addresses = await tg.start(server.serve)
            ...  # serve until shut down
            server.shutdown()
    """

    def __init__(
        self,
        app: NativeApp | ASGIApp,
        config: ServerConfig,
        sockets: Sequence[socket.socket] | None = None,
    ) -> None:
        self.app = app
        self.config = config
        self._sockets = list(sockets) if sockets is not None else None
        self._stop = anyio.Event()
        self._force = False
        self._connections: set[Connection] = set()
        self._idle_wait: anyio.Event | None = None
        self.addresses: list[tuple[str, int]] = []

    def shutdown(self, *, force: bool = False) -> None:
        """Begin a graceful shutdown (``force``: cancel every connection at once).

        Must be called from the server's event loop thread.
        """
        self._force = self._force or force
        self._stop.set()
        if force:
            for connection in list(self._connections):
                connection.cancel()

    async def serve(
        self, *, task_status: TaskStatus[list[tuple[str, int]]] = anyio.TASK_STATUS_IGNORED
    ) -> None:
        """Run until :meth:`shutdown` is called; report the bound addresses on start.

        Resource handling: listeners are closed when accepting stops; on shutdown
        idle keep-alive connections are closed at once, in-flight requests get
        ``config.graceful_timeout`` seconds, then every remaining connection is
        cancelled, so shutdown always finishes.

        Raises:
            LifespanError: The app's startup hook failed (nothing was served).
            ImproperlyConfigured: A TLS certificate cannot be loaded.
            OSError: The address cannot be bound.
        """
        config = self.config
        ssl_context = ssl_context_from_config(config)
        sockets = self._sockets if self._sockets is not None else bind_sockets(config)
        try:
            async with Lifespan(self.app, config.lifespan) as lifespan:
                handler: NativeApp = (
                    self.app
                    if isinstance(self.app, NativeApp)
                    else ASGIAdapter(self.app, lifespan.state)
                )
                settings = ConnectionSettings.from_config(config, handler, ssl_context)
                self.addresses = [_address(sock) for sock in sockets]
                listeners = await _listeners(sockets)
                sockets = []
                await self._run(listeners, settings, task_status)
        finally:
            for sock in sockets:
                sock.close()

    async def _run(
        self,
        listeners: list[_Listener],
        settings: ConnectionSettings,
        task_status: TaskStatus[list[tuple[str, int]]],
    ) -> None:
        limiter = anyio.Semaphore(settings.limits.max_connections)
        try:
            async with anyio.create_task_group() as connections:
                connections.start_soon(self._reaper, settings)
                async with anyio.create_task_group() as accepting:
                    for listener in listeners:
                        accepting.start_soon(self._accept, listener, connections, limiter, settings)
                    task_status.started(self.addresses)
                    for address in self.addresses:
                        logger.info("serving on %s://%s:%d", settings.scheme, *address)
                    await self._stop.wait()
                    accepting.cancel_scope.cancel()
                await _close_all(listeners)  # new clients are refused from now on
                await self._drain()
                connections.cancel_scope.cancel()
        finally:
            await _close_all(listeners)

    async def _drain(self) -> None:
        """Let in-flight requests finish within the grace period, then cancel the rest."""
        for connection in list(self._connections):
            connection.begin_close()
        if self._connections and not self._force:
            self._idle_wait = anyio.Event()
            with anyio.move_on_after(self.config.graceful_timeout):
                await self._idle_wait.wait()
        if self._connections:
            logger.warning("grace period over: cancelling %d connection(s)", len(self._connections))
            for connection in list(self._connections):
                connection.cancel()

    async def _accept(
        self,
        listener: _Listener,
        connections: TaskGroup,
        limiter: anyio.Semaphore,
        settings: ConnectionSettings,
    ) -> None:
        while True:
            await limiter.acquire()
            try:
                stream = await listener.accept()
            except OSError as exc:
                limiter.release()
                if exc.errno in (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM):
                    logger.warning("accept failed (%s); retrying", exc)
                    await anyio.sleep(_ACCEPT_RETRY_DELAY)
                    continue
                logger.debug("accept failed: %r", exc)
                continue
            except Exception:
                # Never let one bad accept end the server.
                limiter.release()
                logger.exception("unexpected error while accepting a connection")
                await anyio.sleep(_ACCEPT_RETRY_DELAY)
                continue
            except BaseException:
                limiter.release()
                raise
            connections.start_soon(self._handle, stream, limiter, settings)

    async def _handle(
        self, stream: ByteStream, limiter: anyio.Semaphore, settings: ConnectionSettings
    ) -> None:
        connection = Connection(stream, settings)
        self._connections.add(connection)
        try:
            if self._stop.is_set():
                connection.begin_close()
            await connection.run()
        finally:
            self._connections.discard(connection)
            limiter.release()
            if not self._connections and self._idle_wait is not None:
                self._idle_wait.set()

    async def _reaper(self, settings: ConnectionSettings) -> None:
        """Cancel connections whose phase deadline (idle, head, write) has passed."""
        limits = settings.limits
        shortest = min(limits.header_timeout, limits.keepalive_timeout, limits.write_timeout)
        tick = min(1.0, max(0.01, shortest / 8))
        while True:
            await anyio.sleep(tick)
            now = time.monotonic()
            for connection in list(self._connections):
                if connection.deadline < now:
                    connection.expire()


async def _close_all(listeners: list[_Listener]) -> None:
    with anyio.CancelScope(shield=True):
        for listener in listeners:
            await listener.aclose()


def _address(sock: socket.socket) -> tuple[str, int]:
    local = sock.getsockname()
    if isinstance(local, tuple):
        return str(local[0]), int(local[1])
    return str(local), 0


async def _listeners(sockets: Sequence[socket.socket]) -> list[_Listener]:
    """Wrap the listening sockets: the asyncio fast path, or anyio's listeners."""
    if asyncio_loop() is not None:
        return [AsyncioListener(sock) for sock in sockets]
    return [await SocketListener.from_socket(sock) for sock in sockets]


async def serve(
    app: NativeApp | ASGIApp,
    config: ServerConfig | None = None,
    *,
    sockets: Sequence[socket.socket] | None = None,
    shutdown_signals: Sequence[signal.Signals] = (signal.SIGINT, signal.SIGTERM),
    task_status: TaskStatus[list[tuple[str, int]]] = anyio.TASK_STATUS_IGNORED,
) -> None:
    """Serve ``app`` in the current event loop until a shutdown signal (or cancellation).

    Args:
        app: A native app (called directly, no ASGI) or any ASGI 3 app.
        config: Server configuration; defaults to ``ServerConfig()`` (127.0.0.1:4000).
        sockets: Pre-bound listening sockets (used by the worker supervisor).
        shutdown_signals: Signals that start a graceful shutdown (a second one forces
            it). Handlers need the main thread; pass ``()`` to install none.
        task_status: For ``TaskGroup.start``: receives the bound ``(host, port)`` list.

    Raises:
        LifespanError: The app's startup failed.
        OSError: The address cannot be bound.

    Example::

        anyio.run(serve, app, ServerConfig(port=8000))
    """
    server = Server(app, config or ServerConfig(), sockets)
    if not shutdown_signals:
        await server.serve(task_status=task_status)
        return

    async def watch(signals: AsyncIterator[int]) -> None:
        async for signum in signals:
            forced = server._stop.is_set()
            logger.info(
                "received %s: %s shutdown",
                signal.Signals(signum).name,
                "forced" if forced else "graceful",
            )
            server.shutdown(force=forced)

    try:
        async with anyio.create_task_group() as group:
            with anyio.open_signal_receiver(*shutdown_signals) as signals:
                group.start_soon(watch, signals)
                await server.serve(task_status=task_status)
                group.cancel_scope.cancel()
    except BaseExceptionGroup as group_error:
        # Report the server's own error (e.g. LifespanError), not a task-group wrapper.
        error: BaseException = group_error
        while isinstance(error, BaseExceptionGroup) and len(error.exceptions) == 1:
            error = error.exceptions[0]
        if error is group_error:
            raise
        raise error from None
