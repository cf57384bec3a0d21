"""``Repo``: the one object an application uses to talk to its database.

It owns the connection pool, runs raw SQL and transactions, and the schema-aware
operations (``all``, ``get``, ``insert``, …) on top of the query compiler.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Mapping, Sequence
from contextlib import aclosing, asynccontextmanager
from contextvars import ContextVar
from typing import Any, Literal, Self, TypeVar, overload

from pydantic_core import PydanticUndefined

from zzz_db.adapters import ConnectionOptions, ExecResult, Pool, PoolConfig, Rows, connector
from zzz_db.adapters.base import ColumnInfo, Connection, is_read_statement
from zzz_db.changeset import Changeset, Err, Ok
from zzz_db.dialects import Dialect, MySQLDialect, get_dialect
from zzz_db.exceptions import (
    ConstraintError,
    DBConnectionError,
    InvalidChangeset,
    MultipleResultsFound,
    NotFound,
)
from zzz_db.query.builder import OnConflict, Query
from zzz_db.query.compile import (
    Compiled,
    compile_aggregate,
    compile_delete,
    compile_delete_all,
    compile_exists,
    compile_get,
    compile_insert,
    compile_insert_all,
    compile_select,
    compile_update,
    compile_update_all,
)
from zzz_db.schema import Schema, SchemaInfo
from zzz_db.transaction import TransactionContext, TxState
from zzz_db.url import DatabaseURL, InvalidURL, parse_url

__all__ = ["Repo", "RepoConfig"]

S = TypeVar("S", bound=Schema)
T = TypeVar("T")
_REPO_IDS = itertools.count(1)
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


class Repo:
    """Connection handling, raw SQL and transactions .

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
        self.config = RepoConfig(
            url,
            {
                "pool_size": pool_size,
                "acquire_timeout": acquire_timeout,
                "statement_timeout": statement_timeout,
                "health_check_interval": health_check_interval,
                "busy_timeout": busy_timeout,
                "inline_budget": inline_budget,
            },
        )
        self.backend = self.config.url.backend
        self._connect = connector(self.config.url, self.config.connection)
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

        Example:
            >>> async with repo.transaction() as tx:  # doctest: +SKIP
            ...     await repo.insert(user)
            ...     if overdrawn:
            ...         tx.rollback("overdrawn")
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

        Example:
            >>> await repo.query("SELECT count(*) AS n FROM users")  # doctest: +SKIP
            [{'n': 3}]
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

    # -- schema-aware operations ---------------------------------------------------------

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

    async def _select(self, query: Query[Any]) -> tuple[Dialect, Rows]:
        dialect = self._dialect or await self.dialect()
        sql, params = compile_select(query, dialect)
        return dialect, await self.fetch(sql, params)

    async def all(self, query: Query[S] | type[S]) -> list[S]:
        """Every row of a query, loaded into schema instances.

        A query with ``select(...)`` returns tuples instead (use :meth:`rows` for a
        precise type).

        Example:
            >>> adults = await repo.all(User.query().where(age__gte=18))  # doctest: +SKIP
        """
        q = _as_query(query)
        dialect, rows = await self._select(q)
        return _load(dialect, q, rows.rows)

    async def rows(self, query: Query[Any]) -> list[tuple[Any, ...]]:
        """The rows of a ``select(...)`` query as tuples (values converted per field)."""
        dialect, rows = await self._select(query)
        convert = dialect.row_converter([spec for _, _, spec in query.result_columns()])
        return [convert(row) for row in rows.rows]

    async def one_or_none(self, query: Query[S] | type[S]) -> S | None:
        """The single row of a query, or ``None``.

        Raises:
            MultipleResultsFound: The query matched more than one row.
        """
        q = _as_query(query)
        if q.limit_ is None:
            q = q.limit(2)
        found = await self.all(q)
        if len(found) > 1:
            raise MultipleResultsFound(f"expected at most one row, the query matched several: {q}")
        return found[0] if found else None

    async def one(self, query: Query[S] | type[S]) -> S:
        """The single row of a query.

        Raises:
            NotFound: No row matched.
            MultipleResultsFound: Several rows matched.
        """
        found = await self.one_or_none(query)
        if found is None:
            raise NotFound(f"expected one row, the query matched none: {_as_query(query)}")
        return found

    async def get(self, schema: type[S], key: Any) -> S | None:
        """The row with primary key ``key`` (a tuple or dict for composite keys), or ``None``."""
        info = schema.__schema__
        dialect = self._dialect or await self.dialect()
        sql = compile_get(info, dialect)
        pk = info.primary_key
        if isinstance(key, dict):
            values = [key[name] for name in pk]
        elif len(pk) > 1:
            values = list(key)
        else:
            values = [key]
        params = [dialect.adapt(v, info.fields[n]) for n, v in zip(pk, values, strict=True)]
        rows = await self.fetch(sql, params)
        if not rows.rows:
            return None
        return dialect.loader(info)(rows.rows[0])  # type: ignore[return-value]

    async def get_or_raise(self, schema: type[S], key: Any) -> S:
        """Like :meth:`get`, raising when there is no such row.

        Raises:
            NotFound: No row has that key.
        """
        found = await self.get(schema, key)
        if found is None:
            raise NotFound(f"{schema.__name__} with primary key {key!r} not found")
        return found

    async def get_by(self, schema: type[S], **fields: Any) -> S | None:
        """The single row whose fields equal ``fields`` (lookups like ``age__gte`` allowed).

        Raises:
            MultipleResultsFound: Several rows match.
        """
        return await self.one_or_none(schema.query().where(**fields))

    async def get_by_or_raise(self, schema: type[S], **fields: Any) -> S:
        """Like :meth:`get_by`, raising :class:`NotFound` when nothing matches."""
        return await self.one(schema.query().where(**fields))

    async def exists(self, query: Query[Any] | type[Schema]) -> bool:
        """Whether the query matches at least one row."""
        dialect = self._dialect or await self.dialect()
        sql, params = compile_exists(_as_query(query), dialect)
        rows = await self.fetch(sql, params)
        return bool(rows.rows[0][0])

    async def aggregate(
        self, query: Query[Any] | type[Schema], function: str, field: str | None = None
    ) -> Any:
        """``count``/``sum``/``avg``/``min``/``max`` over a query's rows.

        Example:
            >>> await repo.aggregate(User.query().where(active=True), "count")  # doctest: +SKIP
            42
        """
        q = _as_query(query)
        dialect = self._dialect or await self.dialect()
        sql, params = compile_aggregate(q, function, field, dialect)
        value = (await self.fetch(sql, params)).rows[0][0]
        if function == "count":
            return int(value)
        info = q.info
        if function in ("min", "max") and field is not None and info is not None:
            return dialect.from_db(info.fields.get(field), value)
        return value

    async def stream(
        self, query: Query[S] | type[S], *, chunk_size: int = 500
    ) -> AsyncGenerator[S, None]:
        """Yield a big result's instances without holding them all in memory.

        PostgreSQL uses a server-side cursor (in a transaction, opened if needed); SQLite
        and MySQL fetch ``chunk_size`` rows at a time from the driver's cursor.
        """
        q = _as_query(query)
        dialect = self._dialect or await self.dialect()
        sql, params = compile_select(q, dialect)
        async with aclosing(self.stream_rows(sql, params, chunk_size=chunk_size)) as chunks:
            async for chunk in chunks:
                for item in _load(dialect, q, chunk.rows):
                    yield item

    # -- writes --------------------------------------------------------------------------

    @overload
    async def insert(
        self, target: Changeset[S], *, on_conflict: OnConflict | None = None
    ) -> Ok[S] | Err[Changeset[S]]: ...
    @overload
    async def insert(self, target: S, *, on_conflict: OnConflict | None = None) -> S: ...
    async def insert(self, target: Any, *, on_conflict: OnConflict | None = None) -> Any:
        """Insert a changeset or a schema instance; return the row as stored.

        With a changeset the result is :class:`~zzz_db.changeset.Ok` (``.value``: the
        record) or :class:`~zzz_db.changeset.Err` (``.changeset`` with ``errors``) when it
        is invalid or hits a constraint it declared; nothing is raised for those. With an
        instance the stored instance is returned and constraint violations raise.
        ``inserted_at``/``updated_at`` are set when the schema has timestamps (unless given).

        Args:
            target: A changeset from :func:`~zzz_db.changeset.changeset`, or an instance.
            on_conflict: Upsert behaviour (:class:`~zzz_db.query.builder.OnConflict`).
        """
        if isinstance(target, Changeset):
            cs = target
            cs.action = "insert"
            if not cs.valid:
                return Err(cs)
            try:
                return Ok(
                    await self._guarded(cs, self._insert_record(cs.apply_changes(), on_conflict))
                )
            except ConstraintError as exc:
                if cs.constraint_error(exc):
                    return Err(cs)
                raise
        return await self._insert_record(target, on_conflict)

    async def _guarded(self, cs: Changeset[Any], write: Awaitable[T]) -> T:
        """Run a changeset's write; inside a PostgreSQL transaction, in a savepoint.

        PostgreSQL aborts the whole transaction on any error, so a constraint violation
        that the changeset turns into a field error would leave the transaction unusable;
        the savepoint keeps it alive. SQLite and MySQL only fail the statement.
        """
        if not cs.constraints or self.backend != "postgresql" or self._tx.get() is None:
            return await write
        async with self.transaction():
            result = await write
        return result  # noqa: RET504 - the block may swallow a rollback, so mypy needs this

    async def insert_or_raise(self, target: Changeset[S] | S) -> S:
        """Insert and return the record; an invalid changeset raises.

        Raises:
            InvalidChangeset: The changeset was invalid or hit a declared constraint.
        """
        return _unwrap(await self.insert(target), "insert")

    async def _insert_record(self, record: S, on_conflict: OnConflict | None) -> S:
        info = type(record).__schema__
        values = info.insert_values(record)
        stamps = info.timestamps
        if stamps is not None:
            now = _now()
            for name in (stamps.inserted_at, stamps.updated_at):
                if name is not None and values.get(name) is None:
                    values[name] = now
        dialect = self._dialect or await self.dialect()
        load = dialect.loader(info)
        if dialect.supports_returning_insert:
            sql, params = compile_insert(
                info, values, dialect, returning=True, on_conflict=on_conflict
            )
            rows = await self.fetch(sql, params)
            if rows.rows:
                return load(rows.rows[0])  # type: ignore[return-value]
            return info.construct(_with_virtual(info, values, record))  # type: ignore[return-value]
        sql, params = compile_insert(info, values, dialect, on_conflict=on_conflict)
        result = await self.execute(sql, params)
        key = {name: values.get(name) for name in info.primary_key}
        auto = info.autoincrement
        if auto is not None and key.get(auto) is None:
            key[auto] = result.lastrowid
        if key and all(v is not None for v in key.values()):
            found = await self.get(type(record), key)
            if found is not None:
                return found
        return info.construct(_with_virtual(info, values, record))  # type: ignore[return-value]

    @overload
    async def update(self, target: Changeset[S]) -> Ok[S] | Err[Changeset[S]]: ...
    @overload
    async def update(self, target: S) -> S: ...
    async def update(self, target: Any) -> Any:
        """Write a changeset's changes (or every field of an instance) to its row.

        A changeset without changes writes nothing. ``updated_at`` is refreshed. Results
        are as for :meth:`insert`. On MySQL (no ``UPDATE … RETURNING``) the row is
        re-selected after the update.

        Raises:
            NotFound: The row no longer exists.
            ValueError: The changeset is for a new record (use :meth:`insert`).
        """
        if isinstance(target, Changeset):
            cs = target
            cs.action = "update"
            if cs.data is None:
                raise ValueError("update() needs a changeset of an existing record: use insert()")
            if not cs.valid:
                return Err(cs)
            info = cs.schema.__schema__
            changes = {k: v for k, v in cs.changes.items() if not info.fields[k].virtual}
            if not changes:
                return Ok(cs.apply_changes())
            try:
                stored = await self._guarded(cs, self._update_record(cs.data, changes))
            except ConstraintError as exc:
                if cs.constraint_error(exc):
                    return Err(cs)
                raise
            virtual = {k: v for k, v in cs.changes.items() if k not in changes}
            return Ok(stored.model_copy(update=virtual) if virtual else stored)
        info = type(target).__schema__
        changes = {s.name: getattr(target, s.name) for s in info.persisted if not s.primary_key}
        return await self._update_record(target, changes)

    async def update_or_raise(self, target: Changeset[S] | S) -> S:
        """Update and return the record; an invalid changeset raises :class:`InvalidChangeset`."""
        return _unwrap(await self.update(target), "update")

    async def _update_record(self, data: S, changes: dict[str, Any]) -> S:
        schema = type(data)
        info = schema.__schema__
        stamps = info.timestamps
        if stamps is not None and stamps.updated_at is not None:
            changes.setdefault(stamps.updated_at, _now())
        where = _key_of(info, data, "update")
        dialect = self._dialect or await self.dialect()
        if dialect.supports_returning_update:
            sql, params = compile_update(info, changes, where, dialect, returning=True)
            rows = await self.fetch(sql, params)
            if not rows.rows:
                raise NotFound(f"{info.name} {where} no longer exists (update found no row)")
            return dialect.loader(info)(rows.rows[0])  # type: ignore[return-value]
        sql, params = compile_update(info, changes, where, dialect)
        result = await self.execute(sql, params)
        if result.rowcount == 0:
            raise NotFound(f"{info.name} {where} no longer exists (update found no row)")
        return await self.get_or_raise(schema, {k: changes.get(k, v) for k, v in where.items()})

    @overload
    async def delete(self, target: Changeset[S]) -> Ok[S] | Err[Changeset[S]]: ...
    @overload
    async def delete(self, target: S) -> S: ...
    async def delete(self, target: Any) -> Any:
        """Delete a record (an instance, or a changeset of one) by its primary key.

        With a changeset, a declared ``foreign_key_constraint`` turns a violation (rows
        still referencing this one) into an error.

        Raises:
            NotFound: The row no longer exists.
        """
        if isinstance(target, Changeset):
            cs = target
            cs.action = "delete"
            if cs.data is None:
                raise ValueError("delete() needs a changeset of an existing record")
            if not cs.valid:
                return Err(cs)
            try:
                return Ok(await self._guarded(cs, self._delete_record(cs.data)))
            except ConstraintError as exc:
                if cs.constraint_error(exc):
                    return Err(cs)
                raise
        return await self._delete_record(target)

    async def _delete_record(self, record: S) -> S:
        info = type(record).__schema__
        where = _key_of(info, record, "delete")
        dialect = self._dialect or await self.dialect()
        sql, params = compile_delete(info, where, dialect)
        if (await self.execute(sql, params)).rowcount == 0:
            raise NotFound(f"{info.name} {where} no longer exists (delete found no row)")
        return record

    async def reload(self, record: S) -> S:
        """The record as currently stored.

        Raises:
            NotFound: It no longer exists.
        """
        info = type(record).__schema__
        return await self.get_or_raise(type(record), _key_of(info, record, "reload"))

    @overload
    async def insert_all(
        self,
        schema: type[S],
        rows: Sequence[Mapping[str, Any] | S],
        *,
        on_conflict: OnConflict | None = None,
        returning: Literal[False] = False,
        batch_size: int | None = None,
    ) -> int: ...
    @overload
    async def insert_all(
        self,
        schema: type[S],
        rows: Sequence[Mapping[str, Any] | S],
        *,
        on_conflict: OnConflict | None = None,
        returning: Literal[True],
        batch_size: int | None = None,
    ) -> list[S]: ...
    async def insert_all(
        self,
        schema: type[S],
        rows: Sequence[Mapping[str, Any] | S],
        *,
        on_conflict: OnConflict | None = None,
        returning: bool = False,
        batch_size: int | None = None,
    ) -> int | list[S]:
        """Insert many rows with as few statements as possible (no validation).

        Rows are ``{field: value}`` dicts or instances; a field missing from a dict gets
        the schema's default; timestamps are filled in. Several statements (more rows
        than one statement's parameter limit, or ``batch_size``) run in one transaction.

        Args:
            schema: The schema class.
            rows: The rows.
            on_conflict: Upsert behaviour for every row.
            returning: Return the stored instances instead of the count (not on MySQL).
            batch_size: At most this many rows per statement.

        Returns:
            The number of rows written (MySQL counts an upsert's update as 2), or the rows.
        """
        if not rows:
            return [] if returning else 0
        info = schema.__schema__
        values = _normalise_rows(info, rows)
        dialect = self._dialect or await self.dialect()
        statements = compile_insert_all(
            info,
            values,
            dialect,
            returning=returning,
            on_conflict=on_conflict,
            batch_size=batch_size,
        )
        if len(statements) == 1:
            return await self._run_insert_all(statements, info, dialect, returning=returning)
        result: int | list[S] = 0
        async with self.transaction():
            result = await self._run_insert_all(statements, info, dialect, returning=returning)
        return result  # noqa: RET504 - the block may swallow a rollback, so mypy needs this

    async def _run_insert_all(
        self,
        statements: list[Compiled],
        info: SchemaInfo,
        dialect: Dialect,
        *,
        returning: bool,
    ) -> int | list[S]:
        if returning:
            load = dialect.loader(info)
            stored: list[Any] = []
            for sql, params in statements:
                stored.extend(load(row) for row in (await self.fetch(sql, params)).rows)
            return stored
        count = 0
        for sql, params in statements:
            count += max(0, (await self.execute(sql, params)).rowcount)
        return count

    async def update_all(self, query: Query[Any] | type[Schema], **values: Any) -> int:
        """``UPDATE`` every row the query matches; values may be expressions.

        Timestamps are not touched (set ``updated_at=...`` yourself if needed).

        Example:
            >>> inactive = User.query().where(active=False)
            >>> await repo.update_all(inactive, role="guest")  # doctest: +SKIP

        Returns:
            The number of rows matched.
        """
        dialect = self._dialect or await self.dialect()
        sql, params = compile_update_all(_as_query(query), values, dialect)
        return (await self.execute(sql, params)).rowcount

    async def delete_all(self, query: Query[Any] | type[Schema]) -> int:
        """``DELETE`` every row the query matches; returns how many."""
        dialect = self._dialect or await self.dialect()
        sql, params = compile_delete_all(_as_query(query), dialect)
        return (await self.execute(sql, params)).rowcount


def _as_query(query: Query[S] | type[S]) -> Query[S]:
    return query if isinstance(query, Query) else query.query()


def _load(dialect: Dialect, query: Query[Any], rows: list[tuple[Any, ...]]) -> list[Any]:
    if query.selects is None and query.info is not None:
        load = dialect.loader(query.info)
        return [load(row) for row in rows]
    convert = dialect.row_converter([spec for _, _, spec in query.result_columns()])
    return [convert(row) for row in rows]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _key_of(info: SchemaInfo, record: Schema, action: str) -> dict[str, Any]:
    if not info.primary_key:
        raise ValueError(f"cannot {action} a {info.name}: the schema has no primary key")
    key = info.pk_values(record)
    if any(v is None for v in key.values()):
        raise ValueError(f"cannot {action} a {info.name} whose primary key is not set: {key}")
    return key


def _with_virtual(info: SchemaInfo, values: dict[str, Any], record: Schema) -> dict[str, Any]:
    data = {spec.name: values.get(spec.name) for spec in info.persisted}
    return data | {k: v for k, v in record.__dict__.items() if k not in data}


def _unwrap(result: Ok[S] | Err[Changeset[S]] | S, action: str) -> S:
    if isinstance(result, Err):
        cs = result.changeset
        raise InvalidChangeset(f"could not {action} {cs.schema.__name__}: {cs.errors}", cs)
    return result.value if isinstance(result, Ok) else result


def _normalise_rows(
    info: SchemaInfo, rows: Sequence[Mapping[str, Any] | Schema]
) -> list[dict[str, Any]]:
    out = [info.insert_values(row) if isinstance(row, Schema) else dict(row) for row in rows]
    names: dict[str, None] = {}
    for row in out:
        names.update(dict.fromkeys(row))
    stamps = info.timestamps
    now = _now()
    stamp_names = () if stamps is None else (stamps.inserted_at, stamps.updated_at)
    for stamp in stamp_names:
        if stamp is not None:
            names.setdefault(stamp, None)
    fields = info.schema.model_fields
    for spec in info.persisted:  # schema defaults other than None apply, as for insert()
        field = fields[spec.name]
        if spec.name not in names and (
            field.default_factory is not None or field.default not in (None, PydanticUndefined)
        ):
            names[spec.name] = None
    for index, row in enumerate(out):
        if len(row) == len(names) and not stamp_names:
            continue
        for name in names:
            if row.get(name) is None and name in stamp_names:
                row[name] = now
            elif name not in row:
                info_field = fields.get(name)
                if info_field is None or info_field.is_required():
                    raise ValueError(
                        f"insert_all row {index} of {info.name} has no value for {name!r} "
                        "and the field has no default"
                    )
                row[name] = info_field.get_default(call_default_factory=True)
    return out
