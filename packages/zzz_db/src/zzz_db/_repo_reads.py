"""The Repo's schema-aware reads: ``all``, ``get``, ``one``, ``exists``, ``stream``, …"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import aclosing
from typing import Any, TypeVar

from zzz_db._repo_session import _Session
from zzz_db.adapters import Rows
from zzz_db.dialects import Dialect
from zzz_db.exceptions import MultipleResultsFound, NotFound
from zzz_db.query.builder import Query
from zzz_db.query.compile import compile_aggregate, compile_exists, compile_get, compile_select
from zzz_db.schema import Schema, SchemaInfo

__all__: list[str] = []

S = TypeVar("S", bound=Schema)


class _Reads(_Session):
    """Queries loading rows into schema instances."""

    async def _select(self, query: Query[Any]) -> tuple[Dialect, Rows]:
        dialect = self._dialect or await self.dialect()
        sql, params = compile_select(query, dialect)
        return dialect, await self.fetch(sql, params)

    async def all(self, query: Query[S] | type[S]) -> list[S]:
        """Every row of a query, loaded into schema instances.

        A query with ``select(...)`` returns tuples instead (use :meth:`rows` for a
        precise type).

        Example::

            adults = await repo.all(User.query().where(age__gte=18))
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

        Example::

            active = await repo.aggregate(User.query().where(active=True), "count")  # an int
            oldest = await repo.aggregate(User, "max", "age")  # converted like the field
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

    async def reload(self, record: S) -> S:
        """The record as currently stored.

        Raises:
            NotFound: It no longer exists.
        """
        info = type(record).__schema__
        return await self.get_or_raise(type(record), _key_of(info, record, "reload"))


def _as_query(query: Query[S] | type[S]) -> Query[S]:
    return query if isinstance(query, Query) else query.query()


def _load(dialect: Dialect, query: Query[Any], rows: list[tuple[Any, ...]]) -> list[Any]:
    if query.selects is None and query.info is not None:
        load = dialect.loader(query.info)
        return [load(row) for row in rows]
    convert = dialect.row_converter([spec for _, _, spec in query.result_columns()])
    return [convert(row) for row in rows]


def _key_of(info: SchemaInfo, record: Schema, action: str) -> dict[str, Any]:
    if not info.primary_key:
        raise ValueError(f"cannot {action} a {info.name}: the schema has no primary key")
    key = info.pk_values(record)
    if any(v is None for v in key.values()):
        raise ValueError(f"cannot {action} a {info.name} whose primary key is not set: {key}")
    return key
