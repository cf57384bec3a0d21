"""``Repo``: the one object an application uses to talk to its database.

It owns the connection pool, runs raw SQL and transactions, and the schema-aware
operations (``all``, ``get``, ``insert``, …) on top of the query compiler. The class is
assembled from private layers, each in its own module:

* ``zzz_db._repo_session``: pool, statement routing (transaction-bound or pooled
  connection, read retry after a lost connection), transactions, raw SQL, the dialect;
* ``zzz_db._repo_reads``: ``all``, ``get``, ``one``, ``exists``, ``aggregate``, ``stream``, …;
* ``zzz_db._repo_writes``: ``insert``, ``update``, ``delete`` of one record (changesets in,
  ``Ok``/``Err`` out);
* ``zzz_db._repo_bulk``: ``insert_all``, ``update_all``, ``delete_all``.
"""

from __future__ import annotations

from typing import Any

from zzz_db._repo_bulk import _Bulk
from zzz_db._repo_writes import _Writes
from zzz_db.adapters import ConnectionOptions, PoolConfig
from zzz_db.dialects import Dialect
from zzz_db.url import DatabaseURL, InvalidURL, parse_url

__all__ = ["Repo", "RepoConfig"]

_FLOAT_OPTIONS = ("acquire_timeout", "statement_timeout", "health_check_interval")
_SQLITE_OPTIONS = ("busy_timeout", "inline_budget")


class RepoConfig:
    """Resolved Repo settings (URL query options overridden by keyword arguments).

    Attributes:
        url: The parsed URL (its ``options`` hold only driver options).
        pool: Pool limits.
        connection: Session settings.
    """

    __slots__ = ("connection", "pool", "url")

    def __init__(self, url: str | DatabaseURL, overrides: dict[str, Any]) -> None:
        parsed = parse_url(url) if isinstance(url, str) else url
        options = dict(parsed.options)
        values: dict[str, Any] = {}
        for name in ("pool_size", *_FLOAT_OPTIONS, *_SQLITE_OPTIONS):
            raw = options.pop(name, None)
            if raw is not None:
                values[name] = _number(name, raw, integer=name == "pool_size")
        values.update({k: v for k, v in overrides.items() if v is not None})
        unknown = sorted(set(values) - {"pool_size", *_FLOAT_OPTIONS, *_SQLITE_OPTIONS})
        if unknown:
            raise TypeError(f"unknown Repo option(s): {', '.join(unknown)}")
        self.url = DatabaseURL(
            parsed.backend,
            parsed.database,
            parsed.host,
            parsed.port,
            parsed.user,
            parsed.password,
            options,
        )
        size = int(values.get("pool_size", 10))
        if parsed.is_memory:
            size = 1
        interval = values.get("health_check_interval", 30.0)
        self.pool = PoolConfig(
            size=size,
            acquire_timeout=float(values.get("acquire_timeout", 5.0)),
            health_check_interval=None if interval is not None and interval < 0 else interval,
        )
        timeout = values.get("statement_timeout")
        self.connection = ConnectionOptions(
            statement_timeout=float(timeout) if timeout else None,
            busy_timeout=float(values.get("busy_timeout", 5.0)),
            inline_budget=float(values.get("inline_budget", 0.002)),
        )


def _number(name: str, raw: str, *, integer: bool) -> float:
    try:
        return int(raw) if integer else float(raw)
    except ValueError:
        kind = "an integer" if integer else "a number"
        raise InvalidURL(f"database URL option {name}={raw!r} must be {kind}") from None


class Repo(_Writes, _Bulk):
    """The database: connection pool, transactions, raw SQL and schema-aware reads and writes.

    Args:
        url: ``sqlite:///app.db``, ``sqlite::memory:``, ``postgresql://…``, ``mysql://…``.
        pool_size: Maximum open connections (default 10; 1 for ``sqlite::memory:``).
        acquire_timeout: Seconds to wait for a free connection (default 5).
        statement_timeout: Seconds before a statement is cancelled (default: none).
        health_check_interval: Ping connections idle longer than this (default 30 s;
            0: always; negative: never).
        busy_timeout: SQLite: seconds to wait for a lock (default 5).
        inline_budget: SQLite: seconds a ``SELECT`` may run on the event loop (default 0.002).
        dialect: Force the SQL dialect (default: chosen from the URL; for MySQL from the
            server's version on first use).

    The same options may be given in the URL's query string
    (``postgresql://db/app?pool_size=20&statement_timeout=5``); keyword arguments win.
    A Repo opens its pool lazily on first use and belongs to one event loop at a time;
    ``await repo.close()`` (or ``async with repo``) closes it.
    """

    def __init__(
        self,
        url: str | DatabaseURL,
        *,
        pool_size: int | None = None,
        acquire_timeout: float | None = None,
        statement_timeout: float | None = None,
        health_check_interval: float | None = None,
        busy_timeout: float | None = None,
        inline_budget: float | None = None,
        dialect: Dialect | None = None,
    ) -> None:
        super().__init__(
            RepoConfig(
                url,
                {
                    "pool_size": pool_size,
                    "acquire_timeout": acquire_timeout,
                    "statement_timeout": statement_timeout,
                    "health_check_interval": health_check_interval,
                    "busy_timeout": busy_timeout,
                    "inline_budget": inline_budget,
                },
            ),
            dialect,
        )
