"""SQL dialects: SQLite, PostgreSQL, MySQL/MariaDB.

``get_dialect("sqlite" | "postgres" | "postgresql" | "mysql" | "mariadb")`` returns a shared
default instance; build ``MySQLDialect(mariadb=..., version=...)`` yourself once the server
version is known.
"""

from __future__ import annotations

from zzz_db.dialects.base import Dialect
from zzz_db.dialects.mysql import MySQLDialect
from zzz_db.dialects.postgres import PostgresDialect
from zzz_db.dialects.sqlite import SQLiteDialect
from zzz_db.exceptions import QueryError

__all__ = [
    "Dialect",
    "MySQLDialect",
    "PostgresDialect",
    "SQLiteDialect",
    "get_dialect",
]

_DEFAULTS: dict[str, Dialect] = {}
_ALIASES = {"postgresql": "postgres", "mariadb": "mysql"}
_FACTORIES = {
    "sqlite": SQLiteDialect,
    "postgres": PostgresDialect,
    "postgresql": PostgresDialect,
    "mysql": MySQLDialect,
    "mariadb": MySQLDialect,
}


def get_dialect(dialect: Dialect | str) -> Dialect:
    """Return ``dialect`` itself, or the shared default dialect of that name.

    Raises:
        QueryError: Unknown dialect name.
    """
    if isinstance(dialect, Dialect):
        return dialect
    dialect = _ALIASES.get(dialect, dialect)
    found = _DEFAULTS.get(dialect)
    if found is None:
        factory = _FACTORIES.get(dialect)
        if factory is None:
            raise QueryError(f"unknown dialect {dialect!r} (known: {', '.join(_FACTORIES)})")
        found = _DEFAULTS[dialect] = factory()
    return found
