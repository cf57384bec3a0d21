"""Database adapters (SQLite, PostgreSQL, MySQL/MariaDB) and the connection pool.

Drivers are imported lazily: only the adapter a URL names is loaded, so the
``postgres`` and ``mysql`` extras stay optional.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from zzz_db.adapters.base import ColumnInfo, Connection, ExecResult, Rows
from zzz_db.adapters.pool import Pool, PoolConfig
from zzz_db.url import DatabaseURL

__all__ = [
    "ColumnInfo",
    "Connection",
    "ConnectionOptions",
    "ExecResult",
    "Pool",
    "PoolConfig",
    "Rows",
    "connector",
]


@dataclass(frozen=True, slots=True)
class ConnectionOptions:
    """Per-connection session settings.

    Attributes:
        statement_timeout: Seconds after which a statement is cancelled (``None``: never).
        busy_timeout: SQLite only: seconds to wait for another connection's lock (default 5).
        inline_budget: SQLite only: seconds a ``SELECT`` may run on the event loop before it
            is moved to a worker thread (default 0.002; ``0`` runs everything on threads).
    """

    statement_timeout: float | None = None
    busy_timeout: float = 5.0
    inline_budget: float = 0.002


def connector(url: DatabaseURL, options: ConnectionOptions) -> Callable[[], Awaitable[Connection]]:
    """Return a function that opens a new connection to ``url``.

    Args:
        url: The parsed database URL.
        options: Session settings applied to every new connection.

    Returns:
        An async callable opening a configured :class:`Connection`.

    Raises:
        ImportError: The driver for ``url`` is not installed (the message names the extra).
    """
    if url.backend == "sqlite":
        from zzz_db.adapters.sqlite import SqliteConnection

        async def open_sqlite() -> Connection:
            return await SqliteConnection.open(
                url.database,
                busy_timeout=options.busy_timeout,
                statement_timeout=options.statement_timeout,
                inline_budget=options.inline_budget,
            )

        return open_sqlite
    if url.backend == "postgresql":
        from zzz_db.adapters.postgres import PostgresConnection

        async def open_postgres() -> Connection:
            return await PostgresConnection.open(url, statement_timeout=options.statement_timeout)

        return open_postgres

    from zzz_db.adapters.mysql import MysqlConnection

    async def open_mysql() -> Connection:
        return await MysqlConnection.open(url, statement_timeout=options.statement_timeout)

    return open_mysql
