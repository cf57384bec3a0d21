"""Compile ``INSERT`` statements, with upserts and batching under the parameter limit.

The SQL of a plain insert (no expression values) is cached per schema, field list, row count,
``RETURNING`` list and conflict behaviour, so a repeated insert only adapts new values.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from zzz_db.dialects import get_dialect
from zzz_db.exceptions import QueryError
from zzz_db.query.builder.upsert import OnConflict
from zzz_db.query.compile.common import (
    Compiled,
    check_returning,
    field_spec,
    remember,
    render_returning,
    returning_names,
    schema_info,
)
from zzz_db.query.expr import Ctx, Expr

if TYPE_CHECKING:
    from zzz_db.dialects.base import Dialect
    from zzz_db.fields import FieldSpec
    from zzz_db.schema import Schema, SchemaInfo

__all__ = [
    "compile_insert",
    "compile_insert_all",
]


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
    info = schema_info(schema)
    dialect = get_dialect(dialect)
    batch: Sequence[Mapping[str, Any]] = [rows] if isinstance(rows, Mapping) else rows
    if not batch:
        raise QueryError("insert needs at least one row")
    fields = tuple(batch[0])
    specs = [field_spec(info, name, "insert") for name in fields]
    names = returning_names(info, returning)
    check_returning(dialect, "insert", names)
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
            remember(info.cache, key, sql)
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
    render_returning(ctx, info, names)


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
