"""Running the server: one process, or a supervisor with ``N`` worker processes.

:func:`run` is the blocking entry point behind ``python -m zzz.server``. With
``workers=1`` it serves in the current process. With more, a
:class:`Supervisor` binds the listening sockets once and starts ``N`` worker
processes (``spawn`` start method) that inherit them; the kernel spreads the
connections over the workers. A worker that dies is replaced (with a short
back-off when workers keep crashing right after they start); a worker whose app
fails at startup stops the whole server with an error.

Shutdown: SIGINT/SIGTERM make the supervisor send SIGTERM to every worker,
which stops accepting, lets in-flight requests finish within
``graceful_timeout`` and then cancels what is left. A worker still alive a few
seconds after that is killed, so shutdown is always bounded. Workers ignore
SIGINT (a Ctrl-C reaches the whole process group); only the supervisor's
SIGTERM stops them.
"""

from __future__ import annotations

import functools
import importlib
import logging
import multiprocessing
import multiprocessing.connection
import os
import signal
import socket
import sys
import time
from collections.abc import Sequence
from multiprocessing.process import BaseProcess
from typing import Any

import anyio

from zzz.exceptions import ImproperlyConfigured
from zzz.server.config import ServerConfig
from zzz.server.lifespan import LifespanError
from zzz.server.listener import bind_sockets, serve
from zzz.types import ASGIApp, NativeApp

__all__ = ["Supervisor", "import_app", "run"]

logger = logging.getLogger("zzz.server")

#: Exit code of a worker whose app failed to start: the supervisor stops.
STARTUP_FAILED = 3
#: Extra seconds after the grace period before a worker is killed.
_KILL_MARGIN = 5.0
#: A worker that dies sooner than this after starting counts as a crash loop.
_MIN_UPTIME = 1.0
_MAX_BACKOFF = 5.0


def import_app(reference: str) -> NativeApp | ASGIApp:
    """Import an app from ``"module:attribute"`` (attribute may be dotted).

    Args:
        reference: For example ``"example_app.main:app"``.

    Returns:
        The app object.

    Raises:
        ImproperlyConfigured: The reference is malformed, the module cannot be
            imported, or the attribute does not exist.
    """
    module_name, _, attribute = reference.partition(":")
    if not module_name or not attribute:
        raise ImproperlyConfigured(
            f"app reference {reference!r} must look like 'package.module:app'"
        )
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        if exc.name != module_name:
            raise
        raise ImproperlyConfigured(
            f"cannot import module {module_name!r} for app {reference!r}: {exc}; "
            "run from the project directory or use --app-dir"
        ) from exc
    app: Any = module
    for part in attribute.split("."):
        try:
            app = getattr(app, part)
        except AttributeError:
            raise ImproperlyConfigured(
                f"module {module_name!r} has no attribute {attribute!r} (app {reference!r})"
            ) from None
    if not callable(app) and not isinstance(app, NativeApp):
        raise ImproperlyConfigured(f"{reference!r} is neither an ASGI app nor a native app")
    return app  # type: ignore[no-any-return]


def _configure_logging(level: str) -> None:
    if not logging.getLogger().handlers:
        logging.basicConfig(
            format="%(asctime)s %(levelname)s [%(process)d] %(name)s: %(message)s",
            stream=sys.stderr,
        )
    # The server's own logger and the request logger of the Logger plug (``zzz.request``)
    # follow --log-level; other libraries keep the root logger's level.
    for name in ("zzz.server", "zzz.request"):
        logging.getLogger(name).setLevel(level.upper())


def _serve_blocking(
    app: NativeApp | ASGIApp,
    config: ServerConfig,
    sockets: Sequence[socket.socket] | None,
    signals: Sequence[signal.Signals],
) -> None:
    backend, options = config.resolved_backend()
    anyio.run(
        functools.partial(serve, app, config, sockets=sockets, shutdown_signals=signals),
        backend=backend,
        backend_options=options,
    )


def _worker_main(
    reference: str, config: ServerConfig, sockets: list[socket.socket], app_dir: str | None
) -> None:
    """Entry point of a worker process (module level so ``spawn`` can pickle it)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _configure_logging(config.log_level)
    if app_dir is not None and app_dir not in sys.path:
        sys.path.insert(0, app_dir)
    try:
        app = import_app(reference)
        _serve_blocking(app, config, sockets, (signal.SIGTERM,))
    except (ImproperlyConfigured, LifespanError) as exc:
        logger.error("worker %d cannot start: %s", os.getpid(), exc)  # noqa: TRY400
        sys.exit(STARTUP_FAILED)


class Supervisor:
    """Start, watch and stop worker processes sharing the listening sockets.

    Args:
        reference: The app as an import string (each worker imports it).
        config: The server configuration (``config.workers`` processes).
        app_dir: A directory to put first on ``sys.path`` in the workers.
    """

    def __init__(self, reference: str, config: ServerConfig, app_dir: str | None = None) -> None:
        self.reference = reference
        self.config = config
        self.app_dir = app_dir
        self._context = multiprocessing.get_context("spawn")
        self._workers: list[BaseProcess] = []
        self._started: dict[int, float] = {}
        self._sockets: list[socket.socket] = []

    def _spawn(self) -> BaseProcess:
        process = self._context.Process(
            target=_worker_main,
            args=(self.reference, self.config, self._sockets, self.app_dir),
            name="zzz-worker",
            daemon=False,
        )
        process.start()
        self._started[id(process)] = time.monotonic()
        logger.info("started worker %d", process.pid)
        return process

    def run(self) -> int:
        """Serve until SIGINT/SIGTERM; return the exit status (0 on a clean stop).

        Raises:
            OSError: The address cannot be bound.
        """
        self._sockets = bind_sockets(self.config)
        wake_r, wake_w = socket.socketpair()
        wake_w.setblocking(False)
        previous = {
            signum: signal.signal(signum, lambda *_: wake_w.send(b"x"))
            for signum in (signal.SIGINT, signal.SIGTERM)
        }
        status = 0
        try:
            self._workers = [self._spawn() for _ in range(self.config.workers)]
            status = self._watch(wake_r)
        finally:
            self._stop_workers()
            for signum, handler in previous.items():
                signal.signal(signum, handler)
            for sock in (*self._sockets, wake_r, wake_w):
                sock.close()
        return status

    def _watch(self, wake: socket.socket) -> int:
        backoff = 0.0
        while True:
            sentinels: list[Any] = [wake, *(p.sentinel for p in self._workers)]
            ready = multiprocessing.connection.wait(sentinels)
            if wake in ready:
                logger.info("shutting down %d worker(s)", len(self._workers))
                return 0
            for index, process in enumerate(self._workers):
                if process.is_alive():
                    continue
                process.join()
                uptime = time.monotonic() - self._started.pop(id(process), 0.0)
                if process.exitcode == STARTUP_FAILED:
                    logger.error("worker %d failed to start the app; stopping", process.pid)
                    return 1
                logger.warning(
                    "worker %d exited with code %s; starting a new one",
                    process.pid,
                    process.exitcode,
                )
                backoff = min(_MAX_BACKOFF, backoff * 2 or 0.1) if uptime < _MIN_UPTIME else 0.0
                if backoff and wake in multiprocessing.connection.wait([wake], backoff):
                    return 0
                self._workers[index] = self._spawn()

    def _stop_workers(self) -> None:
        for process in self._workers:
            if process.is_alive() and process.pid is not None:
                os.kill(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + self.config.graceful_timeout + _KILL_MARGIN
        for process in self._workers:
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                logger.warning("worker %d did not stop in time; killing it", process.pid)
                process.kill()
                process.join()


def run(
    app: NativeApp | ASGIApp | str,
    config: ServerConfig | None = None,
    *,
    app_dir: str | None = None,
) -> int:
    """Serve ``app`` until SIGINT/SIGTERM (blocking); the ``python -m zzz.server`` core.

    Args:
        app: A native or ASGI app, or its import string ``"module:app"`` (required
            for ``workers > 1``, since every worker process imports it).
        config: Server configuration; ``ServerConfig()`` when ``None``.
        app_dir: Directory to put first on ``sys.path`` before importing ``app``.

    Returns:
        The process exit status: 0 after a clean shutdown, 1 when a worker's app
        failed to start.

    Raises:
        ImproperlyConfigured: Bad configuration or app reference.
        LifespanError: The app's startup failed (single process).
        OSError: The address cannot be bound.

    Example::

        from zzz.server import ServerConfig, run

        run("example_app.main:app", ServerConfig(port=4000, workers=4))
    """
    config = config or ServerConfig()
    _configure_logging(config.log_level)
    if app_dir is not None and app_dir not in sys.path:
        sys.path.insert(0, app_dir)
    if config.workers > 1:
        if not isinstance(app, str):
            raise ImproperlyConfigured(
                "workers > 1 needs the app as an import string such as 'module:app'"
            )
        return Supervisor(app, config, app_dir).run()
    target = import_app(app) if isinstance(app, str) else app
    _serve_blocking(target, config, None, (signal.SIGINT, signal.SIGTERM))
    return 0
