"""The Repo's connection layer: pool, statement routing, transactions and raw SQL.

Every statement goes through :meth:`_Session.fetch`/``execute``/``execute_many``: on the
task's transaction (or pinned) connection when there is one, else on a pooled connection
checked out for that statement alone. The schema-aware operations build on these.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncGenerator, AsyncIterator, Sequence
from contextlib import aclosing, asynccontextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, Self

from zzz_db.adapters import ExecResult, Pool, Rows, connector
from zzz_db.adapters.base import ColumnInfo, Connection, is_read_statement
from zzz_db.dialects import Dialect, MySQLDialect, get_dialect
from zzz_db.exceptions import DBConnectionError
from zzz_db.transaction import TransactionContext, TxState

if TYPE_CHECKING:
    from zzz_db.repo import RepoConfig

__all__: list[str] = []

_REPO_IDS = itertools.count(1)


class _Session:
    """Connection handling, raw SQL and transactions (the base of :class:`~zzz_db.repo.Repo`)."""

    def __init__(self, config: RepoConfig, dialect: Dialect | None) -> None:
        self.config = config
        self.backend = config.url.backend
        self._connect = connector(config.url, config.connection)
        self._pool: Pool | None = None
        self._dialect: Dialect | None = dialect
        self._tx: ContextVar[TxState | None] = ContextVar(
            f"zzz_db_tx_{next(_REPO_IDS)}", default=None
        )

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.config.url.redacted()}>"

    @property
    def pool(self) -> Pool:
        """The connection pool (created on first use)."""
        pool = self._pool
        if pool is None:
            pool = self._pool = Pool(self._connect, self.config.pool)
        return pool

    async def close(self) -> None:
        """Close every idle pooled connection; the Repo reopens its pool if used again."""
        pool, self._pool = self._pool, None
        if pool is not None:
            await pool.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    @property
    def in_transaction(self) -> bool:
        """Whether the current task is inside ``repo.transaction()``."""
        state = self._tx.get()
        return state is not None and state.depth > 0

    def transaction(self) -> TransactionContext:
        """Open a transaction (a savepoint when already inside one).

        Returns:
            An async context manager yielding a :class:`~zzz_db.transaction.Transaction`.

        Example::

            async with repo.transaction() as tx:
                await repo.insert(user)
                if overdrawn:
                    tx.rollback("overdrawn")  # leaves the block, no exception
        """
        return TransactionContext(self.pool, self._tx)

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[Connection]:
        """Pin one connection for a block (the transaction's when inside one).

        Every Repo call of the current task in the block uses this connection.
        """
        state = self._tx.get()
        if state is not None:
            yield state.conn
            return
        async with self.pool.connection() as conn:
            token = self._tx.set(TxState(conn))
            try:
                yield conn
            finally:
                self._tx.reset(token)

    async def fetch(self, sql: str, params: Sequence[Any] | None = None) -> Rows:
        """Run a query written for this database's dialect and return its rows.

        A read that fails because its pooled connection died (server restart, killed
        session) is retried once on a fresh connection when outside a transaction.

        Raises:
            zzz_db.exceptions.DatabaseError: Or a subclass.
        """
        state = self._tx.get()
        if state is not None:
            async with state.lock:
                return await state.conn.fetch(sql, params)
        pool = self.pool
        conn = await pool.acquire()
        try:
            return await conn.fetch(sql, params)
        except DBConnectionError:
            if not conn.broken or not is_read_statement(sql):
                raise
        finally:
            await pool.release(conn)
        async with pool.connection() as fresh:
            return await fresh.fetch(sql, params)

    async def execute(self, sql: str, params: Sequence[Any] | None = None) -> ExecResult:
        """Run a statement returning no rows (``rowcount`` and ``lastrowid``)."""
        state = self._tx.get()
        if state is not None:
            async with state.lock:
                return await state.conn.execute(sql, params)
        async with self.pool.connection() as conn:
            return await conn.execute(sql, params)

    async def execute_many(self, sql: str, params: Sequence[Sequence[Any]]) -> ExecResult:
        """Run one statement per parameter row."""
        state = self._tx.get()
        if state is not None:
            async with state.lock:
                return await state.conn.execute_many(sql, params)
        async with self.pool.connection() as conn:
            return await conn.execute_many(sql, params)

    async def table_names(self) -> list[str]:
        """The database's tables, sorted (sqlite-utils on SQLite, ``information_schema``
        elsewhere)."""
        async with self.connection() as conn:
            return await conn.table_names()

    async def columns(self, table: str) -> list[ColumnInfo]:
        """The columns of ``table`` in order (empty if it does not exist)."""
        async with self.connection() as conn:
            return await conn.columns(table)

    async def query(self, sql: str, params: Sequence[Any] | None = None) -> list[dict[str, Any]]:
        """Run raw SQL and return the rows as dicts.

        Example::

            await repo.query("SELECT count(*) AS n FROM users")  # [{'n': 3}]
        """
        return (await self.fetch(sql, params)).dicts()

    async def stream_rows(
        self, sql: str, params: Sequence[Any] | None = None, *, chunk_size: int = 500
    ) -> AsyncGenerator[Rows, None]:
        """Stream a big result in chunks (server-side cursor on PostgreSQL)."""
        state = self._tx.get()
        if state is not None:
            async with aclosing(state.conn.stream(sql, params, chunk_size=chunk_size)) as chunks:
                async for chunk in chunks:
                    yield chunk
            return
        async with (
            self.pool.connection() as conn,
            aclosing(conn.stream(sql, params, chunk_size=chunk_size)) as chunks,
        ):
            async for chunk in chunks:
                yield chunk

    async def dialect(self) -> Dialect:
        """The SQL dialect of this database (MySQL's is tuned to the server's version)."""
        found = self._dialect
        if found is None:
            if self.backend == "mysql":
                async with self.connection() as conn:
                    found = MySQLDialect(mariadb=conn.mariadb, version=conn.server_version)
            else:
                found = get_dialect(self.backend)
            self._dialect = found
        return found
