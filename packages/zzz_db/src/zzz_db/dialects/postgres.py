"""The PostgreSQL dialect (psycopg 3: ``%s`` placeholders, ``"`` quoting).

Native types are used for ``Decimal`` (``numeric``), ``UUID``, ``timestamptz``, ``date``,
``time``, ``bytea`` and ``boolean``. JSON values are bound as JSON text, which PostgreSQL
casts to ``json``/``jsonb`` on insert and comparison. Every feature the compiler knows is
supported: ``RETURNING`` everywhere, ``ILIKE``, ``NULLS FIRST/LAST``, ``FOR UPDATE [OF ...]
[SKIP LOCKED | NOWAIT]``, ``FOR NO KEY UPDATE``, ``FOR SHARE``, ``FOR KEY SHARE``, and
``ON CONFLICT (...) DO UPDATE/NOTHING`` (or ``ON CONSTRAINT name``).
"""

from __future__ import annotations

from typing import ClassVar

from zzz_db.dialects.base import Dialect

__all__ = [
    "PostgresDialect",
]


class PostgresDialect(Dialect):
    """PostgreSQL 12+."""

    name: ClassVar[str] = "postgres"
    paramstyle: ClassVar[str] = "format"
    placeholder: ClassVar[str] = "%s"
