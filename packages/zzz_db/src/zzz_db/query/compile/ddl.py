"""Compile ``CREATE TABLE`` from a schema (for tests, scripts and a first migration)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from zzz_db.dialects import get_dialect
from zzz_db.query.compile.common import schema_info

if TYPE_CHECKING:
    from zzz_db.dialects.base import Dialect
    from zzz_db.schema import Schema, SchemaInfo

__all__ = [
    "compile_create_table",
]


def compile_create_table(
    schema: type[Schema] | SchemaInfo, dialect: Dialect | str, *, if_not_exists: bool = False
) -> str:
    """``CREATE TABLE`` for a schema: its persisted columns, primary key, ``NOT NULL`` for
    non-nullable fields and ``UNIQUE`` for ``field(unique=True)``.

    Meant for tests, scripts and the start of a migration; foreign keys, indexes and
    defaults are left to migrations. Column types come from
    :meth:`~zzz_db.dialects.base.Dialect.column_type`.
    """
    info = schema_info(schema)
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
