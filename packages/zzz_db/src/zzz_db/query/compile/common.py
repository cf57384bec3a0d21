"""What the statement compilers share: the :class:`Compiled` result, schema and field
look-ups, the bounded statement cache, and the ``WHERE``/``RETURNING`` clause writers."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from zzz_db.exceptions import QueryError
from zzz_db.query.expr import COMPARE, Ctx, Expr, operand

if TYPE_CHECKING:
    from zzz_db.dialects.base import Dialect
    from zzz_db.fields import FieldSpec
    from zzz_db.schema import Schema, SchemaInfo

__all__ = [
    "CACHE_LIMIT",
    "Compiled",
    "check_returning",
    "field_spec",
    "remember",
    "render_conditions",
    "render_returning",
    "render_where_mapping",
    "returning_names",
    "schema_info",
]

#: The most statement shapes cached per schema (the cache is emptied when it is full).
CACHE_LIMIT = 256


class Compiled(NamedTuple):
    """A compiled statement: SQL text and its parameters."""

    sql: str
    params: list[Any]


def schema_info(schema: type[Schema] | SchemaInfo) -> SchemaInfo:
    """The metadata of a schema class (a :class:`SchemaInfo` passes through).

    Raises:
        QueryError: ``schema`` is abstract (declares no ``table=``).
    """
    from zzz_db.schema import SchemaInfo

    if isinstance(schema, SchemaInfo):
        return schema
    info = schema.__dict__.get("__schema__")
    if info is None:
        raise QueryError(f"{schema.__name__} is not a concrete schema (declare table=...)")
    return info  # type: ignore[no-any-return]


def field_spec(info: SchemaInfo, name: str, what: str) -> FieldSpec:
    """The persisted field ``name`` of ``info``.

    Raises:
        QueryError: No such persisted field (the message starts with ``what``).
    """
    spec = info.fields.get(name)
    if spec is None or spec.virtual:
        known = ", ".join(s.name for s in info.persisted)
        raise QueryError(f"{what}: {info.name} has no persisted field {name!r} (fields: {known})")
    return spec


def remember(cache: dict[Any, Any], key: Any, value: Any) -> None:
    """Store ``value`` in a statement cache bounded by :data:`CACHE_LIMIT`."""
    if len(cache) >= CACHE_LIMIT:
        cache.clear()
    cache[key] = value


def render_conditions(ctx: Ctx, keyword: str, conditions: tuple[Expr, ...]) -> None:
    """Render ``keyword`` (``" WHERE "``, ``" HAVING "``) and the ANDed ``conditions``."""
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


def render_where_mapping(
    ctx: Ctx, info: SchemaInfo, where: Mapping[str, Any], *, qualify: bool, bind: bool = False
) -> None:
    """Render `` WHERE col = ? AND ...`` for the fields of ``where``.

    Args:
        ctx: The statement being rendered.
        info: The schema the fields belong to.
        where: ``{field: value}``.
        qualify: Write ``"table"."column"`` rather than ``"column"``.
        bind: Bind the values (``None`` becomes ``IS NULL``); otherwise only placeholders are
            written and the caller supplies the parameters.
    """
    dialect = ctx.dialect
    parts = ctx.parts
    parts.append(" WHERE ")
    for index, (name, value) in enumerate(where.items()):
        spec = field_spec(info, name, "where")
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


def returning_names(info: SchemaInfo, returning: Iterable[str] | bool) -> tuple[str, ...]:
    """The field names of a ``returning=`` argument (``True``: every persisted field).

    Raises:
        QueryError: An unknown or virtual field.
    """
    if returning is True:
        return tuple(s.name for s in info.persisted)
    if returning is False:
        return ()
    names = (returning,) if isinstance(returning, str) else tuple(returning)
    for name in names:
        field_spec(info, name, "returning")
    return names


def check_returning(dialect: Dialect, statement: str, names: tuple[str, ...]) -> None:
    """Refuse ``RETURNING`` on a ``statement`` (``insert``/``update``/``delete``) the dialect
    cannot return from.

    Raises:
        QueryError: ``names`` is not empty and the dialect lacks the feature.
    """
    if names and not getattr(dialect, f"supports_returning_{statement}"):
        raise QueryError(f"{dialect!r} does not support {statement.upper()} ... RETURNING")


def render_returning(ctx: Ctx, info: SchemaInfo, names: tuple[str, ...]) -> None:
    """Render `` RETURNING col, ...`` (nothing when ``names`` is empty)."""
    if names:
        quote = ctx.dialect.quote
        ctx.parts.append(" RETURNING " + ", ".join(quote(info.fields[n].column) for n in names))
