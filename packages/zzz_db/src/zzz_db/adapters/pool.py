"""A small anyio connection pool shared by every adapter.

One implementation for all three databases and both event loops (psycopg_pool is not
used: its async pool is asyncio-only): at most ``size`` connections, an
``acquire_timeout``, a health check (a ``SELECT 1`` on a connection that sat idle longer
than ``health_check_interval``), and reconnection: broken connections are discarded on
release and replaced by fresh ones on the next acquire.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

import anyio

from zzz_db.adapters.base import Connection
from zzz_db.exceptions import DatabaseError, PoolTimeout

__all__ = ["Pool", "PoolConfig"]


@dataclass(frozen=True, slots=True)
class PoolConfig:
    """Pool limits.

    Attributes:
        size: Maximum number of open connections (default 10; forced to 1 for
            ``sqlite::memory:`` where every connection would be a separate database).
        acquire_timeout: Seconds to wait for a free connection before
            :class:`~zzz_db.exceptions.PoolTimeout` (default 5).
        health_check_interval: A connection idle longer than this many seconds is pinged
            before being handed out, and replaced if dead (default 30; ``0``: always ping;
            ``None``: never).
    """

    size: int = 10
    acquire_timeout: float = 5.0
    health_check_interval: float | None = 30.0

    def __post_init__(self) -> None:
        if self.size < 1:
            raise ValueError(f"pool size must be at least 1, got {self.size}")
        if self.acquire_timeout <= 0:
            raise ValueError(f"acquire_timeout must be positive, got {self.acquire_timeout}")


class Pool:
    """Hands out :class:`~zzz_db.adapters.base.Connection` objects, one task at a time each.

    Args:
        connect: Opens a new connection.
        config: Limits and health checking.

    Example::

        pool = Pool(connect, PoolConfig(size=5))
        async with pool.connection() as conn:
            rows = await conn.fetch("SELECT 1")
    """

    def __init__(self, connect: Callable[[], Awaitable[Connection]], config: PoolConfig) -> None:
        self._connect = connect
        self.config = config
        self._idle: list[Connection] = []
        self._semaphore: anyio.Semaphore | None = None
        self._open = 0
        self._closed = False

    @property
    def open_connections(self) -> int:
        """Connections currently open (idle + in use)."""
        return self._open

    @property
    def idle_connections(self) -> int:
        """Connections open and waiting in the pool."""
        return len(self._idle)

    async def _wait_slot(self) -> None:
        semaphore = self._semaphore
        if semaphore is None:
            semaphore = self._semaphore = anyio.Semaphore(self.config.size)
        try:
            semaphore.acquire_nowait()
        except anyio.WouldBlock:
            try:
                with anyio.fail_after(self.config.acquire_timeout):
                    await semaphore.acquire()
            except TimeoutError:
                raise PoolTimeout(
                    f"no database connection free after {self.config.acquire_timeout}s "
                    f"(pool size {self.config.size}): raise pool_size or shorten transactions"
                ) from None

    async def acquire(self) -> Connection:
        """Take a connection (opening one if none is idle).

        Raises:
            zzz_db.exceptions.PoolTimeout: None became free within ``acquire_timeout``.
            zzz_db.exceptions.DBConnectionError: A new connection could not be opened.
        """
        if self._closed:
            raise DatabaseError("the connection pool is closed")
        await self._wait_slot()
        try:
            interval = self.config.health_check_interval
            while self._idle:
                conn = self._idle.pop()
                if interval is None or time.monotonic() - conn.last_used < interval:
                    return conn
                try:
                    await conn.ping()
                except DatabaseError:
                    await self._discard(conn)
                    continue
                return conn
            conn = await self._connect()
            self._open += 1
            return conn
        except BaseException:
            assert self._semaphore is not None
            self._semaphore.release()
            raise

    async def _discard(self, conn: Connection) -> None:
        self._open -= 1
        with anyio.CancelScope(shield=True):
            try:
                await conn.close()
            except DatabaseError:
                return

    async def release(self, conn: Connection) -> None:
        """Give a connection back; broken ones (or ones left inside a transaction) are closed."""
        try:
            if conn.broken or conn.in_transaction or self._closed:
                await self._discard(conn)
            else:
                conn.last_used = time.monotonic()
                self._idle.append(conn)
        finally:
            assert self._semaphore is not None
            self._semaphore.release()

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[Connection]:
        """``async with pool.connection() as conn``: acquire, then always release."""
        conn = await self.acquire()
        try:
            yield conn
        finally:
            await self.release(conn)

    async def close(self) -> None:
        """Close idle connections now; connections in use close when released."""
        self._closed = True
        idle, self._idle = self._idle, []
        for conn in idle:
            await self._discard(conn)
