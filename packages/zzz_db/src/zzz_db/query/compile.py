"""Compile queries and write statements to ``(sql, params)`` for a dialect.

Every function returns a :class:`Compiled` (a named tuple ``(sql, params)``): the SQL text with
the dialect's placeholders and the parameters already adapted for its driver. Nothing from a
value ever reaches the SQL text. Results are cached: a query caches its own compiled form per
dialect, and the statement shapes of ``compile_get``/``compile_insert``/``compile_update``/
``compile_delete`` are cached per schema, so repeated statements only bind new values.

Pass the parameters as a list even when empty: with ``%s`` placeholders the drivers only
un-double ``%%`` when parameters are given.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from zzz_db.dialects import get_dialect
from zzz_db.exceptions import QueryError
from zzz_db.query.builder import OnConflict, Query
from zzz_db.query.expr import COMPARE, Ctx, Expr, TableSource, coerce, operand

if TYPE_CHECKING:
    from zzz_db.dialects.base import Dialect
    from zzz_db.fields import FieldSpec
    from zzz_db.schema import Schema, SchemaInfo

__all__ = [
    "Compiled",
    "compile_aggregate",
    "compile_create_table",
    "compile_delete",
    "compile_delete_all",
    "compile_exists",
    "compile_get",
    "compile_insert",
    "compile_insert_all",
    "compile_select",
    "compile_update",
    "compile_update_all",
    "render_select",
    "result_loader",
]

_CACHE_LIMIT = 256


class Compiled(NamedTuple):
    """A compiled statement: SQL text and its parameters."""

    sql: str
    params: list[Any]


def _info(schema: type[Schema] | SchemaInfo) -> SchemaInfo:
    from zzz_db.schema import SchemaInfo

    if isinstance(schema, SchemaInfo):
        return schema
    info = schema.__dict__.get("__schema__")
    if info is None:
        raise QueryError(f"{schema.__name__} is not a concrete schema (declare table=...)")
    return info  # type: ignore[no-any-return]


def _spec(info: SchemaInfo, name: str, what: str) -> FieldSpec:
    spec = info.fields.get(name)
    if spec is None or spec.virtual:
        known = ", ".join(s.name for s in info.persisted)
        raise QueryError(f"{what}: {info.name} has no persisted field {name!r} (fields: {known})")
    return spec


def _remember(cache: dict[Any, Any], key: Any, value: Any) -> None:
    if len(cache) >= _CACHE_LIMIT:
        cache.clear()
    cache[key] = value


# -- SELECT ------------------------------------------------------------------------------------
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
    _render_conditions(ctx, " WHERE ", query.wheres)
    if query.group:
        parts.append(" GROUP BY ")
        for index, item in enumerate(query.group):
            if index:
                parts.append(", ")
            item.sql(ctx)
    _render_conditions(ctx, " HAVING ", query.having_)
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


def _render_conditions(ctx: Ctx, keyword: str, conditions: tuple[Expr, ...]) -> None:
    if not conditions:
        return
    ctx.parts.append(keyword)
    if len(conditions) == 1:
        conditions[0].sql(ctx)
        return
    for index, condition in enumerate(conditions):
        if index:
            ctx.parts.append(" AND ")
        operand(ctx, condition, COMPARE)


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
    info = _info(schema)
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
        _render_where_mapping(ctx, info, where, qualify=True)
        found = info.cache[key] = ctx.text()
    return found


# -- INSERT ------------------------------------------------------------------------------------
def _returning(info: SchemaInfo, returning: Iterable[str] | bool) -> tuple[str, ...]:
    if returning is True:
        return tuple(s.name for s in info.persisted)
    if returning is False:
        return ()
    names = (returning,) if isinstance(returning, str) else tuple(returning)
    for name in names:
        _spec(info, name, "returning")
    return names


def _render_returning(ctx: Ctx, info: SchemaInfo, names: tuple[str, ...]) -> None:
    if names:
        quote = ctx.dialect.quote
        ctx.parts.append(" RETURNING " + ", ".join(quote(info.fields[n].column) for n in names))


def _check_returning(dialect: Dialect, statement: str, names: tuple[str, ...]) -> None:
    if names and not getattr(dialect, f"supports_returning_{statement}"):
        raise QueryError(f"{dialect!r} does not support {statement.upper()} ... RETURNING")


def compile_insert(
    schema: type[Schema] | SchemaInfo,
    rows: Mapping[str, Any] | Sequence[Mapping[str, Any]],
    dialect: Dialect | str,
    *,
    returning: Iterable[str] | bool = (),
    on_conflict: OnConflict | None = None,
) -> Compiled:
    """``INSERT INTO table (fields...) VALUES (...), ...`` in one statement.

    Args:
        schema: The schema class (or its ``__schema__``).
        rows: One row or several, each ``{field_name: value}``; every row must have the same
            fields. Values may be expressions (``fragment("CURRENT_TIMESTAMP")``).
        dialect: The target dialect.
        returning: Field names to return, or ``True`` for every persisted field.
        on_conflict: Upsert behaviour (:class:`~zzz_db.query.builder.OnConflict`).

    Returns:
        The statement; ``RETURNING`` rows come in ``returning`` order.

    Raises:
        QueryError: Unknown/virtual field, rows with different fields, too many parameters
            for one statement (use :func:`compile_insert_all`), or ``RETURNING`` on a
            dialect without it.
    """
    info = _info(schema)
    dialect = get_dialect(dialect)
    batch: Sequence[Mapping[str, Any]] = [rows] if isinstance(rows, Mapping) else rows
    if not batch:
        raise QueryError("insert needs at least one row")
    fields = tuple(batch[0])
    specs = [_spec(info, name, "insert") for name in fields]
    names = _returning(info, returning)
    _check_returning(dialect, "insert", names)
    if on_conflict is not None:
        on_conflict.check(info)
    if len(batch) * len(fields) > dialect.max_params:
        raise QueryError(
            f"insert of {len(batch)} rows x {len(fields)} fields exceeds {dialect!r}'s "
            f"{dialect.max_params} parameters; use compile_insert_all to batch"
        )
    if not fields and len(batch) > 1:
        raise QueryError("a multi-row insert needs at least one field per row")
    expected = set(fields)
    plain = True
    for index, row in enumerate(batch):
        if len(row) != len(fields) or row.keys() != expected:
            raise QueryError(
                f"insert row {index} has fields {sorted(row)}, expected {sorted(fields)}"
            )
        if plain and any(isinstance(v, Expr) for v in row.values()):
            plain = False
    if plain and (on_conflict is None or not on_conflict.set):
        key = ("insert", dialect, fields, len(batch), names, on_conflict)
        sql: str | None = info.cache.get(key)
        adapt = dialect.adapt
        params = [
            adapt(row[name], spec)
            for row in batch
            for name, spec in zip(fields, specs, strict=True)
        ]
        if sql is None:
            ctx = Ctx(dialect)
            _render_insert(
                ctx,
                info,
                fields=fields,
                specs=specs,
                batch=batch,
                names=names,
                on_conflict=on_conflict,
            )
            sql = ctx.text()
            _remember(info.cache, key, sql)
        return Compiled(sql, params)
    ctx = Ctx(dialect)
    _render_insert(
        ctx, info, fields=fields, specs=specs, batch=batch, names=names, on_conflict=on_conflict
    )
    return Compiled(ctx.text(), ctx.params)


def _render_insert(
    ctx: Ctx,
    info: SchemaInfo,
    *,
    fields: tuple[str, ...],
    specs: list[FieldSpec],
    batch: Sequence[Mapping[str, Any]],
    names: tuple[str, ...],
    on_conflict: OnConflict | None,
) -> None:
    dialect = ctx.dialect
    parts = ctx.parts
    parts.append(dialect.insert_prefix(on_conflict) + dialect.quote(info.table))
    if not fields:
        dialect.render_default_values(ctx)
    else:
        parts.append(" (" + ", ".join(dialect.quote(s.column) for s in specs) + ") VALUES ")
        for row_index, row in enumerate(batch):
            parts.append(", (" if row_index else "(")
            for index, (name, spec) in enumerate(zip(fields, specs, strict=True)):
                if index:
                    parts.append(", ")
                value = row[name]
                if isinstance(value, Expr):
                    value.sql(ctx)
                else:
                    ctx.bind(value, spec)
            parts.append(")")
    if on_conflict is not None:
        dialect.render_upsert(ctx, info, fields, on_conflict)
    _render_returning(ctx, info, names)


def compile_insert_all(
    schema: type[Schema] | SchemaInfo,
    rows: Sequence[Mapping[str, Any]],
    dialect: Dialect | str,
    *,
    returning: Iterable[str] | bool = (),
    on_conflict: OnConflict | None = None,
    batch_size: int | None = None,
) -> list[Compiled]:
    """Compile many rows into as few ``INSERT`` statements as the parameter limit allows.

    Args:
        schema: The schema class.
        rows: ``{field_name: value}`` rows, all with the same fields.
        dialect: The target dialect.
        returning: As :func:`compile_insert`.
        on_conflict: As :func:`compile_insert`.
        batch_size: At most this many rows per statement (default: as many as fit).

    Returns:
        The statements, in row order (empty for no rows).
    """
    dialect = get_dialect(dialect)
    if not rows:
        return []
    width = max(1, len(rows[0]))
    per = max(1, dialect.max_params // width)
    if batch_size is not None:
        if batch_size < 1:
            raise QueryError(f"batch_size must be at least 1, not {batch_size}")
        per = min(per, batch_size)
    if not rows[0]:
        per = 1
    return [
        compile_insert(
            schema, rows[i : i + per], dialect, returning=returning, on_conflict=on_conflict
        )
        for i in range(0, len(rows), per)
    ]


# -- UPDATE / DELETE by key --------------------------------------------------------------------
def _render_where_mapping(
    ctx: Ctx, info: SchemaInfo, where: Mapping[str, Any], *, qualify: bool, bind: bool = False
) -> None:
    dialect = ctx.dialect
    parts = ctx.parts
    parts.append(" WHERE ")
    for index, (name, value) in enumerate(where.items()):
        spec = _spec(info, name, "where")
        if index:
            parts.append(" AND ")
        column = (
            dialect.qualified(info.table, spec.column) if qualify else dialect.quote(spec.column)
        )
        if bind and value is None:
            parts.append(column + " IS NULL")
            continue
        parts.append(column + " = ")
        if bind:
            ctx.bind(value, spec)
        else:
            parts.append(ctx.placeholder)


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
    info = _info(schema)
    dialect = get_dialect(dialect)
    if not changes:
        raise QueryError(f"update of {info.name} has no changes")
    if not where:
        raise QueryError(f"update of {info.name} needs a where mapping (use update_all)")
    names = _returning(info, returning)
    _check_returning(dialect, "update", names)
    ctx = Ctx(dialect)
    ctx.parts.append("UPDATE " + dialect.quote(info.table) + " SET ")  # noqa: S608 - quoted identifiers only
    _render_assignments(ctx, info, changes)
    _render_where_mapping(ctx, info, where, qualify=False, bind=True)
    _render_returning(ctx, info, names)
    return Compiled(ctx.text(), ctx.params)


def _render_assignments(ctx: Ctx, info: SchemaInfo, changes: Mapping[str, Any]) -> None:
    quote = ctx.dialect.quote
    for index, (name, value) in enumerate(changes.items()):
        spec = _spec(info, name, "update")
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
    info = _info(schema)
    dialect = get_dialect(dialect)
    if not where:
        raise QueryError(f"compile_delete({info.name}) needs a where mapping (use delete_all)")
    names = _returning(info, returning)
    _check_returning(dialect, "delete", names)
    ctx = Ctx(dialect)
    ctx.parts.append("DELETE FROM " + dialect.quote(info.table))  # noqa: S608 - quoted identifiers only
    _render_where_mapping(ctx, info, where, qualify=False, bind=True)
    _render_returning(ctx, info, names)
    return Compiled(ctx.text(), ctx.params)


# -- DDL ----------------------------------------------------------------------------------------
def compile_create_table(
    schema: type[Schema] | SchemaInfo, dialect: Dialect | str, *, if_not_exists: bool = False
) -> str:
    """``CREATE TABLE`` for a schema: its persisted columns, primary key, ``NOT NULL`` for
    non-nullable fields and ``UNIQUE`` for ``field(unique=True)``.

    Meant for tests, scripts and the start of a migration; foreign keys, indexes and
    defaults are left to migrations. Column types come from
    :meth:`~zzz_db.dialects.base.Dialect.column_type`.
    """
    info = _info(schema)
    dialect = get_dialect(dialect)
    quote = dialect.quote
    columns: list[str] = []
    for spec in info.persisted:
        if spec.name == info.autoincrement:
            columns.append(f"{quote(spec.column)} {dialect.autoincrement_column}")
            continue
        definition = f"{quote(spec.column)} {dialect.column_type(spec)}"
        if not spec.nullable:
            definition += " NOT NULL"
        if spec.options.unique:
            definition += " UNIQUE"
        columns.append(definition)
    if info.primary_key and info.autoincrement is None:
        keys = ", ".join(quote(info.fields[name].column) for name in info.primary_key)
        columns.append(f"PRIMARY KEY ({keys})")
    exists = "IF NOT EXISTS " if if_not_exists else ""
    return f"CREATE TABLE {exists}{quote(info.table)} ({', '.join(columns)})"


# -- UPDATE / DELETE from a query --------------------------------------------------------------
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
        _render_conditions(ctx, " WHERE ", query.wheres)
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
    names = _returning(info, returning)
    _check_returning(dialect, "update", names)
    ctx = Ctx(dialect)
    ctx.parts.append("UPDATE " + dialect.quote(info.table) + " SET ")  # noqa: S608 - quoted identifiers only
    _render_assignments(ctx, info, {k: coerce(v, info.source.column(k)) for k, v in set.items()})
    _render_query_filter(ctx, query, info)
    _render_returning(ctx, info, names)
    return Compiled(ctx.text(), ctx.params)


def compile_delete_all(
    query: Query[Any], dialect: Dialect | str, *, returning: Iterable[str] | bool = ()
) -> Compiled:
    """``DELETE FROM table WHERE <the query's conditions>`` (scoped like ``update_all``)."""
    info = _query_info(query, "delete_all")
    dialect = get_dialect(dialect)
    names = _returning(info, returning)
    _check_returning(dialect, "delete", names)
    ctx = Ctx(dialect)
    ctx.parts.append("DELETE FROM " + dialect.quote(info.table))  # noqa: S608 - quoted identifiers only
    _render_query_filter(ctx, query, info)
    _render_returning(ctx, info, names)
    return Compiled(ctx.text(), ctx.params)
