"""PostgreSQL adapter: psycopg 3.

On asyncio the connection is a ``psycopg.AsyncConnection`` (native non-blocking I/O).
psycopg's async API is asyncio-only, so on trio the same adapter drives a sync
``psycopg.Connection`` from worker threads (``anyio.to_thread``); behaviour is identical,
each statement just pays a thread hop. Connections are in autocommit mode and
transactions are explicit ``BEGIN``/``COMMIT``; psycopg prepares statements
server-side automatically after they have run 5 times on a connection.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import AsyncGenerator, Callable, Sequence
from typing import Any, TypeVar

import anyio.to_thread

from zzz_db.adapters.base import Connection, ExecResult, Rows
from zzz_db.exceptions import (
    CheckViolation,
    DatabaseError,
    DBConnectionError,
    ForeignKeyViolation,
    NotNullViolation,
    StatementTimeout,
    UniqueViolation,
)
from zzz_db.url import DatabaseURL

try:
    import psycopg
    import psycopg.errors
except ImportError as exc:  # pragma: no cover - depends on the installed extras
    raise ImportError(
        "the PostgreSQL adapter needs psycopg: pip install 'zzz-db[postgres]'"
    ) from exc

__all__ = ["PostgresConnection", "map_postgres_error"]

T = TypeVar("T")
_KEY_COLUMNS = re.compile(r"Key \(([^)]*)\)")
_CURSOR_IDS = itertools.count(1)
_LOST_STATES = {"57P01", "57P02", "57P03", "08000", "08003", "08006"}

_PG_TABLES = (
    "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
    "AND table_type = 'BASE TABLE' ORDER BY table_name"
)
_PG_COLUMNS = (
    "SELECT c.column_name, c.data_type, c.is_nullable = 'YES', c.column_default, "
    "EXISTS (SELECT 1 FROM information_schema.table_constraints t "
    "JOIN information_schema.key_column_usage k ON k.constraint_name = t.constraint_name "
    "AND k.table_schema = t.table_schema AND k.table_name = t.table_name "
    "WHERE t.constraint_type = 'PRIMARY KEY' AND t.table_schema = c.table_schema "
    "AND t.table_name = c.table_name AND k.column_name = c.column_name) "
    "FROM information_schema.columns c WHERE c.table_schema = current_schema() "
    "AND c.table_name = %s ORDER BY c.ordinal_position"
)


def _on_asyncio() -> bool:
    """Whether the current task runs on asyncio (psycopg's async API is asyncio-only)."""
    import asyncio

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def map_postgres_error(exc: psycopg.Error, sql: str = "", *, broken: bool = False) -> DatabaseError:
    """Translate a psycopg exception (by SQLSTATE) into the zzz_db exception hierarchy."""
    diag = exc.diag
    state = exc.sqlstate or ""
    message = str(exc).strip()
    if state.startswith("23"):
        constraint = diag.constraint_name
        match = _KEY_COLUMNS.search(diag.message_detail or "")
        columns = tuple(c.strip() for c in match.group(1).split(",")) if match else ()
        if diag.column_name:
            columns = (diag.column_name,)
        cls = {
            "23505": UniqueViolation,
            "23503": ForeignKeyViolation,
            "23514": CheckViolation,
            "23502": NotNullViolation,
        }.get(state)
        if cls is not None:
            return cls(message, constraint=constraint, columns=columns)
    if state == "57014":
        return StatementTimeout(message)
    if broken or state in _LOST_STATES or isinstance(exc, psycopg.OperationalError):
        return DBConnectionError(message or "the PostgreSQL connection was lost")
    return DatabaseError(message)


def _connect_kwargs(url: DatabaseURL, statement_timeout: float | None) -> dict[str, Any]:
    kwargs: dict[str, Any] = {
        "host": url.host,
        "port": url.port,
        "dbname": url.database,
        "autocommit": True,
    }
    if url.user:
        kwargs["user"] = url.user
    if url.password:
        kwargs["password"] = url.password
    kwargs.update(url.options)
    kwargs.setdefault("connect_timeout", "10")
    if statement_timeout:
        kwargs["options"] = f"-c statement_timeout={int(statement_timeout * 1000)}"
    return kwargs


class PostgresConnection(Connection):
    """A psycopg connection: async on asyncio, sync in worker threads on trio."""

    tables_sql = _PG_TABLES
    columns_sql = _PG_COLUMNS

    dialect = "postgresql"

    def __init__(
        self,
        aconn: psycopg.AsyncConnection[Any] | None,
        conn: psycopg.Connection[Any] | None,
    ) -> None:
        super().__init__()
        self._aconn = aconn
        self._conn = conn
        raw = aconn if aconn is not None else conn
        if raw is not None:
            number = raw.info.server_version
            self.server_version = (number // 10000, number % 10000)

    @classmethod
    async def open(
        cls, url: DatabaseURL, *, statement_timeout: float | None = None
    ) -> PostgresConnection:
        """Connect to the server named by ``url``.

        Raises:
            zzz_db.exceptions.DBConnectionError: The server cannot be reached.
        """
        kwargs = _connect_kwargs(url, statement_timeout)
        try:
            if _on_asyncio():
                return cls(await psycopg.AsyncConnection.connect(**kwargs), None)
            conn = await anyio.to_thread.run_sync(lambda: psycopg.Connection.connect(**kwargs))
            return cls(None, conn)
        except psycopg.Error as exc:
            raise DBConnectionError(f"cannot connect to {url.redacted()}: {exc}") from exc

    def _error(self, exc: psycopg.Error, sql: str) -> DatabaseError:
        raw = self._aconn if self._aconn is not None else self._conn
        broken = raw is None or raw.broken or raw.closed
        if broken:
            self.broken = True
        error = map_postgres_error(exc, sql, broken=broken)
        if isinstance(error, DBConnectionError):
            self.broken = True
        return error

    async def _sync(self, fn: Callable[[psycopg.Connection[Any]], T], sql: str) -> T:
        conn = self._conn
        assert conn is not None
        try:
            return await anyio.to_thread.run_sync(fn, conn)
        except psycopg.Error as exc:
            raise self._error(exc, sql) from exc

    async def execute(self, sql: str, params: Sequence[Any] | None = None) -> ExecResult:
        """Run a statement that returns no rows."""
        args = params
        if self._aconn is not None:
            try:
                cursor = await self._aconn.execute(sql, args)
            except psycopg.Error as exc:
                raise self._error(exc, sql) from exc
            except BaseException:
                self.broken = True  # cancelled mid-statement: the session state is unknown
                raise
            return ExecResult(cursor.rowcount)
        return await self._sync(lambda c: ExecResult(c.execute(sql, args).rowcount), sql)

    async def execute_many(self, sql: str, params: Sequence[Sequence[Any]]) -> ExecResult:
        """Run one statement per parameter row (psycopg pipelines the batch)."""
        if self._aconn is not None:
            try:
                async with self._aconn.cursor() as cursor:
                    await cursor.executemany(sql, params)
                    return ExecResult(cursor.rowcount)
            except psycopg.Error as exc:
                raise self._error(exc, sql) from exc
            except BaseException:
                self.broken = True  # cancelled mid-statement: the session state is unknown
                raise

        def run(conn: psycopg.Connection[Any]) -> ExecResult:
            with conn.cursor() as cursor:
                cursor.executemany(sql, params)
                return ExecResult(cursor.rowcount)

        return await self._sync(run, sql)

    async def fetch(self, sql: str, params: Sequence[Any] | None = None) -> Rows:
        """Run a query and return all rows."""
        args = params
        if self._aconn is not None:
            try:
                cursor = await self._aconn.execute(sql, args)
                rows = await cursor.fetchall()
            except psycopg.Error as exc:
                raise self._error(exc, sql) from exc
            except BaseException:
                self.broken = True  # cancelled mid-statement: the session state is unknown
                raise
            return Rows(lambda: tuple(c.name for c in cursor.description or ()), rows)

        def run(conn: psycopg.Connection[Any]) -> Rows:
            cursor = conn.execute(sql, args)
            rows = cursor.fetchall()
            return Rows(tuple(c.name for c in cursor.description or ()), rows)

        return await self._sync(run, sql)

    async def stream(
        self, sql: str, params: Sequence[Any] | None = None, *, chunk_size: int = 500
    ) -> AsyncGenerator[Rows, None]:
        """Stream through a server-side cursor (inside a transaction, opened if needed)."""
        own_tx = not self.in_transaction
        if own_tx:
            await self.begin()
        name = f"zzz_stream_{next(_CURSOR_IDS)}"
        ok = False
        try:
            if self._aconn is not None:
                async with self._aconn.cursor(name=name) as acur:
                    try:
                        await acur.execute(sql, params)
                        columns = tuple(c.name for c in acur.description or ())
                        while chunk := await acur.fetchmany(chunk_size):
                            yield Rows(columns, chunk)
                    except psycopg.Error as exc:
                        raise self._error(exc, sql) from exc
                    except GeneratorExit:  # the consumer stopped early: nothing is broken
                        raise
                    except BaseException:
                        self.broken = True
                        raise
            else:
                conn = self._conn
                assert conn is not None
                cur = conn.cursor(name=name)
                try:
                    await self._sync(lambda _c: cur.execute(sql, params), sql)
                    columns = tuple(c.name for c in cur.description or ())
                    while chunk := await self._sync(lambda _c: cur.fetchmany(chunk_size), sql):
                        yield Rows(columns, chunk)
                finally:
                    if not self.broken:
                        await anyio.to_thread.run_sync(cur.close)
            ok = True
        finally:
            if own_tx and not self.broken:
                with anyio.CancelScope(shield=True):
                    await (self.commit() if ok else self.rollback())

    async def close(self) -> None:
        """Close the connection (idempotent, never raises)."""
        self.broken = True
        if self._aconn is not None:
            await self._aconn.close()
        elif self._conn is not None:
            await anyio.to_thread.run_sync(self._conn.close)
