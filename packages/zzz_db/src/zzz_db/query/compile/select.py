"""Compile ``SELECT`` statements: queries, ``EXISTS``, aggregates and get-by-key.

A query caches its compiled SQL per dialect, and :func:`compile_get` caches its statement per
schema, so a repeated statement only binds new values.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from zzz_db.dialects import get_dialect
from zzz_db.exceptions import QueryError
from zzz_db.query.builder.query import Query
from zzz_db.query.compile.common import (
    Compiled,
    render_conditions,
    render_where_mapping,
    schema_info,
)
from zzz_db.query.expr import Ctx, Expr, TableSource

if TYPE_CHECKING:
    from zzz_db.dialects.base import Dialect
    from zzz_db.schema import Schema, SchemaInfo

__all__ = [
    "compile_aggregate",
    "compile_exists",
    "compile_get",
    "compile_select",
    "render_select",
    "result_loader",
]


def render_select(query: Query[Any], ctx: Ctx) -> None:
    """Render ``query`` as a ``SELECT`` into ``ctx`` (used for statements and subqueries)."""
    parts = ctx.parts
    dialect = ctx.dialect
    parts.append("SELECT DISTINCT " if query.distinct_ else "SELECT ")
    if query.selects is None:
        parts.append(_default_columns(query, dialect))
    else:
        for index, item in enumerate(query.selects):
            if index:
                parts.append(", ")
            item.sql(ctx)
    parts.append(" FROM ")
    query.source.render_from(ctx)
    for join in query.joins:
        parts.append(f" {join.kind} JOIN ")
        join.source.render_from(ctx)
        parts.append(" ON ")
        join.on.sql(ctx)
    render_conditions(ctx, " WHERE ", query.wheres)
    if query.group:
        parts.append(" GROUP BY ")
        for index, item in enumerate(query.group):
            if index:
                parts.append(", ")
            item.sql(ctx)
    render_conditions(ctx, " HAVING ", query.having_)
    if query.order:
        parts.append(" ORDER BY ")
        for index, ordering in enumerate(query.order):
            if index:
                parts.append(", ")
            ordering.sql(ctx)
    if query.limit_ is not None or query.offset_ is not None:
        dialect.render_limit(ctx, query.limit_, query.offset_)
    if query.lock_ is not None:
        dialect.render_lock(ctx, query.lock_)


def _default_columns(query: Query[Any], dialect: Dialect) -> str:
    source = query.source
    if isinstance(source, TableSource):
        key = ("columns", dialect, source.ref)
        cache = source.info.cache
        found: str | None = cache.get(key)
        if found is None:
            ref = source.ref
            found = ", ".join(dialect.qualified(ref, c) for c in source.info.columns)
            cache[key] = found
        return found
    return ", ".join(dialect.qualified(source.ref, c) for _, c, _ in query.result_columns())


def compile_select(query: Query[Any], dialect: Dialect | str) -> Compiled:
    """Compile a query's ``SELECT``.

    Without ``select(...)`` the columns are the root schema's persisted fields in
    ``info.columns`` order (feed rows to :meth:`Dialect.loader`); with it, one column per
    selected expression (see :meth:`Query.result_columns` and :meth:`Dialect.row_converter`).

    Example:
        >>> from zzz_db.schema import Schema
        >>> class Item(Schema, table="items"):
        ...     name: str
        >>> compile_select(Item.query().where(name="x"), "sqlite").sql
        'SELECT "items"."id", "items"."name" FROM "items" WHERE "items"."name" = ?'
    """
    dialect = get_dialect(dialect)
    cache = query._cache
    if cache is None:
        cache = query._cache = {}
    found = cache.get(dialect)
    if found is None:
        ctx = Ctx(dialect)
        render_select(query, ctx)
        found = cache[dialect] = (ctx.text(), tuple(ctx.params))
    return Compiled(found[0], list(found[1]))


def result_loader(query: Query[Any], dialect: Dialect | str) -> Callable[[Sequence[Any]], Any]:
    """How to turn each row of ``compile_select(query)`` into a result value.

    Returns:
        Without ``select(...)``: the schema's instance loader (:meth:`Dialect.loader`); with
        it (or over a subquery): a converter producing tuples typed per selected column.
    """
    dialect = get_dialect(dialect)
    info = query.info
    if query.selects is None and info is not None:
        return dialect.loader(info)
    return dialect.row_converter([spec for _, _, spec in query.result_columns()])


def compile_aggregate(
    query: Query[Any], function: str, field: str | Expr | None, dialect: Dialect | str
) -> Compiled:
    """``SELECT function(field)`` over the query's rows (one row, one column)."""
    return compile_select(query.aggregate(function, field), dialect)


def compile_exists(query: Query[Any], dialect: Dialect | str) -> Compiled:
    """``SELECT EXISTS (query)``: one row whose single value is true when a row matches."""
    dialect = get_dialect(dialect)
    ctx = Ctx(dialect)
    ctx.parts.append("SELECT EXISTS (")
    render_select(query.reorder().unlock(), ctx)
    ctx.parts.append(")")
    return Compiled(ctx.text(), ctx.params)


def compile_get(schema: type[Schema] | SchemaInfo, dialect: Dialect | str) -> str:
    """The cached SQL fetching one row by primary key (parameters: the key, in field order).

    Raises:
        QueryError: The schema has no primary key.
    """
    info = schema_info(schema)
    dialect = get_dialect(dialect)
    key = ("get", dialect)
    found: str | None = info.cache.get(key)
    if found is None:
        if not info.primary_key:
            raise QueryError(f"{info.name} has no primary key")
        where = dict.fromkeys(info.primary_key)
        base: Query[Any] = Query(info.source)
        ctx = Ctx(dialect)
        render_select(base, ctx)
        render_where_mapping(ctx, info, where, qualify=True)
        found = info.cache[key] = ctx.text()
    return found
