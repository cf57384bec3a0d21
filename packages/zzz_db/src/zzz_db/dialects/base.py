"""The dialect interface: quoting, placeholders, capabilities, type adaptation, SQL variants.

A :class:`Dialect` is a sans-IO description of one database's SQL. The compiler asks it how to
quote names, which placeholder to use and how to render the pieces that differ between
databases (``ILIKE``, ``NULLS LAST``, ``LIMIT``/``OFFSET``, row locks, upserts, ``RETURNING``).
The adapters read its capability flags to emulate what the database lacks.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, TypeAlias, TypeVar, overload

import pydantic

from zzz_db.exceptions import QueryError
from zzz_db.types import (
    Kind,
    datetime_to_utc,
    decimal_from_db,
    json_dumps,
    json_loads,
    scalar_kind,
    uuid_from_db,
)

if TYPE_CHECKING:
    from zzz_db.fields import FieldSpec
    from zzz_db.query.builder import Lock, OnConflict
    from zzz_db.query.expr import Ctx, Like, Ordering
    from zzz_db.schema import Schema, SchemaInfo

__all__ = [
    "Converter",
    "Dialect",
]

S = TypeVar("S", bound="Schema")

#: A value conversion (applied to non-``None`` values only).
Converter: TypeAlias = Callable[[Any], Any]


def _enum_in(value: Any) -> Any:
    return value.value if isinstance(value, enum.Enum) else value


def _json_in(value: Any) -> Any:
    return json_dumps(value)


def _datetime_in(value: Any) -> Any:
    return datetime_to_utc(value) if isinstance(value, dt.datetime) else value


class Dialect:
    """Base dialect (PostgreSQL-like SQL); subclasses override what differs.

    Attributes:
        name: ``"sqlite"``, ``"postgres"`` or ``"mysql"``.
        paramstyle: ``"qmark"`` (``?``) or ``"format"`` (``%s``; literal ``%`` is doubled).
        placeholder: The parameter placeholder.
        supports_returning_insert: ``INSERT ... RETURNING`` works.
        supports_returning_update: ``UPDATE ... RETURNING`` works.
        supports_returning_delete: ``DELETE ... RETURNING`` works.
        supports_row_locks: ``FOR UPDATE``/``FOR SHARE`` are rendered (SQLite ignores them:
            it locks the whole database for a write transaction).
        supports_skip_locked: ``SKIP LOCKED``/``NOWAIT`` are available.
        supports_conflict_target: upserts honour a conflict target (MySQL ignores it: any
            unique key conflict triggers the update).
        supports_transactional_ddl: DDL can be rolled back.
        supports_savepoints: ``SAVEPOINT`` works.
        max_params: Bound parameters allowed per statement (``insert_all`` batches below it).
    """

    name: ClassVar[str] = "base"
    paramstyle: ClassVar[str] = "format"
    placeholder: ClassVar[str] = "%s"
    quote_char: ClassVar[str] = '"'
    supports_returning_insert: bool = True
    supports_returning_update: bool = True
    supports_returning_delete: bool = True
    supports_row_locks: bool = True
    supports_skip_locked: bool = True
    supports_conflict_target: bool = True
    supports_transactional_ddl: bool = True
    supports_savepoints: bool = True
    max_params: int = 65535

    def __init__(self) -> None:
        self._quoted: dict[str, str] = {}
        self._qualified: dict[tuple[str, str], str] = {}
        self._by_type: dict[type, Converter | None] = {}
        self._in_kinds = self.param_converters()

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"

    # -- names ---------------------------------------------------------------------------
    def quote(self, name: str) -> str:
        """Quote an identifier (``"name"``; quotes inside are doubled)."""
        found = self._quoted.get(name)
        if found is None:
            if "\x00" in name or not name:
                raise QueryError(f"invalid SQL identifier {name!r}")
            q = self.quote_char
            found = q + name.replace(q, q + q) + q
            if self.paramstyle == "format":
                found = found.replace("%", "%%")
            self._quoted[name] = found
        return found

    def qualified(self, table: str, column: str) -> str:
        """``"table"."column"`` (cached)."""
        key = (table, column)
        found = self._qualified.get(key)
        if found is None:
            found = self._qualified[key] = f"{self.quote(table)}.{self.quote(column)}"
        return found

    # -- values in -----------------------------------------------------------------------
    def param_converters(self) -> dict[Kind, Converter | None]:
        """Per-kind conversion of Python values into driver parameters."""
        return {
            Kind.INT: None,
            Kind.FLOAT: None,
            Kind.STR: None,
            Kind.BOOL: None,
            Kind.BYTES: None,
            Kind.DECIMAL: None,
            Kind.UUID: None,
            Kind.DATETIME: _datetime_in,
            Kind.DATE: None,
            Kind.TIME: None,
            Kind.ENUM: _enum_in,
            Kind.JSON: _json_in,
        }

    def adapt(self, value: Any, spec: FieldSpec | None = None) -> Any:
        """Convert ``value`` into a driver parameter (by the field's kind, else by its type)."""
        if value is None:
            return None
        if spec is not None:
            conv = self._in_kinds[spec.kind]
            return value if conv is None else conv(value)
        kind_type = type(value)
        try:
            conv = self._by_type[kind_type]
        except KeyError:
            conv = self._by_type[kind_type] = self._converter_for_type(kind_type)
        return value if conv is None else conv(value)

    def _converter_for_type(self, value_type: type) -> Converter | None:
        if issubclass(value_type, enum.Enum):
            return lambda v: self.adapt(v.value)
        kind = scalar_kind(value_type)
        if kind is not None:
            return self._in_kinds[kind]
        if issubclass(value_type, (dict, list, tuple, pydantic.BaseModel)):
            return self._in_kinds[Kind.JSON]
        return None

    # -- values out ----------------------------------------------------------------------
    def result_converters(self) -> dict[Kind, Converter | None]:
        """Per-kind conversion of driver values into Python values (``ENUM``/``JSON`` are
        completed per field by :meth:`result_converter`)."""
        return {
            Kind.INT: None,
            Kind.FLOAT: None,
            Kind.STR: None,
            Kind.BOOL: None,
            Kind.BYTES: None,
            Kind.DECIMAL: decimal_from_db,
            Kind.UUID: uuid_from_db,
            Kind.DATETIME: datetime_to_utc,
            Kind.DATE: None,
            Kind.TIME: None,
            Kind.ENUM: None,
            Kind.JSON: json_loads,
        }

    def result_converter(self, spec: FieldSpec | None) -> Converter | None:
        """The conversion for values of ``spec`` read from this database (``None``: none)."""
        if spec is None:
            return None
        if spec.kind is Kind.ENUM:
            return spec.python_type  # type: ignore[no-any-return]
        base = self.result_converters()[spec.kind]
        adapter = spec.json_adapter
        if spec.kind is Kind.JSON and adapter is not None:
            validate = adapter.validate_python
            return lambda v: validate(json_loads(v))
        return base

    def from_db(self, spec: FieldSpec | None, value: Any) -> Any:
        """Convert one database value of field ``spec`` into its Python type."""
        if value is None:
            return None
        conv = self.result_converter(spec)
        return value if conv is None else conv(value)

    @overload
    def loader(self, schema: type[S]) -> Callable[[Sequence[Any]], S]: ...
    @overload
    def loader(self, schema: SchemaInfo) -> Callable[[Sequence[Any]], Schema]: ...
    def loader(self, schema: type[Schema] | SchemaInfo) -> Callable[[Sequence[Any]], Any]:
        """A fast row → instance function for rows in ``info.columns`` order (no validation).

        Args:
            schema: The schema class (or its ``__schema__``).

        Returns:
            The function, built once per schema and dialect and cached. Values are converted
            from the driver's representation (e.g. SQLite text → ``datetime``) but not
            validated.
        """
        info = schema if not isinstance(schema, type) else schema.__schema__
        key = ("loader", self)
        found: Callable[[Sequence[Any]], Schema] | None = info.cache.get(key)
        if found is not None:
            return found
        names = tuple(spec.name for spec in info.persisted)
        convs = tuple(
            (index, conv)
            for index, spec in enumerate(info.persisted)
            if (conv := self.result_converter(spec)) is not None
        )
        construct = info.construct

        if not convs:

            def load(row: Sequence[Any]) -> Schema:
                return construct(dict(zip(names, row, strict=True)))
        else:

            def load(row: Sequence[Any]) -> Schema:
                values = list(row)
                for index, conv in convs:
                    value = values[index]
                    if value is not None:
                        values[index] = conv(value)
                return construct(dict(zip(names, values, strict=True)))

        info.cache[key] = load
        return load

    def row_converter(
        self, specs: Sequence[FieldSpec | None]
    ) -> Callable[[Sequence[Any]], tuple[Any, ...]]:
        """A row → tuple function converting each column typed by ``specs`` (for ``select``)."""
        convs = tuple(
            (index, conv)
            for index, spec in enumerate(specs)
            if (conv := self.result_converter(spec)) is not None
        )
        if not convs:
            return tuple

        def convert(row: Sequence[Any]) -> tuple[Any, ...]:
            values = list(row)
            for index, conv in convs:
                value = values[index]
                if value is not None:
                    values[index] = conv(value)
            return tuple(values)

        return convert

    # -- SQL variants --------------------------------------------------------------------
    def render_like(self, ctx: Ctx, like: Like) -> None:
        """Render ``LIKE``/``ILIKE`` (base: native ``ILIKE``)."""
        from zzz_db.query.expr import ATOM, operand

        operand(ctx, like.item, ATOM)
        op = "ILIKE" if like.case_insensitive else "LIKE"
        ctx.parts.append(f" NOT {op} " if like.negate else f" {op} ")
        operand(ctx, like.pattern, ATOM)
        if like.escaped:
            ctx.parts.append(" ESCAPE '!'")

    def render_ordering(self, ctx: Ctx, ordering: Ordering) -> None:
        """Render an ``ORDER BY`` item with native ``NULLS FIRST/LAST``."""
        from zzz_db.query.expr import BOOL, operand

        operand(ctx, ordering.item, BOOL)
        ctx.parts.append(" DESC" if ordering.descending else " ASC")
        if ordering.nulls is not None:
            ctx.parts.append(" NULLS FIRST" if ordering.nulls == "first" else " NULLS LAST")

    def render_limit(self, ctx: Ctx, limit: int | None, offset: int | None) -> None:
        """Render ``LIMIT``/``OFFSET`` (bound parameters)."""
        if limit is not None:
            ctx.parts.append(" LIMIT ")
            ctx.bind(limit)
        if offset is not None:
            ctx.parts.append(" OFFSET ")
            ctx.bind(offset)

    def render_lock(self, ctx: Ctx, lock: Lock) -> None:
        """Render a row lock clause (``FOR UPDATE [OF ...] [SKIP LOCKED | NOWAIT]``)."""
        mode = _PG_LOCKS.get(lock.mode)
        if mode is None:
            raise QueryError(f"{self.name} does not support lock mode {lock.mode!r}")
        ctx.parts.append(f" FOR {mode}")
        if lock.of:
            ctx.parts.append(" OF " + ", ".join(self.quote(ref) for ref in lock.of))
        self._lock_wait(ctx, lock)

    def _lock_wait(self, ctx: Ctx, lock: Lock) -> None:
        if lock.skip_locked or lock.nowait:
            if not self.supports_skip_locked:
                raise QueryError(f"{self.name} does not support SKIP LOCKED/NOWAIT")
            ctx.parts.append(" SKIP LOCKED" if lock.skip_locked else " NOWAIT")

    def render_upsert(
        self, ctx: Ctx, info: SchemaInfo, columns: Sequence[str], conflict: OnConflict
    ) -> None:
        """Render ``ON CONFLICT (...) DO NOTHING | DO UPDATE SET ...``."""
        parts = ctx.parts
        parts.append(" ON CONFLICT")
        if conflict.constraint is not None:
            parts.append(" ON CONSTRAINT " + self.quote(conflict.constraint))
        elif conflict.target:
            targets = ", ".join(self.quote(info.fields[f].column) for f in conflict.target)
            parts.append(f" ({targets})")
        elif conflict.action != "nothing":
            raise QueryError(f"{self.name} needs on_conflict target=[...] to update on conflict")
        if conflict.action == "nothing":
            parts.append(" DO NOTHING")
            return
        parts.append(" DO UPDATE SET ")
        self.render_conflict_set(ctx, info, columns, conflict)

    def render_conflict_set(
        self, ctx: Ctx, info: SchemaInfo, columns: Sequence[str], conflict: OnConflict
    ) -> None:
        """Render the assignments of an upsert's update."""
        first = True
        for name in conflict.replace_fields(info, columns):
            column = self.quote(info.fields[name].column)
            if not first:
                ctx.parts.append(", ")
            first = False
            ctx.parts.append(f"{column} = {self.excluded(column)}")
        for name, value in conflict.set:
            if not first:
                ctx.parts.append(", ")
            first = False
            ctx.parts.append(self.quote(info.fields[name].column) + " = ")
            value.sql(ctx)

    def excluded(self, quoted_column: str) -> str:
        """How an upsert's update refers to the value proposed for insertion."""
        return f"excluded.{quoted_column}"

    def insert_prefix(self, conflict: OnConflict | None) -> str:
        """``INSERT INTO`` (dialects may vary it)."""
        return "INSERT INTO "

    def render_default_values(self, ctx: Ctx) -> None:
        """Render an insert of a row with only default values."""
        ctx.parts.append(" DEFAULT VALUES")

    # -- DDL -----------------------------------------------------------------------------
    #: Column types by storage kind (``{size}``/``{precision}``/``{scale}`` filled in).
    column_types: ClassVar[dict[Kind, str]] = {
        Kind.INT: "BIGINT",
        Kind.FLOAT: "DOUBLE PRECISION",
        Kind.STR: "TEXT",
        Kind.BOOL: "BOOLEAN",
        Kind.BYTES: "BYTEA",
        Kind.DECIMAL: "NUMERIC",
        Kind.UUID: "UUID",
        Kind.DATETIME: "TIMESTAMPTZ",
        Kind.DATE: "DATE",
        Kind.TIME: "TIME",
        Kind.JSON: "JSONB",
    }
    #: The column definition of a database-generated integer primary key.
    autoincrement_column: ClassVar[str] = "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"

    def column_type(self, spec: FieldSpec) -> str:
        """The SQL column type storing field ``spec`` (used by ``compile_create_table``).

        ``size`` gives ``VARCHAR(size)``; ``precision``/``scale`` give ``NUMERIC(p, s)``;
        an enum is stored like its values (text or integer).
        """
        kind = spec.kind
        if kind is Kind.ENUM:
            values = [member.value for member in spec.python_type]
            if all(isinstance(v, int) for v in values):
                kind = Kind.INT
            else:
                kind = Kind.STR
                if spec.options.size is None:
                    return self.string_type(max(len(str(v)) for v in values), spec)
        if kind is Kind.STR:
            return self.string_type(spec.options.size, spec)
        if kind is Kind.DECIMAL:
            return self.decimal_type(spec.options.precision, spec.options.scale)
        return self.column_types[kind]

    def string_type(self, size: int | None, spec: FieldSpec) -> str:
        """``VARCHAR(size)``, or ``TEXT`` without a size."""
        return f"VARCHAR({size})" if size is not None else self.column_types[Kind.STR]

    def decimal_type(self, precision: int | None, scale: int | None) -> str:
        """``NUMERIC(p, s)``, ``NUMERIC(p)`` or ``NUMERIC``."""
        base = self.column_types[Kind.DECIMAL]
        if precision is None:
            return base
        return f"{base}({precision}, {scale or 0})"


_PG_LOCKS = {
    "update": "UPDATE",
    "no_key_update": "NO KEY UPDATE",
    "share": "SHARE",
    "key_share": "KEY SHARE",
}
