"""Field declarations: :func:`field` options, resolved :class:`FieldSpec` and :func:`timestamps`.

A schema field is an ordinary pydantic-annotated attribute. :func:`field` adds the database
options (primary key, column name, virtual, JSON storage, ...)::

    class User(Schema, table="users"):
        id: int | None = field(default=None, primary_key=True)
        email: str = field(column="email_address", unique=True)
        password: str | None = field(default=None, virtual=True)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pydantic
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from zzz_db.types import Kind

__all__ = [
    "FieldOptions",
    "FieldSpec",
    "Timestamps",
    "field",
    "timestamps",
]


@dataclass(frozen=True, slots=True)
class FieldOptions:
    """Database options attached to a field by :func:`field` (see there)."""

    primary_key: bool = False
    column: str | None = None
    virtual: bool = False
    autoincrement: bool | None = None
    json: bool = False
    unique: bool = False
    index: bool = False
    size: int | None = None
    precision: int | None = None
    scale: int | None = None


def field(
    default: Any = PydanticUndefined,
    *,
    default_factory: Any = None,
    primary_key: bool = False,
    column: str | None = None,
    virtual: bool = False,
    autoincrement: bool | None = None,
    json: bool = False,
    unique: bool = False,
    index: bool = False,
    size: int | None = None,
    precision: int | None = None,
    scale: int | None = None,
    **pydantic_options: Any,
) -> Any:
    """Declare a schema field with database options.

    Use it as the field's default (``name: str = field(column="full_name")``) or inside
    ``Annotated[...]``.

    Args:
        default: The Python-side default (omit for a required field).
        default_factory: A callable producing the default (e.g. ``uuid.uuid4``).
        primary_key: Part of the primary key (several fields make a composite key).
        column: The column name when it differs from the field name.
        virtual: Not persisted: never read from nor written to the database.
        autoincrement: The database generates the value (default: true for a sole integer
            primary key).
        json: Store the value as JSON whatever its type.
        unique: A unique index exists on the column (metadata for migrations and changesets).
        index: An index exists on the column (metadata for migrations).
        size: Maximum length for strings (metadata for migrations).
        precision: Total digits of a ``Decimal`` column (metadata for migrations).
        scale: Digits after the point of a ``Decimal`` column (metadata for migrations).
        **pydantic_options: Passed to :func:`pydantic.Field` (``description``, ``ge``, ...).

    Returns:
        A pydantic ``FieldInfo`` carrying a :class:`FieldOptions`.

    Example:
        >>> from zzz_db.fields import field
        >>> from zzz_db.schema import Schema
        >>> class Tag(Schema, table="tags"):
        ...     name: str = field(column="label", size=40)
    """
    if default_factory is not None:
        info: FieldInfo = pydantic.Field(default_factory=default_factory, **pydantic_options)
    else:
        info = pydantic.Field(default, **pydantic_options)
    info.metadata.append(
        FieldOptions(
            primary_key=primary_key,
            column=column,
            virtual=virtual,
            autoincrement=autoincrement,
            json=json,
            unique=unique,
            index=index,
            size=size,
            precision=precision,
            scale=scale,
        )
    )
    return info


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """A schema field as resolved at class creation (read-only metadata).

    Attributes:
        name: The Python attribute name.
        column: The database column name.
        kind: The storage kind (decides type adaptation).
        python_type: The annotation without ``Optional``/``Annotated`` wrappers.
        annotation: The full annotation.
        nullable: ``None`` is an accepted value.
        primary_key: Part of the primary key.
        autoincrement: The database generates the value on insert.
        virtual: Not persisted.
        required: No default: a value must be given when the instance is built.
        options: The :class:`FieldOptions` given (defaults if none).
        json_adapter: For JSON fields whose type needs it, the pydantic ``TypeAdapter`` that
            turns decoded JSON back into the declared type (``None`` for plain dicts/lists).
    """

    name: str
    column: str
    kind: Kind
    python_type: Any
    annotation: Any
    nullable: bool
    primary_key: bool
    autoincrement: bool
    virtual: bool
    required: bool
    options: FieldOptions
    json_adapter: pydantic.TypeAdapter[Any] | None = None


@dataclass(frozen=True, slots=True)
class Timestamps:
    """Names of the timestamp fields a schema gets from ``timestamps=`` (``None`` to skip one).

    ``Repo`` sets ``inserted_at`` on insert and ``updated_at`` on insert and update.
    """

    inserted_at: str | None = "inserted_at"
    updated_at: str | None = "updated_at"


def timestamps(
    *, inserted_at: str | None = "inserted_at", updated_at: str | None = "updated_at"
) -> Timestamps:
    """Configure timestamp fields for ``class X(Schema, table=..., timestamps=timestamps(...))``.

    ``timestamps=True`` is the same as ``timestamps=timestamps()``.

    Args:
        inserted_at: Name of the insertion-time field (``None``: no such field).
        updated_at: Name of the last-update-time field (``None``: no such field).

    Returns:
        The configuration value.

    Example:
        >>> from zzz_db.fields import timestamps
        >>> from zzz_db.schema import Schema
        >>> class Event(Schema, table="events", timestamps=timestamps(inserted_at="created_at")):
        ...     name: str
    """
    return Timestamps(inserted_at=inserted_at, updated_at=updated_at)
