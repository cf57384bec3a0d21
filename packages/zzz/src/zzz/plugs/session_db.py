"""A server-side session store in a SQL database, through a ``zzz_db`` Repo.

:class:`DatabaseSessionStore` keeps each session as one row of a table (created on
first use): the random id, the data as JSON text and an expiry time in Unix seconds.
It works on SQLite, PostgreSQL and MySQL/MariaDB; statements are written in the
Repo's dialect (placeholders, quoting, upsert syntax) once, on first use.

``zzz`` does not import ``zzz_db``: the store only needs an object with the three
Repo methods described by :class:`SessionRepo`, so any ``zzz_db.Repo`` plugs in::

    from zzz_db import Repo
    from zzz.plugs import Session
    from zzz.plugs.session_db import DatabaseSessionStore

    repo = Repo("postgresql://app@db/prod")
    session = Session(store=DatabaseSessionStore(repo))
"""

from __future__ import annotations

import json
import math
import re
import time
from collections.abc import Callable, Sequence
from typing import Any, Protocol

import anyio

from zzz.exceptions import ImproperlyConfigured

__all__ = ["DatabaseSessionStore", "SessionRepo"]

#: Table names: a plain SQL identifier short enough for the derived index name
#: (PostgreSQL truncates identifiers over 63 bytes, MySQL refuses them over 64).
_TABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,47}")
#: Session ids the store accepts: url-safe base64 text, as ``secrets.token_urlsafe`` makes.
_SESSION_ID = re.compile(r"[A-Za-z0-9_\-]{1,128}")
_MAX_ID_LENGTH = 128


class _Dialect(Protocol):
    """The parts of a ``zzz_db`` dialect the store uses."""

    @property
    def name(self) -> str:
        """``"sqlite"``, ``"postgres"`` or ``"mysql"``."""

    @property
    def placeholder(self) -> str:
        """The parameter placeholder (``?`` or ``%s``)."""

    def quote(self, name: str) -> str:
        """Quote an identifier."""


class _Rows(Protocol):
    @property
    def rows(self) -> list[tuple[Any, ...]]:
        """One tuple per row."""


class _ExecResult(Protocol):
    @property
    def rowcount(self) -> int:
        """Rows affected."""


class SessionRepo(Protocol):
    """What :class:`DatabaseSessionStore` needs from its repository (a ``zzz_db.Repo``)."""

    async def fetch(self, sql: str, params: Sequence[Any] | None = None) -> _Rows:
        """Run a query in the repository's dialect and return its rows."""

    async def execute(self, sql: str, params: Sequence[Any] | None = None) -> _ExecResult:
        """Run a statement that returns no rows."""

    async def dialect(self) -> _Dialect:
        """The repository's SQL dialect."""


class _Statements:
    """The store's SQL, rendered once for one dialect and table."""

    __slots__ = ("create", "delete", "load", "purge", "save")

    def __init__(self, dialect: _Dialect, table: str) -> None:
        kind = dialect.name
        if kind not in ("sqlite", "postgres", "mysql"):
            raise ImproperlyConfigured(
                f"DatabaseSessionStore: unsupported database dialect {kind!r}; "
                "use a SQLite, PostgreSQL or MySQL/MariaDB Repo"
            )
        q = dialect.quote
        p = dialect.placeholder
        t, sid, data, exp = q(table), q("id"), q("data"), q("expires_at")
        index = q(f"{table}_expires_at_idx")
        if kind == "mysql":
            # MySQL has no CREATE INDEX IF NOT EXISTS: the index is part of the table.
            # ascii_bin: ids are case-sensitive (the default collations are not).
            self.create: tuple[str, ...] = (
                f"CREATE TABLE IF NOT EXISTS {t} ("
                f"{sid} VARCHAR({_MAX_ID_LENGTH}) CHARACTER SET ascii COLLATE ascii_bin"
                f" NOT NULL PRIMARY KEY, {data} LONGTEXT NOT NULL, {exp} BIGINT NOT NULL,"
                f" INDEX {index} ({exp})) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
            )
            alias = bool(getattr(dialect, "row_alias", False))  # MySQL 8.0.19+
            new_data, new_exp = (
                (f"_new.{data}", f"_new.{exp}") if alias else (f"VALUES({data})", f"VALUES({exp})")
            )
            self.save = (
                f"INSERT INTO {t} ({sid}, {data}, {exp}) VALUES ({p}, {p}, {p})"  # noqa: S608
                f"{' AS _new' if alias else ''}"
                f" ON DUPLICATE KEY UPDATE {data} = {new_data}, {exp} = {new_exp}"
            )
        else:
            id_type = (
                "TEXT NOT NULL PRIMARY KEY"
                if kind == "sqlite"
                else f'VARCHAR({_MAX_ID_LENGTH}) COLLATE "C" NOT NULL PRIMARY KEY'
            )
            suffix = " WITHOUT ROWID" if kind == "sqlite" else ""
            create: tuple[str, ...] = (
                f"CREATE TABLE IF NOT EXISTS {t} ({sid} {id_type}, {data} TEXT NOT NULL,"
                f" {exp} BIGINT NOT NULL){suffix}",
                f"CREATE INDEX IF NOT EXISTS {index} ON {t} ({exp})",
            )
            if kind == "postgres":
                # Concurrent CREATE ... IF NOT EXISTS can fail on PostgreSQL (a unique
                # violation in its catalog): one DO block, one transaction, serialised
                # by an advisory lock held until it commits.
                lock = f"'zzz_sessions:{table}'"
                body = "; ".join(create)
                create = (
                    f"DO $zzz$ BEGIN PERFORM pg_advisory_xact_lock(hashtext({lock}));"
                    f" {body}; END $zzz$",
                )
            self.create = create
            self.save = (
                f"INSERT INTO {t} ({sid}, {data}, {exp}) VALUES ({p}, {p}, {p})"  # noqa: S608
                f" ON CONFLICT ({sid}) DO UPDATE SET {data} = excluded.{data},"
                f" {exp} = excluded.{exp}"
            )
        # Names are validated and quoted; every value is a bound parameter.
        self.load = f"SELECT {data} FROM {t} WHERE {sid} = {p} AND {exp} > {p}"  # noqa: S608
        self.delete = f"DELETE FROM {t} WHERE {sid} = {p}"  # noqa: S608
        self.purge = f"DELETE FROM {t} WHERE {exp} <= {p}"  # noqa: S608


class DatabaseSessionStore:
    """Sessions in a SQL table, shared by every worker and process using the database.

    The table (``id`` primary key, ``data`` JSON text, ``expires_at`` Unix seconds,
    indexed) is created on first use, or by :meth:`ensure_table`. Saving is one atomic
    upsert (``ON CONFLICT`` on SQLite/PostgreSQL, ``ON DUPLICATE KEY`` on MySQL), so
    concurrent requests never fail on a duplicate id. Expired rows read as missing;
    :meth:`purge_expired` deletes them (run it periodically, e.g. from a job).

    Args:
        repo: A ``zzz_db.Repo`` (anything implementing :class:`SessionRepo`). The store
            does not close it.
        table: Table name (letters, digits, ``_``; at most 48 characters).
        max_data_size: Largest session, in bytes of JSON, that :meth:`save` accepts.
        clock: Returns the current Unix time (``time.time``); expiry uses the
            application's clock, so keep servers' clocks in sync (NTP).

    Raises:
        ImproperlyConfigured: Bad table name or ``max_data_size`` < 1.

    Example::

        store = DatabaseSessionStore(Repo("sqlite:///sessions.db"))
        pipeline(Session(store=store))
    """

    __slots__ = ("_clock", "_lock", "_max_data_size", "_repo", "_sql", "table")

    def __init__(
        self,
        repo: SessionRepo,
        *,
        table: str = "zzz_sessions",
        max_data_size: int = 65_536,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not isinstance(table, str) or not _TABLE_NAME.fullmatch(table):
            raise ImproperlyConfigured(
                f"DatabaseSessionStore: table={table!r} must be a plain SQL name "
                "(a letter or _, then letters, digits or _; at most 48 characters)"
            )
        if max_data_size < 1:
            raise ImproperlyConfigured("DatabaseSessionStore: max_data_size must be >= 1 byte")
        self._repo = repo
        self.table = table
        self._max_data_size = max_data_size
        self._clock = clock
        self._lock = anyio.Lock()
        self._sql: _Statements | None = None

    async def ensure_table(self) -> None:
        """Create the table and its expiry index if they do not exist (idempotent).

        Called automatically on first use; call it at startup to fail early.

        Raises:
            ImproperlyConfigured: The repository's database is not supported.
        """
        if self._sql is None:
            await self._statements()

    async def _statements(self) -> _Statements:
        sql = self._sql
        if sql is not None:
            return sql
        async with self._lock:
            if self._sql is not None:
                return self._sql
            sql = _Statements(await self._repo.dialect(), self.table)
            for statement in sql.create:
                await self._repo.execute(statement)
            self._sql = sql
            return sql

    async def load(self, session_id: str) -> dict[str, Any] | None:
        """Return the data of ``session_id``, or ``None`` when unknown, expired or malformed."""
        if not _SESSION_ID.fullmatch(session_id):
            return None
        sql = self._sql or await self._statements()
        rows = (await self._repo.fetch(sql.load, (session_id, math.floor(self._clock())))).rows
        if not rows:
            return None
        try:
            data = json.loads(rows[0][0])
        except (TypeError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    async def save(self, session_id: str, data: dict[str, Any], max_age: int) -> None:
        """Store ``data`` under ``session_id`` (insert or replace) for ``max_age`` seconds.

        Raises:
            ValueError: A malformed id, ``max_age`` < 1, or data over ``max_data_size``.
            TypeError: A value that is not JSON-serialisable.
        """
        if not _SESSION_ID.fullmatch(session_id):
            raise ValueError(
                "session ids must be 1-128 url-safe characters (secrets.token_urlsafe)"
            )
        if max_age < 1:
            raise ValueError(f"max_age must be >= 1 second, got {max_age}")
        blob = json.dumps(data, separators=(",", ":"))
        if len(blob) > self._max_data_size:
            raise ValueError(
                f"session data is {len(blob)} bytes of JSON, over max_data_size="
                f"{self._max_data_size}: store less in the session or raise the limit"
            )
        expires = math.ceil(self._clock() + max_age)
        sql = self._sql or await self._statements()
        await self._repo.execute(sql.save, (session_id, blob, expires))

    async def delete(self, session_id: str) -> None:
        """Forget ``session_id`` (no error when unknown)."""
        if not _SESSION_ID.fullmatch(session_id):
            return
        sql = self._sql or await self._statements()
        await self._repo.execute(sql.delete, (session_id,))

    async def purge_expired(self) -> int:
        """Delete every expired session.

        Returns:
            The number of rows deleted.
        """
        sql = self._sql or await self._statements()
        result = await self._repo.execute(sql.purge, (math.floor(self._clock()),))
        return max(result.rowcount, 0)
