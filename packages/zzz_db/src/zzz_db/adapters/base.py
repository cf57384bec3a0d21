"""The connection interface every adapter implements, and shared helpers.

A :class:`Connection` is one database session used by one task at a time (the pool
guarantees exclusivity). Statements are plain ``(sql, params)`` pairs already compiled
for the adapter's dialect; rows come back as tuples with the column names alongside,
so the Repo can build dicts or schema instances without per-row name lookups.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import AsyncGenerator, Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

__all__ = [
    "ColumnInfo",
    "Connection",
    "ExecResult",
    "Rows",
    "is_read_statement",
    "savepoint_name",
]

_READ_PREFIX = re.compile(r"\s*(?:\(\s*)*select\b", re.IGNORECASE)
_SAVEPOINT_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")


@dataclass(slots=True)
class ExecResult:
    """Outcome of a statement that returns no rows.

    Attributes:
        rowcount: Rows affected (``-1`` when the driver does not know).
        lastrowid: The auto-generated id of the last inserted row, when the driver reports one.
    """

    rowcount: int
    lastrowid: int | None = None


class Rows:
    """Rows of a result set.

    Attributes:
        rows: One tuple per row.

    Args:
        columns: Column names, in order; or a function computing them on first use
            (drivers whose description is costly to build, e.g. psycopg's).
        rows: The rows.
    """

    __slots__ = ("_columns", "_describe", "rows")

    def __init__(
        self,
        columns: tuple[str, ...] | Callable[[], tuple[str, ...]],
        rows: list[tuple[Any, ...]] | None = None,
    ) -> None:
        if callable(columns):
            self._columns: tuple[str, ...] | None = None
            self._describe: Callable[[], tuple[str, ...]] | None = columns
        else:
            self._columns = columns
            self._describe = None
        self.rows: list[tuple[Any, ...]] = rows if rows is not None else []

    @property
    def columns(self) -> tuple[str, ...]:
        """Column names, in order."""
        columns = self._columns
        if columns is None:
            assert self._describe is not None
            columns = self._columns = self._describe()
            self._describe = None
        return columns

    def __repr__(self) -> str:
        return f"Rows(columns={self.columns!r}, rows={self.rows!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Rows):
            return NotImplemented
        return self.columns == other.columns and self.rows == other.rows

    __hash__ = None  # type: ignore[assignment]

    def dicts(self) -> list[dict[str, Any]]:
        """The rows as ``{column: value}`` dicts."""
        columns = self.columns
        return [dict(zip(columns, row, strict=True)) for row in self.rows]


@dataclass(frozen=True, slots=True)
class ColumnInfo:
    """A table column as the database describes it (introspection).

    Attributes:
        name: Column name.
        type: The database's type name (e.g. ``"INTEGER"``, ``"character varying"``).
        nullable: Whether ``NULL`` is allowed.
        default: The default expression as SQL text, if any.
        primary_key: Part of the primary key.
    """

    name: str
    type: str
    nullable: bool
    default: str | None
    primary_key: bool


def is_read_statement(sql: str) -> bool:
    """Whether ``sql`` is a plain ``SELECT`` (which can be interrupted and re-run safely)."""
    return _READ_PREFIX.match(sql) is not None


def savepoint_name(name: str) -> str:
    """Validate a savepoint name (an identifier we generate; never user input in SQL).

    Raises:
        ValueError: The name is not a plain identifier.
    """
    if _SAVEPOINT_NAME.fullmatch(name) is None:
        raise ValueError(f"invalid savepoint name {name!r}: use letters, digits and '_'")
    return name


class Connection(ABC):
    """One database session behind the async API.

    Attributes:
        dialect: ``"sqlite"``, ``"postgresql"`` or ``"mysql"``.
        server_version: The server's version as a tuple of ints.
        mariadb: The MySQL adapter is talking to MariaDB.
        broken: Set once the session is known to be unusable (server gone, killed);
            the pool discards broken connections instead of reusing them.
        in_transaction: Whether a transaction opened by :meth:`begin` is active.
    """

    dialect: str = ""
    #: The statement :meth:`begin` runs.
    begin_sql: ClassVar[str] = "BEGIN"
    #: ``information_schema`` queries behind :meth:`table_names` and :meth:`columns`
    #: (the latter takes the table name as its one parameter).
    tables_sql: ClassVar[str] = ""
    columns_sql: ClassVar[str] = ""
    #: The server's version, e.g. ``(15, 2)`` (SQLite: the library's version).
    server_version: tuple[int, ...] = ()
    #: MySQL adapter only: the server is MariaDB.
    mariadb: bool = False

    def __init__(self) -> None:
        self.broken = False
        self.in_transaction = False
        self.last_used = 0.0

    @abstractmethod
    async def execute(self, sql: str, params: Sequence[Any] | None = None) -> ExecResult:
        """Run a statement that returns no rows.

        ``params=None`` passes the SQL to the driver untouched; with a list (even empty),
        ``%s``-style drivers process placeholders and un-double ``%%``.

        Raises:
            zzz_db.exceptions.DatabaseError: Or a subclass (constraint violations,
                timeouts, lost connections).
        """

    @abstractmethod
    async def execute_many(self, sql: str, params: Sequence[Sequence[Any]]) -> ExecResult:
        """Run one statement once per parameter row (a batch)."""

    @abstractmethod
    async def fetch(self, sql: str, params: Sequence[Any] | None = None) -> Rows:
        """Run a statement and return all its rows."""

    @abstractmethod
    def stream(
        self, sql: str, params: Sequence[Any] | None = None, *, chunk_size: int = 500
    ) -> AsyncGenerator[Rows, None]:
        """Yield the result in chunks of at most ``chunk_size`` rows.

        PostgreSQL uses a server-side (named) cursor, which needs a transaction; the
        other adapters fetch chunk by chunk from the driver's cursor.
        """

    async def begin(self) -> None:
        """Open a transaction (runs :attr:`begin_sql`)."""
        await self.execute(self.begin_sql)
        self.in_transaction = True

    async def commit(self) -> None:
        """Commit the open transaction."""
        self.in_transaction = False
        await self.execute("COMMIT")

    async def rollback(self) -> None:
        """Roll back the open transaction."""
        self.in_transaction = False
        await self.execute("ROLLBACK")

    async def savepoint(self, name: str) -> None:
        """Create a savepoint inside the open transaction."""
        await self.execute(f"SAVEPOINT {savepoint_name(name)}")

    async def release_savepoint(self, name: str) -> None:
        """Release (keep the work of) a savepoint."""
        await self.execute(f"RELEASE SAVEPOINT {savepoint_name(name)}")

    async def rollback_to_savepoint(self, name: str) -> None:
        """Undo the work done since a savepoint."""
        await self.execute(f"ROLLBACK TO SAVEPOINT {savepoint_name(name)}")

    async def ping(self) -> None:
        """Check the session is alive (a trivial round trip).

        Raises:
            zzz_db.exceptions.DBConnectionError: The session is gone.
        """
        await self.fetch("SELECT 1")

    async def table_names(self) -> list[str]:
        """The tables of the current database/schema, sorted (:attr:`tables_sql`)."""
        return [row[0] for row in (await self.fetch(self.tables_sql)).rows]

    async def columns(self, table: str) -> list[ColumnInfo]:
        """The columns of ``table`` in order (empty if there is no such table).

        :attr:`columns_sql` returns name, type, nullable, default and primary-key flag.
        """
        rows = (await self.fetch(self.columns_sql, [table])).rows
        return [ColumnInfo(r[0], r[1], bool(r[2]), r[3], bool(r[4])) for r in rows]

    @abstractmethod
    async def close(self) -> None:
        """Close the session (idempotent, never raises)."""
