"""MySQL / MariaDB adapter: PyMySQL driven from worker threads.

PyMySQL is pure Python and blocking, so every call runs in ``anyio.to_thread``: the
same code path on asyncio and trio (the async drivers, asyncmy and aiomysql, are
asyncio-only). Connections are in autocommit mode with ``utf8mb4``; transactions are
explicit. ``statement_timeout`` maps to ``max_statement_time`` on MariaDB and
``max_execution_time`` (``SELECT`` only) on MySQL.
"""

from __future__ import annotations

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
    import pymysql
    import pymysql.constants.CLIENT
    import pymysql.cursors
except ImportError as exc:  # pragma: no cover - depends on the installed extras
    raise ImportError("the MySQL adapter needs PyMySQL: pip install 'zzz-db[mysql]'") from exc

__all__ = ["MysqlConnection", "map_mysql_error"]

T = TypeVar("T")
_DUP_KEY = re.compile(r"for key '(?:[^'.]*\.)?([^']*)'")
_FK = re.compile(r"CONSTRAINT `([^`]*)` FOREIGN KEY \(([^)]*)\)")
_CHECK = re.compile(r"(?:CONSTRAINT `([^`]*)` failed|Check constraint '([^']*)')")
_COLUMN = re.compile(r"Column '([^']*)'")
_LOST_CODES = {0, 2003, 2006, 2013, 2014, 2055, 1927, 4031}
_TIMEOUT_CODES = {1969, 3024}

_MY_TABLES = (
    "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() "
    "AND table_type = 'BASE TABLE' ORDER BY table_name"
)
_MY_COLUMNS = (
    "SELECT column_name, column_type, is_nullable = 'YES', column_default, column_key = 'PRI' "
    "FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = %s "
    "ORDER BY ordinal_position"
)


def _version(info: str) -> tuple[int, ...]:
    match = re.match(r"(\d+)\.(\d+)\.(\d+)", info.removeprefix("5.5.5-"))
    return tuple(int(p) for p in match.groups()) if match else ()


def map_mysql_error(exc: Exception, sql: str = "") -> DatabaseError:
    """Translate a PyMySQL exception (by error code) into the zzz_db exception hierarchy."""
    args = exc.args
    code = args[0] if args and isinstance(args[0], int) else -1
    message = str(args[1]) if len(args) > 1 else str(exc)
    if code == 1062:
        match = _DUP_KEY.search(message)
        return UniqueViolation(message, constraint=match.group(1) if match else None)
    if code in {1451, 1452, 1216, 1217}:
        match = _FK.search(message)
        if match is None:
            return ForeignKeyViolation(message)
        cols = tuple(c.strip(" `") for c in match.group(2).split(","))
        return ForeignKeyViolation(message, constraint=match.group(1), columns=cols)
    if code in {4025, 3819}:
        match = _CHECK.search(message)
        name = (match.group(1) or match.group(2)) if match else None
        return CheckViolation(message, constraint=name)
    if code in {1048, 1364}:
        match = _COLUMN.search(message) or re.search(r"Field '([^']*)'", message)
        cols = (match.group(1),) if match else ()
        return NotNullViolation(message, columns=cols)
    if code in _TIMEOUT_CODES:
        return StatementTimeout(message)
    if code in _LOST_CODES or isinstance(exc, pymysql.err.InterfaceError):
        return DBConnectionError(message or "the MySQL connection was lost")
    return DatabaseError(message)


class MysqlConnection(Connection):
    """A PyMySQL connection used from worker threads."""

    begin_sql = "START TRANSACTION"
    tables_sql = _MY_TABLES
    columns_sql = _MY_COLUMNS

    dialect = "mysql"

    def __init__(self, raw: pymysql.connections.Connection[Any], *, mariadb: bool) -> None:
        super().__init__()
        self._raw = raw
        self.mariadb = mariadb
        self._cursor = raw.cursor()

    @classmethod
    async def open(
        cls, url: DatabaseURL, *, statement_timeout: float | None = None
    ) -> MysqlConnection:
        """Connect to the server named by ``url``.

        Raises:
            zzz_db.exceptions.DBConnectionError: The server cannot be reached.
        """
        options = dict(url.options)
        timeout = int(float(options.pop("connect_timeout", "10")))

        def _open() -> MysqlConnection:
            raw = pymysql.connect(
                host=url.host,
                port=url.port or 3306,
                user=url.user or "root",
                password=url.password or "",
                database=url.database,
                charset=options.pop("charset", "utf8mb4"),
                autocommit=True,
                connect_timeout=timeout,
                client_flag=pymysql.constants.CLIENT.FOUND_ROWS,
            )
            info = raw.get_server_info()
            mariadb = "mariadb" in info.lower()
            if statement_timeout:
                with raw.cursor() as cursor:
                    if mariadb:
                        cursor.execute(f"SET SESSION max_statement_time={float(statement_timeout)}")
                    else:
                        ms = int(statement_timeout * 1000)
                        cursor.execute(f"SET SESSION max_execution_time={ms}")
            conn = cls(raw, mariadb=mariadb)
            conn.server_version = _version(info)
            return conn

        try:
            return await anyio.to_thread.run_sync(_open)
        except pymysql.err.MySQLError as exc:
            raise DBConnectionError(f"cannot connect to {url.redacted()}: {exc}") from exc

    async def _run(self, fn: Callable[[], T], sql: str) -> T:
        try:
            return await anyio.to_thread.run_sync(fn)
        except pymysql.err.MySQLError as exc:
            error = map_mysql_error(exc, sql)
            if isinstance(error, DBConnectionError):
                self.broken = True
            raise error from exc

    async def execute(self, sql: str, params: Sequence[Any] | None = None) -> ExecResult:
        """Run a statement that returns no rows."""
        cursor = self._cursor

        def run() -> ExecResult:
            cursor.execute(sql, params)
            return ExecResult(cursor.rowcount, cursor.lastrowid or None)

        return await self._run(run, sql)

    async def execute_many(self, sql: str, params: Sequence[Sequence[Any]]) -> ExecResult:
        """Run one statement per parameter row (PyMySQL batches ``INSERT … VALUES``)."""
        cursor = self._cursor

        def run() -> ExecResult:
            cursor.executemany(sql, params)
            return ExecResult(cursor.rowcount, cursor.lastrowid or None)

        return await self._run(run, sql)

    async def fetch(self, sql: str, params: Sequence[Any] | None = None) -> Rows:
        """Run a query and return all rows."""
        cursor = self._cursor

        def run() -> Rows:
            cursor.execute(sql, params)
            rows = list(cursor.fetchall())
            return Rows(tuple(d[0] for d in cursor.description or ()), rows)

        return await self._run(run, sql)

    async def stream(
        self, sql: str, params: Sequence[Any] | None = None, *, chunk_size: int = 500
    ) -> AsyncGenerator[Rows, None]:
        """Stream with an unbuffered cursor (``SSCursor``), one chunk per thread hop."""
        cursor = pymysql.cursors.SSCursor(self._raw)
        try:
            await self._run(lambda: cursor.execute(sql, params), sql)
            columns = tuple(d[0] for d in cursor.description or ())
            while chunk := await self._run(lambda: list(cursor.fetchmany(chunk_size)), sql):
                yield Rows(columns, chunk)
        finally:
            if not self.broken:
                with anyio.CancelScope(shield=True):
                    await self._run(cursor.close, sql)

    async def close(self) -> None:
        """Close the connection (idempotent, never raises)."""
        if self.broken and not self._raw.open:
            return
        self.broken = True
        raw = self._raw

        def _close() -> None:
            if raw.open:
                try:
                    raw.close()
                except pymysql.err.Error:
                    raw._force_close()

        await anyio.to_thread.run_sync(_close)
