"""Association declarations: :func:`has_many`, :func:`has_one`, :func:`belongs_to`,
:func:`many_to_many`.

Associations are class attributes of a schema. The target may be the class itself or its name
(resolved lazily, so two schemas can point at each other)::

    class User(Schema, table="users"):
        name: str
        posts = has_many("Post")

    class Post(Schema, table="posts"):
        title: str
        author = belongs_to(User, foreign_key="author_id")   # adds the author_id field

Reading an association on an instance returns the preloaded value; before it is preloaded it
raises :class:`~zzz_db.exceptions.AssociationNotLoaded`. Queries use associations to join:
``User.query().join("posts")`` or ``.join(User.posts)``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar, overload

from zzz_db.exceptions import AssociationNotLoaded, SchemaError

if TYPE_CHECKING:
    from zzz_db.schema import Schema, SchemaInfo

T = TypeVar("T")

__all__ = [
    "Association",
    "BelongsTo",
    "HasMany",
    "HasOne",
    "ManyToMany",
    "belongs_to",
    "has_many",
    "has_one",
    "many_to_many",
    "snake_name",
]

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def snake_name(class_name: str) -> str:
    """``"BlogPost"`` → ``"blog_post"`` (used for default foreign key names)."""
    return _CAMEL.sub("_", class_name).lower()


class Association:
    """Base class of the association descriptors.

    Attributes:
        name: The attribute name on the owner schema.
        owner: The schema class that declares the association.
        cardinality: ``"one"`` or ``"many"``.
    """

    kind: ClassVar[str] = "association"
    cardinality: ClassVar[str] = "many"

    def __init__(self, target: type[Schema] | str) -> None:
        self._target_ref = target
        self._target: type[Schema] | None = None
        self.name = ""
        self.owner: type[Schema] | None = None

    def __set_name__(self, owner: type[Any], name: str) -> None:
        self.name = name
        self.owner = owner

    @overload
    def __get__(self, instance: None, owner: type[Any] | None = None) -> Association: ...
    @overload
    def __get__(self, instance: object, owner: type[Any] | None = None) -> Any: ...
    def __get__(self, instance: object | None, owner: type[Any] | None = None) -> Any:
        if instance is None:
            return self
        owner_name = type(instance).__name__
        raise AssociationNotLoaded(
            f"{owner_name}.{self.name} is not loaded: preload it (Repo.preload) before reading it"
        )

    def set_loaded(self, instance: object, value: Any) -> None:
        """Store the preloaded value of this association on ``instance``."""
        object.__setattr__(instance, self.name, value)

    def is_loaded(self, instance: object) -> bool:
        """Whether the association was preloaded on ``instance``."""
        return self.name in instance.__dict__

    @property
    def target(self) -> type[Schema]:
        """The target schema class (a name given at declaration is resolved on first use)."""
        if self._target is None:
            from zzz_db.schema import resolve_schema

            module = self.owner.__module__ if self.owner is not None else None
            self._target = resolve_schema(self._target_ref, self._describe(), module)
        return self._target

    @property
    def owner_info(self) -> SchemaInfo:
        """The owner schema's metadata."""
        if self.owner is None:
            raise SchemaError(f"association {self.name!r} is not attached to a schema class")
        return self.owner.__schema__

    def _describe(self) -> str:
        owner = self.owner.__name__ if self.owner is not None else "?"
        return f"{owner}.{self.name} ({self.kind})"

    def __repr__(self) -> str:
        target = (
            self._target_ref if isinstance(self._target_ref, str) else self._target_ref.__name__
        )
        return f"<{type(self).__name__} {self._describe()} -> {target}>"


class HasMany(Association, Generic[T]):
    """The target's rows point at the owner through ``foreign_key`` (on the target).

    Reading it on an instance gives the preloaded ``list`` of targets.

    Attributes:
        foreign_key: Field on the target holding the owner's key (default ``<owner>_id``).
        references: Field on the owner referenced by the foreign key (default: its primary key).
    """

    kind = "has_many"

    def __init__(
        self,
        target: type[Schema] | str,
        *,
        foreign_key: str | None = None,
        references: str | None = None,
    ) -> None:
        super().__init__(target)
        self._foreign_key = foreign_key
        self._references = references

    @overload
    def __get__(self, instance: None, owner: type[Any] | None = None) -> HasMany[T]: ...
    @overload
    def __get__(self, instance: object, owner: type[Any] | None = None) -> list[T]: ...
    def __get__(self, instance: object | None, owner: type[Any] | None = None) -> Any:
        return super().__get__(instance, owner)

    @property
    def foreign_key(self) -> str:
        """The foreign key field on the target."""
        if self._foreign_key is not None:
            return self._foreign_key
        owner = self.owner.__name__ if self.owner is not None else ""
        return f"{snake_name(owner)}_id"

    @property
    def references(self) -> str:
        """The referenced field on the owner."""
        return self._references or _single_pk(self.owner_info, self._describe())


class HasOne(HasMany[T]):
    """Like :class:`HasMany`, with at most one target row (read as the target or ``None``)."""

    kind = "has_one"
    cardinality = "one"

    @overload  # type: ignore[override]
    def __get__(self, instance: None, owner: type[Any] | None = None) -> HasOne[T]: ...
    @overload
    def __get__(self, instance: object, owner: type[Any] | None = None) -> T | None: ...
    def __get__(self, instance: object | None, owner: type[Any] | None = None) -> Any:
        return Association.__get__(self, instance, owner)


class BelongsTo(Association, Generic[T]):
    """The owner holds ``foreign_key`` pointing at the target (the field is added if absent).

    Reading it on an instance gives the preloaded target (or ``None``).

    Attributes:
        foreign_key: Field on the owner (default ``<name>_id``).
        references: Field on the target (default: its primary key, ``id``).
        key_type: Python type of the added foreign key field.
    """

    kind = "belongs_to"
    cardinality = "one"

    def __init__(
        self,
        target: type[Schema] | str,
        *,
        foreign_key: str | None = None,
        references: str | None = None,
        type: Any = None,
    ) -> None:
        super().__init__(target)
        self._foreign_key = foreign_key
        self._references = references
        self.key_type = type

    def __set_name__(self, owner: type[Any], name: str) -> None:
        super().__set_name__(owner, name)
        if self._foreign_key is None:
            self._foreign_key = f"{name}_id"

    @overload
    def __get__(self, instance: None, owner: type[Any] | None = None) -> BelongsTo[T]: ...
    @overload
    def __get__(self, instance: object, owner: type[Any] | None = None) -> T | None: ...
    def __get__(self, instance: object | None, owner: type[Any] | None = None) -> Any:
        return super().__get__(instance, owner)

    @property
    def foreign_key(self) -> str:
        """The foreign key field on the owner."""
        return self._foreign_key or f"{self.name}_id"

    @property
    def references(self) -> str:
        """The referenced field on the target."""
        return self._references or _single_pk(self.target.__schema__, self._describe())


class ManyToMany(Association, Generic[T]):
    """Owner and target are linked through rows of a join table (read as a ``list``).

    Attributes:
        join_through: The join table name.
        join_keys: ``(owner_key, target_key)`` columns of the join table (default
            ``<owner>_id`` and ``<target>_id``).
    """

    kind = "many_to_many"

    def __init__(
        self,
        target: type[Schema] | str,
        *,
        join_through: str,
        join_keys: tuple[str, str] | None = None,
    ) -> None:
        super().__init__(target)
        self.join_through = join_through
        self._join_keys = join_keys

    @overload
    def __get__(self, instance: None, owner: type[Any] | None = None) -> ManyToMany[T]: ...
    @overload
    def __get__(self, instance: object, owner: type[Any] | None = None) -> list[T]: ...
    def __get__(self, instance: object | None, owner: type[Any] | None = None) -> Any:
        return super().__get__(instance, owner)

    @property
    def join_keys(self) -> tuple[str, str]:
        """The join table's column pointing at the owner, and the one pointing at the target."""
        if self._join_keys is not None:
            return self._join_keys
        owner = self.owner.__name__ if self.owner is not None else ""
        return f"{snake_name(owner)}_id", f"{snake_name(self.target.__name__)}_id"


def _single_pk(info: SchemaInfo, where: str) -> str:
    if len(info.primary_key) != 1:
        raise SchemaError(
            f"{where}: {info.name} has a composite or no primary key; pass references=..."
        )
    return info.primary_key[0]


def has_many(
    target: type[Schema] | str, *, foreign_key: str | None = None, references: str | None = None
) -> Any:
    """Declare a one-to-many association (``posts = has_many("Post")``).

    Args:
        target: The target schema class or its class name.
        foreign_key: Field on the target pointing at the owner (default ``<owner>_id``).
        references: Field on the owner it points at (default: the owner's primary key).

    Returns:
        A :class:`HasMany` descriptor (typed ``Any`` so instances read as the loaded value).
    """
    return HasMany(target, foreign_key=foreign_key, references=references)


def has_one(
    target: type[Schema] | str, *, foreign_key: str | None = None, references: str | None = None
) -> Any:
    """Declare a one-to-one association held by the target (``profile = has_one("Profile")``).

    Args:
        target: The target schema class or its class name.
        foreign_key: Field on the target pointing at the owner (default ``<owner>_id``).
        references: Field on the owner it points at (default: the owner's primary key).

    Returns:
        A :class:`HasOne` descriptor.
    """
    return HasOne(target, foreign_key=foreign_key, references=references)


def belongs_to(
    target: type[Schema] | str,
    *,
    foreign_key: str | None = None,
    references: str | None = None,
    type: Any = None,
) -> Any:
    """Declare that the owner points at one target row (``author = belongs_to(User)``).

    The foreign key field (``author_id``) is added to the schema unless it is declared; declare
    it yourself for static typing. Its type is ``type``, else the target's primary key type
    when the target class is given, else ``int``.

    Args:
        target: The target schema class or its class name.
        foreign_key: Field on the owner (default ``<name>_id``).
        references: Field on the target (default: its primary key).
        type: Python type of an added foreign key field.

    Returns:
        A :class:`BelongsTo` descriptor.
    """
    return BelongsTo(target, foreign_key=foreign_key, references=references, type=type)


def many_to_many(
    target: type[Schema] | str, *, join_through: str, join_keys: tuple[str, str] | None = None
) -> Any:
    """Declare a many-to-many association through a join table.

    Args:
        target: The target schema class or its class name.
        join_through: The join table's name.
        join_keys: ``(owner_key, target_key)`` columns of the join table.

    Returns:
        A :class:`ManyToMany` descriptor.
    """
    return ManyToMany(target, join_through=join_through, join_keys=join_keys)
