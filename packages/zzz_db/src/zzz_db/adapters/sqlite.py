"""SQLite adapter: stdlib ``sqlite3`` behind the async API.

Measured on this project's CI box (see ``docs/guides/db/repo.md``): a get-by-id costs ~4 µs
inline and ~130-170 µs through a worker thread, so:

* ``SELECT`` statements run **inline** on the event loop under a time budget
  (``inline_budget``, default 2 ms). The connection's ``busy_timeout`` is 0 while inline
  and a progress handler interrupts the statement when the budget runs out. An
  interrupted or ``SQLITE_BUSY`` read has no side effects (SQLite does not roll back a
  transaction for an interrupted read-only statement), so it is simply re-run on a
  worker thread with the real ``busy_timeout``.
* Everything else (writes, DDL, ``BEGIN``/``COMMIT``, which may wait on locks or fsync)
  runs on a worker thread (``anyio.to_thread``), where ``statement_timeout`` is enforced
  by the same progress handler.

Connections use WAL journaling (file databases), ``foreign_keys=ON`` and
``synchronous=NORMAL``; transactions start with ``BEGIN IMMEDIATE`` so a writer takes the
write lock up front instead of failing with ``SQLITE_BUSY`` when upgrading.
"""

from __future__ import annotations

import re
import sqlite3
import threading
import time
from collections.abc import AsyncGenerator, Callable, Sequence
from typing import Any, TypeVar

import anyio.to_thread

from zzz_db.adapters.base import ColumnInfo, Connection, ExecResult, Rows, is_read_statement
from zzz_db.exceptions import (
    CheckViolation,
    DatabaseError,
    DBConnectionError,
    ForeignKeyViolation,
    NotNullViolation,
    StatementTimeout,
    UniqueViolation,
)

__all__ = ["SqliteConnection", "map_sqlite_error"]

T = TypeVar("T")
_INF = float("inf")
_PROGRESS_STEPS = 1000
_COLUMNS = re.compile(r"constraint failed: (.+)$")
_RETRY_INLINE = ("interrupted", "database is locked", "database table is locked")


def _columns(message: str) -> tuple[str, ...]:
    """``"UNIQUE constraint failed: users.email, users.org"`` → ``("email", "org")``."""
    match = _COLUMNS.search(message)
    if match is None:
        return ()
    return tuple(part.strip().rpartition(".")[2] for part in match.group(1).split(","))


def map_sqlite_error(exc: sqlite3.Error, sql: str = "") -> DatabaseError:
    """Translate a ``sqlite3`` exception into the zzz_db exception hierarchy.

    SQLite reports unique/not-null violations as ``table.column`` lists and named
    ``CHECK`` constraints by name; foreign-key violations carry no name at all.
    """
    message = str(exc)
    name = getattr(exc, "sqlite_errorname", "")
    if isinstance(exc, sqlite3.IntegrityError):
        if name in {"SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY"} or (
            "UNIQUE constraint" in message
        ):
            return UniqueViolation(message, columns=_columns(message))
        if name == "SQLITE_CONSTRAINT_FOREIGNKEY" or "FOREIGN KEY" in message:
            return ForeignKeyViolation(message)
        if name == "SQLITE_CONSTRAINT_NOTNULL" or "NOT NULL" in message:
            return NotNullViolation(message, columns=_columns(message))
        if name == "SQLITE_CONSTRAINT_CHECK" or "CHECK constraint" in message:
            match = _COLUMNS.search(message)
            return CheckViolation(message, constraint=match.group(1) if match else None)
    if isinstance(exc, sqlite3.ProgrammingError) and "closed" in message:
        return DBConnectionError(message)
    if isinstance(exc, sqlite3.OperationalError) and message == "interrupted":
        return StatementTimeout(f"statement cancelled by statement_timeout: {message}")
    return DatabaseError(message)


def _enable_wal(raw: sqlite3.Connection, busy_timeout: float) -> None:
    """Switch to WAL (persistent, so usually already on).

    Switching needs an exclusive lock, and SQLite reports ``SQLITE_BUSY`` without calling
    the busy handler when connections opening a fresh file at once would deadlock; so the
    switch is retried until ``busy_timeout``.
    """
    deadline = time.monotonic() + busy_timeout
    while True:
        try:
            mode = raw.execute("PRAGMA journal_mode").fetchone()[0]
            if str(mode).lower() != "wal":
                raw.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.005)


def _sqlite_utils_database(raw: sqlite3.Connection) -> Any:
    try:
        import sqlite_utils
    except ImportError as exc:  # pragma: no cover - depends on the installed extras
        raise ImportError(
            "SQLite introspection needs sqlite-utils: pip install 'zzz-db[sqlite]'"
        ) from exc
    return sqlite_utils.Database(raw, recursive_triggers=False, execute_plugins=False)


class SqliteConnection(Connection):
    """A ``sqlite3`` connection driven from async code (see the module docstring)."""

    dialect = "sqlite"
    begin_sql = "BEGIN IMMEDIATE"  # take the write lock now (waits up to busy_timeout)

    def __init__(
        self,
        raw: sqlite3.Connection,
        *,
        busy_timeout: float,
        statement_timeout: float | None,
        inline_budget: float,
        memory: bool = False,
    ) -> None:
        super().__init__()
        self._raw = raw
        self._busy_ms = int(busy_timeout * 1000)
        self._statement_timeout = statement_timeout
        self._budget = inline_budget
        self._deadline = _INF
        self._closed = False
        #: A cancelled thread call is abandoned (and the statement interrupted) except for
        #: in-memory databases, whose only connection holds all the data.
        self._abandonable = not memory
        #: Set while no worker thread uses the connection (``close`` waits for it).
        self._idle = threading.Event()
        self._idle.set()
        self.server_version = sqlite3.sqlite_version_info
        raw.set_progress_handler(self._progress, _PROGRESS_STEPS)

    @classmethod
    async def open(
        cls,
        path: str,
        *,
        busy_timeout: float = 5.0,
        statement_timeout: float | None = None,
        inline_budget: float = 0.002,
    ) -> SqliteConnection:
        """Open ``path`` (``":memory:"`` for an in-memory database) and configure it.

        Args:
            path: Database file path, or ``":memory:"``.
            busy_timeout: Seconds a statement waits for another connection's lock.
            statement_timeout: Seconds after which a statement is interrupted (``None``: never).
            inline_budget: Seconds a ``SELECT`` may run inline before being moved to a
                thread (``0`` disables inline execution).

        Raises:
            zzz_db.exceptions.DatabaseError: The file cannot be opened.
        """

        def _open() -> sqlite3.Connection:
            raw = sqlite3.connect(
                path, isolation_level=None, check_same_thread=False, timeout=busy_timeout
            )
            try:
                if path != ":memory:":
                    _enable_wal(raw, busy_timeout)
                raw.execute("PRAGMA foreign_keys=ON")
                raw.execute("PRAGMA synchronous=NORMAL")
                raw.execute("PRAGMA busy_timeout=0")
            except BaseException:
                raw.close()
                raise
            return raw

        try:
            raw = await anyio.to_thread.run_sync(_open)
        except sqlite3.Error as exc:
            raise DBConnectionError(f"cannot open SQLite database {path!r}: {exc}") from exc
        return cls(
            raw,
            busy_timeout=busy_timeout,
            statement_timeout=statement_timeout,
            inline_budget=inline_budget,
            memory=path == ":memory:",
        )

    def _progress(self) -> int:
        return 1 if time.perf_counter() > self._deadline else 0

    async def _threaded(self, fn: Callable[[], T], sql: str) -> T:
        def run() -> T:
            idle = self._idle
            idle.clear()
            try:
                return run_statement()
            finally:
                idle.set()

        def run_statement() -> T:
            raw = self._raw
            raw.execute(f"PRAGMA busy_timeout={self._busy_ms}")
            timeout = self._statement_timeout
            if timeout:
                self._deadline = time.perf_counter() + timeout
            else:  # no Python callback (and GIL grab) every few VM steps on long statements
                raw.set_progress_handler(None, 0)
            try:
                return fn()
            finally:
                self._deadline = _INF
                if not timeout:
                    raw.set_progress_handler(self._progress, _PROGRESS_STEPS)
                raw.execute("PRAGMA busy_timeout=0")

        try:
            return await anyio.to_thread.run_sync(run, abandon_on_cancel=self._abandonable)
        except sqlite3.Error as exc:
            raise map_sqlite_error(exc, sql) from exc
        except anyio.get_cancelled_exc_class():
            # the statement still runs on its thread: interrupt it and retire the connection
            # (the pool closes it; SQLite finishes the close once the statement has stopped)
            self.broken = True
            self._raw.interrupt()
            raise

    async def execute(self, sql: str, params: Sequence[Any] | None = None) -> ExecResult:
        """Run a statement on a worker thread (writes may wait on locks or fsync)."""

        def run() -> ExecResult:
            cursor = self._raw.execute(sql, params or ())
            return ExecResult(cursor.rowcount, cursor.lastrowid)

        return await self._threaded(run, sql)

    async def execute_many(self, sql: str, params: Sequence[Sequence[Any]]) -> ExecResult:
        """Run one statement per parameter row on a worker thread."""

        def run() -> ExecResult:
            cursor = self._raw.executemany(sql, params)
            return ExecResult(cursor.rowcount, cursor.lastrowid)

        return await self._threaded(run, sql)

    def _fetch_now(self, sql: str, params: Sequence[Any] | None) -> Rows:
        cursor = self._raw.execute(sql, params or ())
        rows = cursor.fetchall()
        description = cursor.description or ()
        return Rows(tuple(d[0] for d in description), rows)

    async def fetch(self, sql: str, params: Sequence[Any] | None = None) -> Rows:
        """Run a query: inline under the budget when it is a ``SELECT``, else on a thread."""
        if self._budget > 0 and is_read_statement(sql):
            if self._closed:
                raise DBConnectionError("the SQLite connection is closed")
            self._deadline = time.perf_counter() + self._budget
            try:
                return self._fetch_now(sql, params)
            except sqlite3.OperationalError as exc:
                if str(exc) not in _RETRY_INLINE:
                    raise map_sqlite_error(exc, sql) from exc
            except sqlite3.Error as exc:
                raise map_sqlite_error(exc, sql) from exc
            finally:
                self._deadline = _INF
        return await self._threaded(lambda: self._fetch_now(sql, params), sql)

    async def stream(
        self, sql: str, params: Sequence[Any] | None = None, *, chunk_size: int = 500
    ) -> AsyncGenerator[Rows, None]:
        """Fetch ``chunk_size`` rows at a time, each chunk on a worker thread."""
        cursor = await self._threaded(lambda: self._raw.execute(sql, params or ()), sql)
        columns = tuple(d[0] for d in cursor.description or ())
        try:
            while True:
                chunk = await self._threaded(lambda: cursor.fetchmany(chunk_size), sql)
                if not chunk:
                    return
                yield Rows(columns, chunk)
        finally:
            if not self.broken:  # else a cancelled fetch may still use it; close() waits
                cursor.close()

    async def rollback(self) -> None:
        """Roll back the open transaction (no error if SQLite already rolled it back)."""
        self.in_transaction = False
        if self._raw.in_transaction:
            await self.execute("ROLLBACK")

    async def table_names(self) -> list[str]:
        """Tables, via sqlite-utils (the ``sqlite`` extra)."""
        database = _sqlite_utils_database(self._raw)
        return sorted(await self._threaded(database.table_names, "table_names"))

    async def columns(self, table: str) -> list[ColumnInfo]:
        """Columns, via sqlite-utils (the ``sqlite`` extra)."""
        database = _sqlite_utils_database(self._raw)

        def run() -> list[ColumnInfo]:
            if not database[table].exists():
                return []
            return [
                ColumnInfo(c.name, c.type, not c.notnull, c.default_value, bool(c.is_pk))
                for c in database[table].columns
            ]

        return await self._threaded(run, "columns")

    async def close(self) -> None:
        """Close the connection (idempotent)."""
        if self._closed:
            return
        self._closed = True
        self.broken = True
        raw = self._raw
        idle = self._idle

        def close() -> None:
            idle.wait()  # an abandoned (interrupted) statement must stop before the close
            raw.close()

        await anyio.to_thread.run_sync(close)

    @property
    def raw(self) -> sqlite3.Connection:
        """The underlying ``sqlite3.Connection`` (e.g. for ``sqlite_utils.Database(raw)``)."""
        return self._raw
