"""Storage kinds of schema fields and the value conversions shared by the dialects.

Every persisted field has a *kind* (:class:`Kind`) decided once, when its schema class is
created, from the field's annotation. The dialects use the kind to pick, ahead of time, how a
Python value is bound as a parameter and how a database value is turned back into Python
(``None`` means "no conversion", the fast path).

Conventions (the same on every database):

* ``datetime`` values are stored in UTC and always come back timezone-aware (UTC). A naive
  ``datetime`` given to the database is taken to be UTC already.
* ``Decimal`` values keep their precision (SQLite stores them as text).
* ``UUID`` values are stored as their 36-character text form where the database has no native
  type (SQLite, MySQL).
* JSON fields (``dict``, ``list``, pydantic models, or ``field(json=True)``) are stored as JSON
  text (``jsonb``-compatible on PostgreSQL).
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import types
import typing
import uuid
from decimal import Decimal
from typing import Any, Literal, NewType, get_args, get_origin

import pydantic
import pydantic_core

__all__ = [
    "Kind",
    "UTC",
    "classify",
    "date_from_text",
    "datetime_from_text",
    "datetime_to_text",
    "datetime_to_utc",
    "decimal_from_db",
    "json_dumps",
    "json_loads",
    "scalar_kind",
    "time_from_db",
    "uuid_from_db",
]

#: The UTC timezone used for every stored datetime.
UTC = dt.UTC


_fromisoformat = dt.datetime.fromisoformat


class Kind(enum.StrEnum):
    """How a field's values are stored."""

    #: ``int`` (and ``IntFlag``-free integers).
    INT = "int"
    #: ``float``.
    FLOAT = "float"
    #: ``str`` (and ``Literal`` of strings).
    STR = "str"
    #: ``bool``.
    BOOL = "bool"
    #: ``bytes``.
    BYTES = "bytes"
    #: ``decimal.Decimal``.
    DECIMAL = "decimal"
    #: ``uuid.UUID``.
    UUID = "uuid"
    #: ``datetime.datetime`` (stored in UTC).
    DATETIME = "datetime"
    #: ``datetime.date``.
    DATE = "date"
    #: ``datetime.time``.
    TIME = "time"
    #: An ``enum.Enum`` subclass, stored as its ``value``.
    ENUM = "enum"
    #: A JSON document (dict, list, pydantic model, ...).
    JSON = "json"


#: Python scalar types and their kinds, most specific first (``bool`` before ``int``,
#: ``datetime`` before ``date``).
_SCALARS: tuple[tuple[type, Kind], ...] = (
    (bool, Kind.BOOL),
    (int, Kind.INT),
    (float, Kind.FLOAT),
    (str, Kind.STR),
    (bytes, Kind.BYTES),
    (Decimal, Kind.DECIMAL),
    (uuid.UUID, Kind.UUID),
    (dt.datetime, Kind.DATETIME),
    (dt.date, Kind.DATE),
    (dt.time, Kind.TIME),
)
_JSON_ORIGINS = (dict, list, tuple)


def _strip(annotation: Any) -> tuple[Any, bool]:
    """Remove ``Annotated``/``NewType`` wrappers and ``None`` from a union; report nullability."""
    nullable = False
    while True:
        origin = get_origin(annotation)
        if origin is typing.Annotated:
            annotation = get_args(annotation)[0]
            continue
        if isinstance(annotation, NewType):
            annotation = annotation.__supertype__
            continue
        if origin in (typing.Union, types.UnionType):
            members = [a for a in get_args(annotation) if a is not type(None)]
            if len(members) != len(get_args(annotation)):
                nullable = True
            if len(members) == 1:
                annotation = members[0]
                continue
        return annotation, nullable


def classify(annotation: Any, *, json_field: bool = False) -> tuple[Kind, bool, Any] | None:
    """Decide how a field with ``annotation`` is stored.

    Args:
        annotation: The field's annotation, as pydantic resolved it.
        json_field: Store it as JSON whatever the type (``field(json=True)``).

    Returns:
        ``(kind, nullable, python_type)``, or ``None`` if the type has no storage mapping
        (the caller raises :class:`~zzz_db.exceptions.SchemaError` naming the schema).
    """
    bare, nullable = _strip(annotation)
    if annotation is Any or bare is Any:
        nullable = True
    if json_field:
        return Kind.JSON, nullable, bare
    origin = get_origin(bare)
    if origin is Literal:
        values = get_args(bare)
        for kind_type, kind in ((str, Kind.STR), (bool, Kind.BOOL), (int, Kind.INT)):
            if all(type(v) is kind_type for v in values):
                return kind, nullable, kind_type
        return None
    if origin in _JSON_ORIGINS or bare in _JSON_ORIGINS:
        return Kind.JSON, nullable, bare
    if origin is not None:
        return None
    if not isinstance(bare, type):
        return None
    if issubclass(bare, enum.Enum):
        return Kind.ENUM, nullable, bare
    if issubclass(bare, pydantic.BaseModel) or typing.is_typeddict(bare):
        return Kind.JSON, nullable, bare
    found = scalar_kind(bare)
    return None if found is None else (found, nullable, bare)


def scalar_kind(value_type: type) -> Kind | None:
    """The kind of a scalar Python type (``bool``, ``int``, ..., ``time``), or ``None``."""
    for scalar, kind in _SCALARS:
        if issubclass(value_type, scalar):
            return kind
    return None


def datetime_to_utc(value: dt.datetime) -> dt.datetime:
    """Return ``value`` as an aware UTC datetime (a naive value is taken to be UTC already)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def datetime_to_text(value: dt.datetime) -> str:
    """Format a datetime for text storage: ``YYYY-MM-DD HH:MM:SS.ffffff+00:00`` in UTC.

    The fixed width (microseconds always present) keeps text comparison and ordering
    chronological.
    """
    return datetime_to_utc(value).isoformat(sep=" ", timespec="microseconds")


def datetime_from_text(value: Any) -> dt.datetime:
    """Parse a stored datetime (ISO text, or a UNIX timestamp) into an aware UTC datetime."""
    if type(value) is str:
        parsed = _fromisoformat(value)
        zone = parsed.tzinfo
        if zone is UTC:
            return parsed
        return parsed.replace(tzinfo=UTC) if zone is None else parsed.astimezone(UTC)
    if isinstance(value, dt.datetime):
        return datetime_to_utc(value)
    if isinstance(value, (int, float)):
        return dt.datetime.fromtimestamp(value, UTC)
    if isinstance(value, bytes):
        value = value.decode()
    return datetime_to_utc(dt.datetime.fromisoformat(value))


def date_from_text(value: Any) -> dt.date:
    """Parse a stored date (ISO text) into a ``date``."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bytes):
        value = value.decode()
    return dt.date.fromisoformat(str(value)[:10])


def time_from_db(value: Any) -> dt.time:
    """Turn a stored time (ISO text, or MySQL's ``timedelta``) into a ``time``."""
    if isinstance(value, dt.time):
        return value
    if isinstance(value, dt.timedelta):
        seconds = int(value.total_seconds())
        return dt.time(seconds // 3600 % 24, seconds // 60 % 60, seconds % 60, value.microseconds)
    if isinstance(value, bytes):
        value = value.decode()
    return dt.time.fromisoformat(str(value))


def decimal_from_db(value: Any) -> Decimal:
    """Turn a stored number or text into a ``Decimal`` (floats via their shortest repr)."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bytes):
        value = value.decode()
    return Decimal(str(value))


def uuid_from_db(value: Any) -> uuid.UUID:
    """Turn stored text (or 16 raw bytes) into a ``UUID``."""
    if isinstance(value, uuid.UUID):
        return value
    if isinstance(value, bytes):
        return uuid.UUID(bytes=value) if len(value) == 16 else uuid.UUID(value.decode())
    return uuid.UUID(str(value))


def json_dumps(value: Any) -> str:
    """Serialise ``value`` (dicts, lists, pydantic models, datetimes, ...) as JSON text."""
    if value is None or isinstance(value, (str, int, float, bool, list, dict)):
        try:
            return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
        except TypeError:
            pass
    return pydantic_core.to_json(value).decode()


def json_loads(value: Any) -> Any:
    """Parse stored JSON text; values the driver already decoded are returned unchanged."""
    if isinstance(value, (str, bytes, bytearray)):
        return json.loads(value)
    return value
