"""Changesets: cast and validate external params before they reach the database.

Example:
    >>> from zzz_db import Schema
    >>> class Person(Schema, table="people"):
    ...     name: str
    ...     email: str
    ...     age: int | None = None
    >>> cs = (
    ...     changeset(Person, {"name": "Al", "email": "al@example.com", "age": "42"})
    ...     .cast(["name", "email", "age"])
    ...     .validate_required(["name", "email"])
    ...     .validate_format("email", r"^[^@\\s]+@[^@\\s]+$")
    ...     .validate_length("name", min=2, max=100)
    ...     .validate_number("age", gte=0, lte=150)
    ...     .unique_constraint("email")
    ... )
    >>> cs.valid, cs.changes["age"]
    (True, 42)
    >>> changeset(Person, {"age": "x"}).cast(["name", "age"]).validate_required(["name"]).errors
    {'age': ['is invalid: ...'], 'name': ["can't be blank"]}

Methods record errors and return the changeset itself, so calls chain. Validations
look at *changes* only (like Ecto): a field that was not cast or put is not checked,
except by ``validate_required`` which also accepts a value already on the data.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, Literal, TypeVar, cast, overload

from zzz_db._changeset_base import _MISSING, _ChangesetBase
from zzz_db.exceptions import (
    CheckViolation,
    ConstraintError,
    ForeignKeyViolation,
    InvalidChangeset,
    UniqueViolation,
)
from zzz_db.schema import Schema
from zzz_db.validators import (
    ErrorDetail,
    check_exclusion,
    check_format,
    check_inclusion,
    check_length,
    check_number,
    is_blank,
)

__all__ = ["Changeset", "Constraint", "Err", "Ok", "changeset"]

S = TypeVar("S", bound=Schema)
T = TypeVar("T")
_TRUE = {True, "1", "true", "True", "on", "yes"}
ConstraintKind = Literal["unique", "foreign_key", "check"]


@dataclass(frozen=True, slots=True)
class Constraint:
    """A database constraint a changeset turns into a field error.

    Attributes:
        kind: ``"unique"``, ``"foreign_key"`` or ``"check"``.
        field: The field that gets the error.
        name: The constraint name to match (``None``: match by the field's column or the
            database's default names).
        message: The error message.
    """

    kind: ConstraintKind
    field: str
    name: str | None
    message: str

    def matches(self, error: ConstraintError, table: str, column: str) -> bool:
        """Whether the database ``error`` is this constraint.

        Args:
            error: The mapped database error.
            table: The schema's table.
            column: The column of :attr:`field`.
        """
        if error.constraint is not None:
            if self.name is not None:
                return error.constraint == self.name
            defaults = {
                "unique": (f"{table}_{column}_key", f"{table}_{column}_index", column),
                "foreign_key": (f"{table}_{column}_fkey", f"{table}_{column}_fk"),
                "check": (),
            }[self.kind]
            if error.constraint in defaults:
                return True
        if error.columns:
            return tuple(error.columns) == (column,)
        # the database named nothing (SQLite foreign keys): the field declared for it wins
        return error.constraint is None and self.kind == "foreign_key"


class Changeset(_ChangesetBase[S]):
    """Changes to apply to a schema instance (or to a new one), with their errors.

    Attributes:
        schema: The schema class.
        data: The record being changed (``None`` for a new record).
        params: The external params given.
        changes: Cast values that differ from ``data``.
        error_details: Field name → :class:`~zzz_db.validators.ErrorDetail` list.
        constraints: Constraints that become field errors on insert/update.
        action: The Repo action attempted (``"insert"``, ``"update"``…), once attempted.
    """

    def __init__(self, schema: type[S], data: S | None, params: Mapping[str, Any]) -> None:
        super().__init__(schema, data, params)
        self.constraints: list[Constraint] = []
        self.action: str | None = None

    # -- validations -----------------------------------------------------------------------

    def validate_required(
        self, fields: Iterable[str], *, message: str = "can't be blank"
    ) -> Changeset[S]:
        """Require a non-blank value (a change, or already on ``data``) for each field."""
        for name in fields:
            self._known(name)
            if name in self.error_details:
                continue
            if is_blank(self.get_field(name)):
                self.add_error(name, message, validation="required")
        return self

    def _check(self, field: str, detail: Callable[[Any], ErrorDetail | None]) -> Changeset[S]:
        self._known(field)
        value = self.changes.get(field, _MISSING)
        if value is _MISSING or value is None:
            return self
        error = detail(value)
        if error is not None:
            self.error_details.setdefault(field, []).append(error)
        return self

    def validate_format(
        self, field: str, pattern: str | re.Pattern[str], *, message: str = "has invalid format"
    ) -> Changeset[S]:
        """Require the change to match a regular expression (searched, not anchored)."""
        compiled = re.compile(pattern) if isinstance(pattern, str) else pattern
        return self._check(field, lambda v: check_format(v, compiled, message))

    def validate_length(
        self,
        field: str,
        *,
        min: int | None = None,
        max: int | None = None,
        is_: int | None = None,
        message: str | None = None,
    ) -> Changeset[S]:
        """Bound the length of a string (characters) or a list (items)."""
        messages = {"min": message, "max": message, "is": message} if message else None
        return self._check(
            field, lambda v: check_length(v, min=min, max=max, is_=is_, messages=messages)
        )

    def validate_number(
        self, field: str, *, message: str | None = None, **bounds: Any
    ) -> Changeset[S]:
        """Bound a number: ``gt``, ``gte``, ``lt``, ``lte``, ``eq``, ``ne``.

        Raises:
            ValueError: An unknown bound name.
        """
        check_number(0, bounds, message)  # validates the option names up front
        return self._check(field, lambda v: check_number(v, bounds, message))

    def validate_inclusion(
        self, field: str, values: Collection[Any], *, message: str = "is invalid"
    ) -> Changeset[S]:
        """Require the change to be one of ``values``."""
        return self._check(field, lambda v: check_inclusion(v, values, message))

    def validate_exclusion(
        self, field: str, values: Collection[Any], *, message: str = "is reserved"
    ) -> Changeset[S]:
        """Require the change to be none of ``values``."""
        return self._check(field, lambda v: check_exclusion(v, values, message))

    def validate_acceptance(self, field: str, *, message: str = "must be accepted") -> Changeset[S]:
        """Require a truthy param (a terms-of-service checkbox); it needs no schema field."""
        if self.params.get(field) not in _TRUE:
            self.add_error(field, message, validation="acceptance")
        return self

    def validate_confirmation(
        self, field: str, *, message: str = "does not match confirmation"
    ) -> Changeset[S]:
        """Require param ``<field>_confirmation`` to equal the change (error on that key)."""
        key = f"{field}_confirmation"
        if field in self.changes and key in self.params:
            confirmation = self.params[key]
            if confirmation != self.changes[field] and confirmation != self.params.get(field):
                self.add_error(key, message, validation="confirmation")
        return self

    def validate_change(
        self, field: str, validator: Callable[[Any], str | Iterable[str] | None]
    ) -> Changeset[S]:
        """Run a custom check on the change: it returns ``None`` or error message(s)."""
        self._known(field)
        if field not in self.changes:
            return self
        result = validator(self.changes[field])
        messages = [result] if isinstance(result, str) else list(result or ())
        for text in messages:
            self.add_error(field, text, validation="change")
        return self

    # -- constraints -----------------------------------------------------------------------

    def _constraint(
        self, kind: ConstraintKind, field: str, name: str | None, message: str
    ) -> Changeset[S]:
        self.constraints.append(Constraint(kind, field, name, message))
        return self

    def unique_constraint(
        self, field: str, *, name: str | None = None, message: str = "has already been taken"
    ) -> Changeset[S]:
        """Turn a unique violation on ``field`` (or constraint ``name``) into an error."""
        return self._constraint("unique", field, name, message)

    def foreign_key_constraint(
        self, field: str, *, name: str | None = None, message: str = "does not exist"
    ) -> Changeset[S]:
        """Turn a foreign-key violation on ``field`` (or constraint ``name``) into an error."""
        return self._constraint("foreign_key", field, name, message)

    def check_constraint(
        self, field: str, *, name: str, message: str = "is invalid"
    ) -> Changeset[S]:
        """Turn a violation of ``CHECK`` constraint ``name`` into an error on ``field``."""
        return self._constraint("check", field, name, message)

    def constraint_error(self, error: ConstraintError) -> bool:
        """Record ``error`` as a field error if a declared constraint matches it.

        Returns:
            Whether it matched (if not, the caller re-raises the database error).
        """
        if isinstance(error, UniqueViolation):
            kind = "unique"
        elif isinstance(error, ForeignKeyViolation):
            kind = "foreign_key"
        elif isinstance(error, CheckViolation):
            kind = "check"
        else:
            return False
        info = self.schema.__schema__
        for constraint in self.constraints:
            spec = info.fields.get(constraint.field)
            column = spec.column if spec is not None else constraint.field
            if constraint.kind == kind and constraint.matches(error, info.table, column):
                self.add_error(
                    constraint.field,
                    constraint.message,
                    validation=constraint.kind,
                    constraint=error.constraint,
                )
                return True
        return False

    # -- results ---------------------------------------------------------------------------

    def apply_changes(self) -> S:
        """The record with the changes applied (no validation, nothing saved)."""
        if self.data is not None:
            return self.data.model_copy(update=self.changes)
        return cast("S", self.schema.model_construct(**self.changes))

    def apply_action(self, action: str) -> S:
        """``apply_changes()`` if valid, else raise.

        Raises:
            InvalidChangeset: The changeset has errors.
        """
        self.action = action
        if not self.valid:
            raise InvalidChangeset(f"cannot {action} {self.schema.__name__}: {self.errors}", self)
        return self.apply_changes()


@overload
def changeset(target: type[S], params: Mapping[str, Any] | None = None) -> Changeset[S]: ...
@overload
def changeset(target: S, params: Mapping[str, Any] | None = None) -> Changeset[S]: ...
def changeset(target: type[S] | S, params: Mapping[str, Any] | None = None) -> Changeset[S]:
    """Start a changeset for a new record (a schema class) or an existing one (an instance).

    Args:
        target: ``User`` for an insert, ``user`` for an update.
        params: External params (e.g. a form or JSON body); cast later with ``cast``.

    Returns:
        An empty, valid changeset.
    """
    if isinstance(target, type):
        return Changeset(target, None, params or {})
    return Changeset(type(target), target, params or {})


@dataclass(frozen=True, slots=True)
class Ok(Generic[T]):
    """A successful Repo write: ``match await repo.insert(cs): case Ok(user): ...``.

    Attributes:
        value: The record as stored.
    """

    value: T
    ok: ClassVar[bool] = True


@dataclass(frozen=True, slots=True)
class Err(Generic[T]):
    """A refused Repo write (or a failed Multi step): ``case Err(changeset): ...``.

    Attributes:
        value: For Repo writes, the changeset with ``errors`` filled in; for a Multi
            ``run`` step, whatever the step gave.
    """

    value: T
    ok: ClassVar[bool] = False

    @property
    def changeset(self) -> Changeset[Any]:
        """The refused changeset.

        Raises:
            TypeError: This error carries something else.
        """
        if not isinstance(self.value, Changeset):
            raise TypeError(f"this Err carries {type(self.value).__name__}, not a Changeset")
        return self.value
