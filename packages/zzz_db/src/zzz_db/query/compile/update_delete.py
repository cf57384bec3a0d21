"""Compile ``UPDATE`` and ``DELETE`` statements: of one row by key, or of a query's rows.

A query with joins, ordering, limit or offset is scoped through its primary key
(``WHERE id IN (SELECT id ...)``; on MySQL through a derived table, which it requires).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from zzz_db.dialects import get_dialect
from zzz_db.exceptions import QueryError
from zzz_db.query.builder.query import Query
from zzz_db.query.compile.common import (
    Compiled,
    check_returning,
    field_spec,
    render_conditions,
    render_returning,
    render_where_mapping,
    returning_names,
    schema_info,
)
from zzz_db.query.expr import Ctx, Expr, TableSource, coerce

if TYPE_CHECKING:
    from zzz_db.dialects.base import Dialect
    from zzz_db.schema import Schema, SchemaInfo

__all__ = [
    "compile_delete",
    "compile_delete_all",
    "compile_update",
    "compile_update_all",
]


def compile_update(
    schema: type[Schema] | SchemaInfo,
    changes: Mapping[str, Any],
    where: Mapping[str, Any],
    dialect: Dialect | str,
    *,
    returning: Iterable[str] | bool = (),
) -> Compiled:
    """``UPDATE table SET field = ?, ... WHERE key = ? AND ...`` (one row by its key).

    Args:
        schema: The schema class.
        changes: ``{field: value}`` to set; values may be expressions (``User.c.n + 1``).
        where: ``{field: value}`` identifying the row (usually the primary key; ``None``
            means ``IS NULL``).
        dialect: The target dialect.
        returning: Field names to return, or ``True`` for all.

    Raises:
        QueryError: No changes, unknown fields, or ``RETURNING`` unsupported.
    """
    info = schema_info(schema)
    dialect = get_dialect(dialect)
    if not changes:
        raise QueryError(f"update of {info.name} has no changes")
    if not where:
        raise QueryError(f"update of {info.name} needs a where mapping (use update_all)")
    names = returning_names(info, returning)
    check_returning(dialect, "update", names)
    ctx = Ctx(dialect)
    ctx.parts.append("UPDATE " + dialect.quote(info.table) + " SET ")  # noqa: S608 - quoted identifiers only
    _render_assignments(ctx, info, changes)
    render_where_mapping(ctx, info, where, qualify=False, bind=True)
    render_returning(ctx, info, names)
    return Compiled(ctx.text(), ctx.params)


def _render_assignments(ctx: Ctx, info: SchemaInfo, changes: Mapping[str, Any]) -> None:
    quote = ctx.dialect.quote
    for index, (name, value) in enumerate(changes.items()):
        spec = field_spec(info, name, "update")
        if index:
            ctx.parts.append(", ")
        ctx.parts.append(quote(spec.column) + " = ")
        if isinstance(value, Expr):
            value.sql(ctx)
        else:
            ctx.bind(value, spec)


def compile_delete(
    schema: type[Schema] | SchemaInfo,
    where: Mapping[str, Any],
    dialect: Dialect | str,
    *,
    returning: Iterable[str] | bool = (),
) -> Compiled:
    """``DELETE FROM table WHERE key = ? AND ...`` (one row by its key)."""
    info = schema_info(schema)
    dialect = get_dialect(dialect)
    if not where:
        raise QueryError(f"compile_delete({info.name}) needs a where mapping (use delete_all)")
    names = returning_names(info, returning)
    check_returning(dialect, "delete", names)
    ctx = Ctx(dialect)
    ctx.parts.append("DELETE FROM " + dialect.quote(info.table))  # noqa: S608 - quoted identifiers only
    render_where_mapping(ctx, info, where, qualify=False, bind=True)
    render_returning(ctx, info, names)
    return Compiled(ctx.text(), ctx.params)


def _query_info(query: Query[Any], what: str) -> SchemaInfo:
    info = query.info
    if info is None:
        raise QueryError(f"{what} needs a query over a schema, not a subquery")
    return info


def _is_simple(query: Query[Any]) -> bool:
    source = query.source
    return (
        isinstance(source, TableSource)
        and source.alias is None
        and not query.joins
        and query.limit_ is None
        and query.offset_ is None
        and not query.order
        and not query.group
        and not query.having_
        and not query.distinct_
        and query.selects is None
    )


def _render_query_filter(ctx: Ctx, query: Query[Any], info: SchemaInfo) -> None:
    if _is_simple(query):
        render_conditions(ctx, " WHERE ", query.wheres)
        return
    if not info.primary_key:
        raise QueryError(f"{info.name} has no primary key: joins/limits cannot scope the write")
    dialect = ctx.dialect
    keys = [query.source.column(name) for name in info.primary_key]
    inner = query.select(*keys).unlock()
    target = [dialect.qualified(info.table, info.fields[n].column) for n in info.primary_key]
    lhs = target[0] if len(target) == 1 else "(" + ", ".join(target) + ")"
    ctx.parts.append(" WHERE " + lhs + " IN (")
    if dialect.name == "mysql":
        sub = inner.subquery("_ids")
        Query(sub).select(*(sub.column(k.name) for k in keys)).render_select(ctx)
    else:
        inner.render_select(ctx)
    ctx.parts.append(")")


def compile_update_all(
    query: Query[Any],
    set: Mapping[str, Any],
    dialect: Dialect | str,
    *,
    returning: Iterable[str] | bool = (),
) -> Compiled:
    """``UPDATE table SET ... WHERE <the query's conditions>``.

    A query with joins, ordering, limit or offset scopes the update through its primary
    keys (``WHERE id IN (SELECT id ...)``).
    """
    info = _query_info(query, "update_all")
    dialect = get_dialect(dialect)
    if not set:
        raise QueryError(f"update_all on {info.name} has nothing to set")
    names = returning_names(info, returning)
    check_returning(dialect, "update", names)
    ctx = Ctx(dialect)
    ctx.parts.append("UPDATE " + dialect.quote(info.table) + " SET ")  # noqa: S608 - quoted identifiers only
    _render_assignments(ctx, info, {k: coerce(v, info.source.column(k)) for k, v in set.items()})
    _render_query_filter(ctx, query, info)
    render_returning(ctx, info, names)
    return Compiled(ctx.text(), ctx.params)


def compile_delete_all(
    query: Query[Any], dialect: Dialect | str, *, returning: Iterable[str] | bool = ()
) -> Compiled:
    """``DELETE FROM table WHERE <the query's conditions>`` (scoped like ``update_all``)."""
    info = _query_info(query, "delete_all")
    dialect = get_dialect(dialect)
    names = returning_names(info, returning)
    check_returning(dialect, "delete", names)
    ctx = Ctx(dialect)
    ctx.parts.append("DELETE FROM " + dialect.quote(info.table))  # noqa: S608 - quoted identifiers only
    _render_query_filter(ctx, query, info)
    render_returning(ctx, info, names)
    return Compiled(ctx.text(), ctx.params)
