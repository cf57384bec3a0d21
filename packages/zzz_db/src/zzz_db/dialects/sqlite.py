"""The SQLite dialect (stdlib ``sqlite3``: ``?`` placeholders, ``"`` quoting).

Storage choices (SQLite has no native types for these): datetimes as fixed-width UTC ISO text
(``2024-05-01 12:00:00.000000+00:00``, so text order is time order), dates and times as ISO
text, ``Decimal`` as text (exact), ``UUID`` as 36-character text, JSON as text, booleans as
0/1. Row locks (``FOR UPDATE``) are not rendered: SQLite serialises writers on the whole
database, so a write transaction (``BEGIN IMMEDIATE``) already excludes other writers.
``LIKE`` is case-insensitive for ASCII letters on SQLite, so the case-sensitive literal
lookups (``contains``, ``startswith``, ``endswith``) are rendered with ``GLOB`` (same results as
PostgreSQL), ``ilike`` as ``lower(x) LIKE lower(pattern)``, and a raw ``like(pattern)`` keeps
SQLite's own (case-insensitive) ``LIKE``.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from typing import TYPE_CHECKING, Any, ClassVar

from zzz_db.dialects.base import Converter, Dialect
from zzz_db.types import (
    Kind,
    date_from_text,
    datetime_from_text,
    datetime_to_text,
    decimal_from_db,
    json_loads,
    time_from_db,
    uuid_from_db,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from zzz_db.fields import FieldSpec
    from zzz_db.query.builder import Lock
    from zzz_db.query.expr import Ctx, Like

__all__ = [
    "SQLiteDialect",
    "render_lower_like",
    "render_nul_match",
]


def _text(value: Any) -> Any:
    return value if isinstance(value, str) else str(value)


def _datetime(value: Any) -> Any:
    return datetime_to_text(value) if isinstance(value, dt.datetime) else value


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, (dt.date, dt.time)) else value


def _date(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    return _iso(value)


class SQLiteDialect(Dialect):
    """SQLite (3.35+ for ``RETURNING``; upserts need 3.24+).

    Args:
        version: The SQLite library version (default: the one the stdlib ``sqlite3`` uses).
    """

    name: ClassVar[str] = "sqlite"
    paramstyle: ClassVar[str] = "qmark"
    placeholder: ClassVar[str] = "?"

    def __init__(self, version: tuple[int, int, int] | None = None) -> None:
        super().__init__()
        self.version = version or sqlite3.sqlite_version_info
        returning = self.version >= (3, 35, 0)
        self.supports_returning_insert = returning
        self.supports_returning_update = returning
        self.supports_returning_delete = returning
        self.supports_row_locks = False
        self.supports_skip_locked = False
        self.max_params = 32766 if self.version >= (3, 32, 0) else 999

    def param_converters(self) -> dict[Kind, Converter | None]:
        """SQLite stores decimals, UUIDs, datetimes, dates and times as text."""
        converters = super().param_converters()
        converters.update(
            {
                Kind.DECIMAL: _text,
                Kind.UUID: _text,
                Kind.DATETIME: _datetime,
                Kind.DATE: _date,
                Kind.TIME: _iso,
            }
        )
        return converters

    def result_converters(self) -> dict[Kind, Converter | None]:
        """Parse the text forms back; 0/1 becomes ``bool``."""
        converters = super().result_converters()
        converters.update(
            {
                Kind.FLOAT: float,
                Kind.BOOL: bool,
                Kind.DECIMAL: decimal_from_db,
                Kind.UUID: uuid_from_db,
                Kind.DATETIME: datetime_from_text,
                Kind.DATE: date_from_text,
                Kind.TIME: time_from_db,
                Kind.JSON: json_loads,
            }
        )
        return converters

    column_types: ClassVar[dict[Kind, str]] = {
        Kind.INT: "INTEGER",
        Kind.FLOAT: "REAL",
        Kind.STR: "TEXT",
        Kind.BOOL: "INTEGER",
        Kind.BYTES: "BLOB",
        Kind.DECIMAL: "TEXT",
        Kind.UUID: "TEXT",
        Kind.DATETIME: "TEXT",
        Kind.DATE: "TEXT",
        Kind.TIME: "TEXT",
        Kind.JSON: "TEXT",
    }
    autoincrement_column: ClassVar[str] = "INTEGER PRIMARY KEY"

    def string_type(self, size: int | None, spec: FieldSpec) -> str:
        """Always ``TEXT`` (SQLite does not enforce lengths)."""
        return "TEXT"

    def decimal_type(self, precision: int | None, scale: int | None) -> str:
        """``TEXT``: decimals are stored exactly as text."""
        return "TEXT"

    def render_like(self, ctx: Ctx, like: Like) -> None:
        """``ilike`` → ``lower(x) LIKE lower(p)``; case-sensitive literal lookups
        (``contains``, ``startswith``, ``endswith``) → ``GLOB``; a literal holding a NUL
        character (where ``LIKE`` and ``GLOB`` would stop reading the pattern) → ``instr()`` or
        a comparison of ``hex()`` values."""
        if like.match is not None and "\x00" in like.match[1]:
            render_nul_match(ctx, like, like.match)
            return
        if like.glob is not None and not like.case_insensitive:
            from zzz_db.query.expr import ATOM, operand

            operand(ctx, like.item, ATOM)
            ctx.parts.append(" NOT GLOB " if like.negate else " GLOB ")
            ctx.bind(like.glob)
            return
        render_lower_like(ctx, like)

    def render_limit(self, ctx: Ctx, limit: int | None, offset: int | None) -> None:
        """``OFFSET`` needs a ``LIMIT`` on SQLite (``LIMIT -1`` means none)."""
        if limit is None and offset is not None:
            limit = -1
        super().render_limit(ctx, limit, offset)

    def render_lock(self, ctx: Ctx, lock: Lock) -> None:
        """Row locks are not rendered on SQLite (see the module documentation)."""


def render_nul_match(ctx: Ctx, like: Like, match: tuple[str, str]) -> None:
    """Render a ``contains``/``startswith``/``endswith`` lookup whose text holds a NUL.

    ``instr()`` compares whole strings, NULs included; for prefixes and suffixes the
    ``hex()`` of both sides is compared with ``GLOB`` (hex digits come in whole-byte pairs,
    so a prefix or suffix of the hex is a prefix or suffix of the text).
    """
    from zzz_db.query.expr import BOOL, operand

    kind, text = match
    parts = ctx.parts
    lower = like.case_insensitive

    def side(render: Callable[[], None]) -> None:
        parts.append("lower(" if lower else "(")
        render()
        parts.append(")")

    def column() -> None:
        operand(ctx, like.item, BOOL)

    def literal() -> None:
        ctx.bind(text)

    parts.append("NOT (" if like.negate else "(")
    if kind == "contains":
        parts.append("instr(")
        side(column)
        parts.append(", ")
        side(literal)
        parts.append(") > 0")
    else:
        parts.append("hex(")
        side(column)
        parts.append(") GLOB ")
        if kind == "endswith":
            parts.append("'*' || ")
        parts.append("hex(")
        side(literal)
        parts.append(")")
        if kind == "startswith":
            parts.append(" || '*'")
    parts.append(")")


def render_lower_like(ctx: Ctx, like: Like) -> None:
    """Render ``LIKE``, with ``ilike`` as ``lower(x) LIKE lower(p)`` (SQLite and MySQL)."""
    from zzz_db.query.expr import ATOM, BOOL, operand

    parts = ctx.parts
    if like.case_insensitive:
        parts.append("lower(")
        operand(ctx, like.item, BOOL)
        parts.append(") NOT LIKE lower(" if like.negate else ") LIKE lower(")
        operand(ctx, like.pattern, BOOL)
        parts.append(")")
    else:
        operand(ctx, like.item, ATOM)
        parts.append(" NOT LIKE " if like.negate else " LIKE ")
        operand(ctx, like.pattern, ATOM)
    if like.escaped:
        parts.append(" ESCAPE '!'")
