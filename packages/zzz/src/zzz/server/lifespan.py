"""Startup and shutdown hooks for native and ASGI apps.

A native app (:class:`zzz.types.NativeApp`) has ``startup()``/``shutdown()``
methods that the server awaits directly. An ASGI app speaks the ASGI lifespan
protocol: the server calls it once with a ``lifespan`` scope and exchanges
``lifespan.startup``/``lifespan.shutdown`` messages with it. Either way the
server awaits startup before it accepts a connection and runs shutdown after the
last connection has finished. A failing startup stops the server with
:class:`LifespanError`.

Example::

    async with Lifespan(app) as lifespan:
        ...  # serve requests; ASGI request scopes get a copy of lifespan.state
"""

from __future__ import annotations

import logging
from collections.abc import MutableMapping
from types import TracebackType
from typing import Any, cast

import anyio
from anyio.abc import TaskGroup
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

from zzz.exceptions import ZzzError
from zzz.server.config import LifespanMode
from zzz.types import ASGIApp, NativeApp

__all__ = ["Lifespan", "LifespanError"]

logger = logging.getLogger("zzz.server")

_ASGI_VERSION = {"version": "3.0", "spec_version": "2.0"}


class LifespanError(ZzzError, RuntimeError):
    """The app's startup (or shutdown) hook failed; the server does not start."""


class Lifespan:
    """Run an app's lifespan hooks around the server's life.

    Args:
        app: A :class:`~zzz.types.NativeApp` (hooks awaited directly) or an ASGI 3 app
            (driven through the lifespan protocol).
        mode: ``"auto"`` tolerates ASGI apps without lifespan support, ``"on"`` requires
            it, ``"off"`` skips the hooks.

    Attributes:
        state: The ASGI lifespan ``state`` dict; each request scope gets a shallow copy.

    Raises:
        LifespanError: On enter, when startup fails; on exit, when shutdown fails.
    """

    def __init__(self, app: NativeApp | ASGIApp, mode: LifespanMode = "auto") -> None:
        self.app = app
        self.mode = mode
        self.state: dict[str, Any] = {}
        self._native = isinstance(app, NativeApp)
        self._task_group: TaskGroup | None = None
        self._to_app: MemoryObjectSendStream[dict[str, Any]] | None = None
        self._from_server: MemoryObjectReceiveStream[dict[str, Any]] | None = None
        self._startup_done = anyio.Event()
        self._shutdown_done = anyio.Event()
        self._failure: str | None = None
        self._unsupported = False
        self._started = False

    async def __aenter__(self) -> Lifespan:
        if self.mode == "off":
            return self
        if self._native:
            try:
                await cast("NativeApp", self.app).startup()
            except Exception as exc:
                raise LifespanError(f"application startup failed: {exc!r}") from exc
            self._started = True
            return self
        self._to_app, self._from_server = anyio.create_memory_object_stream[dict[str, Any]](2)
        self._task_group = anyio.create_task_group()
        await self._task_group.__aenter__()
        self._task_group.start_soon(self._run_asgi)
        await self._to_app.send({"type": "lifespan.startup"})
        await self._startup_done.wait()
        if self._failure is not None or (self._unsupported and self.mode == "on"):
            message = self._failure or "the app does not support the ASGI lifespan protocol"
            await self._close_task_group()
            raise LifespanError(f"application startup failed: {message}")
        self._started = not self._unsupported
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if not self._started:
            await self._close_task_group()
            return
        self._started = False
        if self._native:
            with anyio.CancelScope(shield=True):
                try:
                    await cast("NativeApp", self.app).shutdown()
                except Exception as error:
                    raise LifespanError(f"application shutdown failed: {error!r}") from error
            return
        assert self._to_app is not None
        with anyio.CancelScope(shield=True):
            await self._to_app.send({"type": "lifespan.shutdown"})
            await self._shutdown_done.wait()
        await self._close_task_group()
        if self._failure is not None:
            raise LifespanError(f"application shutdown failed: {self._failure}")

    async def _close_task_group(self) -> None:
        if self._task_group is None:
            return
        task_group, self._task_group = self._task_group, None
        task_group.cancel_scope.cancel()
        await task_group.__aexit__(None, None, None)

    async def _receive(self) -> MutableMapping[str, Any]:
        assert self._from_server is not None
        return await self._from_server.receive()

    async def _send(self, message: MutableMapping[str, Any]) -> None:
        kind = message["type"]
        if kind == "lifespan.startup.complete":
            self._startup_done.set()
        elif kind == "lifespan.startup.failed":
            self._failure = str(message.get("message", "")) or "lifespan.startup.failed"
            self._startup_done.set()
        elif kind == "lifespan.shutdown.complete":
            self._shutdown_done.set()
        elif kind == "lifespan.shutdown.failed":
            self._failure = str(message.get("message", "")) or "lifespan.shutdown.failed"
            self._shutdown_done.set()
        else:
            raise RuntimeError(f"unexpected ASGI lifespan message {kind!r}")

    async def _run_asgi(self) -> None:
        scope = {"type": "lifespan", "asgi": _ASGI_VERSION, "state": self.state}
        try:
            await cast("ASGIApp", self.app)(scope, self._receive, self._send)
        except Exception as exc:  # noqa: BLE001 - any failure is a lifespan outcome
            if not self._startup_done.is_set():
                # An app that raises on the lifespan scope does not support it.
                self._unsupported = True
                if self.mode == "on":
                    self._failure = repr(exc)
                else:
                    logger.info("ASGI lifespan not supported by the app (%r); continuing", exc)
            elif not self._shutdown_done.is_set():
                self._failure = repr(exc)
        finally:
            if not self._startup_done.is_set():
                self._unsupported = True
            self._startup_done.set()
            self._shutdown_done.set()
