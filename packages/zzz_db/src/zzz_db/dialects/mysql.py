"""The MySQL / MariaDB dialect (PyMySQL-style ``%s`` placeholders, backtick quoting).

Differences handled here:

* ``RETURNING``: MariaDB 10.5+ supports it on ``INSERT`` and ``DELETE`` only; MySQL not at
  all. The capability flags say so and the adapters emulate (``LAST_INSERT_ID()``, re-select).
* Upserts: ``ON DUPLICATE KEY UPDATE``; the conflict target is ignored (any unique key
  conflict triggers the update) and "do nothing" is ``pk = pk``. The proposed row is
  ``VALUES(col)`` on MariaDB and MySQL < 8.0.19, the ``AS new`` row alias on later MySQL.
* ``NULLS FIRST/LAST`` is emulated with ``x IS NULL`` ordering; ``ilike`` is
  ``lower(x) LIKE lower(p)``.
* Row locks: ``FOR UPDATE`` and ``FOR SHARE`` (``LOCK IN SHARE MODE`` on MariaDB);
  ``SKIP LOCKED``/``NOWAIT`` need MySQL 8 or MariaDB 10.6. PostgreSQL-only modes are errors.
* Datetimes are bound as naive UTC values (``DATETIME`` columns) and read back as aware UTC;
  ``UUID`` is stored as 36-character text; ``TIME`` values arrive as ``timedelta``.
* ``OFFSET`` without ``LIMIT`` uses the largest unsigned ``LIMIT``.
* DDL is not transactional.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from zzz_db.dialects.base import Converter, Dialect
from zzz_db.dialects.sqlite import render_lower_like
from zzz_db.exceptions import QueryError
from zzz_db.types import Kind, datetime_to_utc, json_loads, time_from_db, uuid_from_db

if TYPE_CHECKING:
    from zzz_db.fields import FieldSpec
    from zzz_db.query.builder import Lock, OnConflict
    from zzz_db.query.expr import Ctx, Like, Ordering
    from zzz_db.schema import SchemaInfo

__all__ = [
    "MySQLDialect",
]

_MAX_LIMIT = 18446744073709551615


def _naive_utc(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return datetime_to_utc(value).replace(tzinfo=None)
    return value


def _text(value: Any) -> Any:
    return value if isinstance(value, str) else str(value)


def _bool(value: Any) -> bool:
    return bool(value)


class MySQLDialect(Dialect):
    """MySQL 5.7+/8 and MariaDB 10.3+.

    Args:
        mariadb: The server is MariaDB (default true: the test server is MariaDB).
        version: The server version (e.g. ``(10, 11, 6)``); decides ``RETURNING``,
            ``SKIP LOCKED`` and the upsert row reference.
    """

    name: ClassVar[str] = "mysql"
    paramstyle: ClassVar[str] = "format"
    placeholder: ClassVar[str] = "%s"
    quote_char: ClassVar[str] = "`"

    def __init__(self, *, mariadb: bool = True, version: tuple[int, ...] = (10, 11, 0)) -> None:
        super().__init__()
        self.mariadb = mariadb
        self.version = tuple(version)
        self.supports_returning_insert = mariadb and self.version >= (10, 5)
        self.supports_returning_update = False
        self.supports_returning_delete = mariadb and self.version >= (10, 0, 5)
        self.supports_skip_locked = self.version >= ((10, 6) if mariadb else (8, 0, 1))
        self.supports_conflict_target = False
        self.supports_transactional_ddl = False
        self.row_alias = not mariadb and self.version >= (8, 0, 19)

    def __repr__(self) -> str:
        flavour = "MariaDB" if self.mariadb else "MySQL"
        return f"<MySQLDialect {flavour} {'.'.join(map(str, self.version))}>"

    def param_converters(self) -> dict[Kind, Converter | None]:
        """UUIDs as text; datetimes as naive UTC."""
        converters = super().param_converters()
        converters.update({Kind.UUID: _text, Kind.DATETIME: _naive_utc})
        return converters

    def result_converters(self) -> dict[Kind, Converter | None]:
        """``TINYINT(1)`` → ``bool``, text → ``UUID``, ``timedelta`` → ``time``, JSON text."""
        converters = super().result_converters()
        converters.update(
            {
                Kind.BOOL: _bool,
                Kind.UUID: uuid_from_db,
                Kind.DATETIME: datetime_to_utc,
                Kind.TIME: time_from_db,
                Kind.JSON: json_loads,
            }
        )
        return converters

    column_types: ClassVar[dict[Kind, str]] = {
        Kind.INT: "BIGINT",
        Kind.FLOAT: "DOUBLE",
        Kind.STR: "TEXT",
        Kind.BOOL: "BOOLEAN",
        Kind.BYTES: "LONGBLOB",
        Kind.DECIMAL: "DECIMAL",
        Kind.UUID: "CHAR(36)",
        Kind.DATETIME: "DATETIME(6)",
        Kind.DATE: "DATE",
        Kind.TIME: "TIME(6)",
        Kind.JSON: "JSON",
    }
    autoincrement_column: ClassVar[str] = "BIGINT AUTO_INCREMENT PRIMARY KEY"

    def string_type(self, size: int | None, spec: FieldSpec) -> str:
        """``VARCHAR(size)``; without a size ``TEXT``, or ``VARCHAR(255)`` for a key, unique
        or indexed column (MySQL cannot index ``TEXT`` without a prefix length)."""
        if size is None and (spec.primary_key or spec.options.unique or spec.options.index):
            size = 255
        return f"VARCHAR({size})" if size is not None else "TEXT"

    def decimal_type(self, precision: int | None, scale: int | None) -> str:
        """``DECIMAL(p, s)``; without a precision ``DECIMAL(38, 10)`` (MySQL's own default,
        ``DECIMAL(10, 0)``, would drop the fraction)."""
        if precision is None:
            return "DECIMAL(38, 10)"
        return f"DECIMAL({precision}, {scale or 0})"

    def render_like(self, ctx: Ctx, like: Like) -> None:
        """``ilike`` → ``lower(x) LIKE lower(p)``."""
        render_lower_like(ctx, like)

    def render_ordering(self, ctx: Ctx, ordering: Ordering) -> None:
        """Emulate ``NULLS FIRST/LAST`` with a leading ``x IS NULL`` sort key."""
        from zzz_db.query.expr import BOOL, operand

        if ordering.nulls is not None:
            operand(ctx, ordering.item, BOOL)
            ctx.parts.append(" IS NULL DESC, " if ordering.nulls == "first" else " IS NULL ASC, ")
        operand(ctx, ordering.item, BOOL)
        ctx.parts.append(" DESC" if ordering.descending else " ASC")

    def render_limit(self, ctx: Ctx, limit: int | None, offset: int | None) -> None:
        """``OFFSET`` needs a ``LIMIT`` on MySQL."""
        if limit is None and offset is not None:
            limit = _MAX_LIMIT
        super().render_limit(ctx, limit, offset)

    def render_lock(self, ctx: Ctx, lock: Lock) -> None:
        """``FOR UPDATE`` / ``FOR SHARE`` (``LOCK IN SHARE MODE`` on MariaDB)."""
        if lock.of:
            raise QueryError("mysql does not support FOR UPDATE OF ...")
        if lock.mode == "update":
            ctx.parts.append(" FOR UPDATE")
        elif lock.mode == "share":
            ctx.parts.append(" LOCK IN SHARE MODE" if self.mariadb else " FOR SHARE")
        else:
            raise QueryError(f"mysql does not support lock mode {lock.mode!r}")
        self._lock_wait(ctx, lock)

    def render_upsert(
        self, ctx: Ctx, info: SchemaInfo, columns: Sequence[str], conflict: OnConflict
    ) -> None:
        """``ON DUPLICATE KEY UPDATE ...`` (the target is ignored)."""
        if self.row_alias:
            ctx.parts.append(" AS _new")
        ctx.parts.append(" ON DUPLICATE KEY UPDATE ")
        if conflict.action == "nothing":
            name = info.primary_key[0] if info.primary_key else columns[0]
            column = self.quote(info.fields[name].column)
            ctx.parts.append(f"{column} = {column}")
            return
        self.render_conflict_set(ctx, info, columns, conflict)

    def excluded(self, quoted_column: str) -> str:
        """``VALUES(col)``, or ``_new.col`` with the MySQL 8.0.19+ row alias."""
        return f"_new.{quoted_column}" if self.row_alias else f"VALUES({quoted_column})"

    def render_default_values(self, ctx: Ctx) -> None:
        """``() VALUES ()``."""
        ctx.parts.append(" () VALUES ()")
