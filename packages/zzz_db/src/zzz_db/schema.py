"""Schemas: pydantic models mapped to database tables.

Example::

    from datetime import datetime
    from zzz_db import Schema, field, has_many

    class User(Schema, table="users", timestamps=True):
        id: int | None = None                   # the default primary key (added if absent)
        email: str = field(unique=True)
        age: int | None = None
        posts = has_many("Post")

The mapping is checked when the class is created: a field type with no storage mapping, a
duplicate column or an invalid timestamp field raises :class:`~zzz_db.exceptions.SchemaError`
naming the class. Reserved names (not usable as fields): ``c``, ``query``, ``alias``, ``load``,
``load_rows`` and pydantic's ``model_*``.
"""

from __future__ import annotations

import datetime as dt
import inspect
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from dataclasses import field as dc_field
from typing import TYPE_CHECKING, Any, ClassVar, Self, get_args, get_origin

import pydantic
from pydantic import BaseModel, ConfigDict
from pydantic_core import PydanticUndefined

from zzz_db.associations import Association, BelongsTo
from zzz_db.exceptions import SchemaError
from zzz_db.fields import FieldOptions, FieldSpec, Timestamps
from zzz_db.query.builder import Query
from zzz_db.query.expr import Columns, TableSource
from zzz_db.types import Kind, classify

if TYPE_CHECKING:
    from zzz_db.changeset import Changeset

__all__ = [
    "Schema",
    "SchemaInfo",
    "resolve_schema",
]

_REGISTRY: dict[str, list[type[Schema]]] = {}
_new = object.__new__
_set = object.__setattr__
_PLAIN_JSON = (dict, list, Any)
_RESERVED = frozenset({"c", "query", "alias", "load", "load_rows"})
_PLAIN_ARGS = (str, int, float, bool, Any)


@dataclass(eq=False, slots=True)
class SchemaInfo:
    """Metadata of a concrete schema class (``User.__schema__``), built at class creation.

    Attributes:
        schema: The schema class.
        name: The class name (used in error messages).
        table: The table name.
        fields: Every field (persisted and virtual) by name, in declaration order.
        persisted: The persisted fields, in column order.
        columns: Their column names (the default ``SELECT`` list, in order).
        primary_key: The primary key field names (empty if the table has none).
        autoincrement: The database-generated primary key field, if any.
        timestamps: The timestamp field names, if enabled.
        associations: The declared associations by name.
        source: The default (unaliased) table source used by ``User.c``.
        cache: Per-dialect compiled-SQL and row-loader cache (owned by the compiler).
    """

    schema: type[Schema]
    name: str
    table: str
    fields: dict[str, FieldSpec]
    persisted: tuple[FieldSpec, ...]
    columns: tuple[str, ...]
    primary_key: tuple[str, ...]
    autoincrement: str | None
    timestamps: Timestamps | None
    associations: dict[str, Association]
    source: TableSource = dc_field(init=False)
    field_names: tuple[str, ...] = dc_field(init=False)
    virtual_defaults: tuple[tuple[str, Any, Callable[[], Any] | None], ...] = dc_field(init=False)
    cache: dict[Any, Any] = dc_field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.source = TableSource(self)
        self.field_names = tuple(self.fields)
        defaults: list[tuple[str, Any, Callable[[], Any] | None]] = []
        for spec in self.fields.values():
            if spec.virtual:
                info = self.schema.model_fields[spec.name]
                factory = info.default_factory
                default = None if info.default is PydanticUndefined else info.default
                defaults.append((spec.name, default, factory))  # type: ignore[arg-type]
        self.virtual_defaults = tuple(defaults)

    def pk_values(self, instance: Schema) -> dict[str, Any]:
        """The primary key of ``instance`` as ``{field: value}``."""
        data = instance.__dict__
        return {name: data[name] for name in self.primary_key}

    def insert_values(self, instance: Schema) -> dict[str, Any]:
        """The persisted values of ``instance`` for an insert, by field name.

        The database-generated primary key is left out while it is ``None``.
        """
        data = instance.__dict__
        auto = self.autoincrement
        return {
            spec.name: data[spec.name]
            for spec in self.persisted
            if not (spec.name == auto and data[spec.name] is None)
        }

    def construct(self, data: dict[str, Any]) -> Schema:
        """Build an instance from already-typed values without validation (fast path).

        Args:
            data: Values of every persisted field, by field name (the dict is adopted, not
                copied); virtual fields get their defaults.

        Returns:
            The instance; every given field counts as set.
        """
        fields_set = set(data)
        for name, default, factory in self.virtual_defaults:
            data[name] = factory() if factory is not None else default
        obj = _new(self.schema)
        _set(obj, "__dict__", data)
        _set(obj, "__pydantic_fields_set__", fields_set)
        _set(obj, "__pydantic_extra__", None)
        _set(obj, "__pydantic_private__", None)
        return obj


class Schema(BaseModel):
    """Base class of table-backed models: ``class User(Schema, table="users")``.

    Class keywords:
        table: The table name; a subclass without one is abstract (a base for others).
        primary_key: Field name(s) of the primary key; by default the fields declared with
            ``field(primary_key=True)``, else ``id`` (added as ``int | None = None`` if
            absent, database-generated). ``primary_key=()`` declares a table without one.
        timestamps: ``True`` or :func:`~zzz_db.fields.timestamps` (...) to add
            ``inserted_at``/``updated_at`` (``datetime | None``, managed by ``Repo``).
    """

    model_config = ConfigDict(ignored_types=(Association,))

    __schema__: ClassVar[SchemaInfo]
    c: ClassVar[Columns]

    def __init_subclass__(
        cls,
        *,
        table: str | None = None,
        primary_key: str | Iterable[str] | None = None,
        timestamps: bool | Timestamps = False,
        **kwargs: Any,
    ) -> None:
        clash = _RESERVED.intersection(_own_annotations(cls))
        if clash:
            raise SchemaError(
                f"{cls.__name__}: field name(s) {sorted(clash)} are reserved by Schema "
                "(use field(column=...) to map another attribute name onto that column)"
            )
        if table is not None:
            _add_implicit_fields(cls, primary_key, timestamps)
        super().__init_subclass__(**kwargs)

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        table = kwargs.get("table")
        if table is None:
            return
        if not isinstance(table, str) or not table or "\x00" in table:
            raise SchemaError(f"{cls.__name__}: table must be a non-empty name, not {table!r}")
        info = _build_info(cls, table, kwargs.get("primary_key"), kwargs.get("timestamps"))
        cls.__schema__ = info
        cls.c = Columns(info.source)
        _REGISTRY.setdefault(cls.__name__, []).append(cls)
        qualified = f"{cls.__module__}.{cls.__qualname__}"
        _REGISTRY.setdefault(qualified, []).append(cls)

    @classmethod
    def query(cls) -> Query[Self]:
        """A query over every row of the table (``SELECT * FROM users``), to refine.

        Raises:
            SchemaError: The class is abstract (declared without ``table=``).
        """
        info = _info(cls)
        found: Query[Self] | None = info.cache.get("query")
        if found is None:
            found = info.cache["query"] = Query(info.source)
        return found

    @classmethod
    def changeset(
        cls, record: Self | None = None, params: Mapping[str, Any] | None = None
    ) -> Changeset[Self]:
        """Start a changeset: ``User.changeset(None, params)`` for a new record,
        ``User.changeset(user, params)`` for an existing one.

        The same as :func:`zzz_db.changeset.changeset`; override it on a schema to
        give the schema its own casting and validation rules, as Ecto apps do.
        """
        from zzz_db.changeset import changeset

        return changeset(cls if record is None else record, params)

    @classmethod
    def alias(cls, name: str) -> TableSource:
        """The table under an alias, for self-joins: ``m = User.alias("m"); m.c.id``."""
        return TableSource(_info(cls), name)

    @classmethod
    def load(cls, row: Mapping[str, Any]) -> Self:
        """Build an instance from a row keyed by column name, without validation.

        Values must already have their Python types (the dialects' loaders convert raw
        driver values; see :meth:`zzz_db.dialects.base.Dialect.loader`). Missing columns
        become ``None``.
        """
        info = _info(cls)
        get = row.get
        data = {spec.name: get(spec.column) for spec in info.persisted}
        return info.construct(data)  # type: ignore[return-value]

    @classmethod
    def load_rows(cls, rows: Iterable[Mapping[str, Any]]) -> list[Self]:
        """:meth:`load` every row."""
        info = _info(cls)
        pairs = [(spec.name, spec.column) for spec in info.persisted]
        construct = info.construct
        return [
            construct({name: row.get(column) for name, column in pairs})  # type: ignore[misc]
            for row in rows
        ]


def _info(cls: type[Schema]) -> SchemaInfo:
    info = cls.__dict__.get("__schema__")
    if info is None:
        raise SchemaError(f"{cls.__name__} is abstract: declare it with table=... to query it")
    return info  # type: ignore[no-any-return]


def resolve_schema(ref: type[Schema] | str, where: str, module: str | None = None) -> type[Schema]:
    """Find a schema class by class or by (qualified) class name.

    Args:
        ref: The class, or its name.
        where: What is resolving it, for error messages.
        module: The module of the referring schema: a name defined there wins over the
            same name in other modules (as Python's own name lookup would resolve it).

    Raises:
        SchemaError: No such schema, or the name is ambiguous.
    """
    if isinstance(ref, type):
        if not issubclass(ref, Schema) or "__schema__" not in ref.__dict__:
            raise SchemaError(f"{where}: {ref.__name__} is not a concrete Schema class")
        return ref
    found = _REGISTRY.get(ref, [])
    if len(found) > 1 and module is not None:
        local = [c for c in found if c.__module__ == module]
        found = local or found
    if len(found) == 1:
        return found[0]
    if not found:
        raise SchemaError(f"{where}: no schema class named {ref!r} is defined")
    names = ", ".join(f"{c.__module__}.{c.__qualname__}" for c in found)
    raise SchemaError(f"{where}: schema name {ref!r} is ambiguous ({names}); pass the class")


def _own_annotations(cls: type) -> dict[str, Any]:
    return dict(inspect.get_annotations(cls))


def _declared(cls: type, name: str) -> bool:
    return any(name in _own_annotations(base) for base in cls.__mro__)


def _add_implicit_fields(
    cls: type[Schema], primary_key: str | Iterable[str] | None, stamps: bool | Timestamps
) -> None:
    """Add the default ``id``, timestamp and ``belongs_to`` foreign key fields if absent."""
    own = _own_annotations(cls)
    front: dict[str, Any] = {}
    back: dict[str, Any] = {}
    marked = any(
        isinstance(value, pydantic.fields.FieldInfo)
        and any(isinstance(m, FieldOptions) and m.primary_key for m in value.metadata)
        for value in cls.__dict__.values()
    )
    if primary_key is None and not marked and not _declared(cls, "id"):
        front["id"] = int | None
    for value in list(cls.__dict__.values()):
        if isinstance(value, BelongsTo) and not _declared(cls, value.foreign_key):
            key_type = value.key_type
            if key_type is None and isinstance(value._target_ref, type):
                target = value._target_ref.__schema__
                key_type = target.fields[target.primary_key[0]].python_type
            back[value.foreign_key] = (key_type or int) | None
    config = Timestamps() if stamps is True else stamps or None
    if config is not None:
        for name in (config.inserted_at, config.updated_at):
            if name is not None and not _declared(cls, name):
                back[name] = dt.datetime | None
    if front or back:
        for name in (*front, *back):
            setattr(cls, name, None)
        cls.__annotations__ = {**front, **own, **back}


def _json_adapter(spec_type: Any, annotation: Any) -> pydantic.TypeAdapter[Any] | None:
    if spec_type in _PLAIN_JSON:
        return None
    origin = get_origin(spec_type)
    if origin in (dict, list) and all(a in _PLAIN_ARGS for a in get_args(spec_type)):
        return None
    return pydantic.TypeAdapter(annotation)


def _build_info(
    cls: type[Schema], table: str, primary_key: Any, stamps: bool | Timestamps | None
) -> SchemaInfo:
    name = cls.__name__
    if not cls.__pydantic_complete__ and not cls.model_rebuild(raise_errors=False):
        raise SchemaError(
            f"{name}: some field annotations cannot be resolved (forward references?); "
            "define the referenced types before the schema"
        )
    pk_names: set[str] | None = None
    if primary_key is not None:
        pk_names = {primary_key} if isinstance(primary_key, str) else set(primary_key)
    fields: dict[str, FieldSpec] = {}
    for field_name, info in cls.model_fields.items():
        options = next((m for m in info.metadata if isinstance(m, FieldOptions)), FieldOptions())
        found = classify(info.annotation, json_field=options.json)
        if found is None and not options.virtual:
            raise SchemaError(
                f"{name}.{field_name}: type {info.annotation!r} has no database mapping; use "
                "int, float, str, bool, bytes, Decimal, UUID, datetime, date, time, an Enum, "
                "dict/list/a pydantic model (JSON), or field(json=True)/field(virtual=True)"
            )
        kind, nullable, python_type = found or (Kind.JSON, True, info.annotation)
        column = options.column or field_name
        if "\x00" in column:
            raise SchemaError(f"{name}.{field_name}: invalid column name {column!r}")
        is_pk = options.primary_key or (pk_names is not None and field_name in pk_names)
        if pk_names is None and not options.primary_key and field_name == "id":
            is_pk = not any(
                isinstance(m, FieldOptions) and m.primary_key
                for f in cls.model_fields.values()
                for m in f.metadata
            )
        fields[field_name] = FieldSpec(
            name=field_name,
            column=column,
            kind=kind,
            python_type=python_type,
            annotation=info.annotation,
            nullable=nullable,
            primary_key=is_pk and not options.virtual,
            autoincrement=False,
            virtual=options.virtual,
            required=info.is_required(),
            options=options,
            json_adapter=_json_adapter(python_type, info.annotation) if kind is Kind.JSON else None,
        )
    if pk_names is not None and (missing := pk_names - set(fields)):
        raise SchemaError(f"{name}: primary_key names unknown field(s) {sorted(missing)}")
    pk = tuple(f.name for f in fields.values() if f.primary_key)
    autoincrement: str | None = None
    if len(pk) == 1:
        spec = fields[pk[0]]
        auto = spec.options.autoincrement
        if auto if auto is not None else spec.kind is Kind.INT:
            autoincrement = spec.name
            fields[spec.name] = replace(spec, autoincrement=True)
    persisted = tuple(f for f in fields.values() if not f.virtual)
    columns = tuple(f.column for f in persisted)
    if len(set(columns)) != len(columns):
        raise SchemaError(f"{name}: two fields map to the same column ({columns})")
    config = Timestamps() if stamps is True else stamps or None
    if config is not None:
        for stamp in (config.inserted_at, config.updated_at):
            if stamp is not None and fields[stamp].kind is not Kind.DATETIME:
                raise SchemaError(f"{name}.{stamp}: a timestamp field must be a datetime")
    associations = {k: v for k, v in vars(cls).items() if isinstance(v, Association)}
    for assoc_name in associations:
        if assoc_name in fields:
            raise SchemaError(f"{name}.{assoc_name}: an association and a field share the name")
    return SchemaInfo(
        schema=cls,
        name=name,
        table=table,
        fields=fields,
        persisted=persisted,
        columns=columns,
        primary_key=pk,
        autoincrement=autoincrement,
        timestamps=config,
        associations=associations,
    )
