"""Upserts: what an insert does on a unique conflict (:class:`OnConflict`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from zzz_db.exceptions import QueryError
from zzz_db.query.expr import Expr, coerce

if TYPE_CHECKING:
    from zzz_db.schema import SchemaInfo

__all__ = [
    "OnConflict",
]


@dataclass(frozen=True, slots=True)
class OnConflict:
    """What an insert does when it hits a unique conflict (an upsert).

    Build it with :meth:`nothing`, :meth:`replace`, :meth:`replace_all` or :meth:`update`.

    Attributes:
        action: ``"nothing"``, ``"replace"`` or ``"update"``.
        target: Conflict target field names (required for updates on SQLite/PostgreSQL;
            ignored by MySQL).
        fields: For ``replace``: the fields to overwrite with the proposed values
            (``None``: every inserted field except the conflict target and primary key).
        set: For ``update``: ``(field, expression)`` assignments.
        constraint: A PostgreSQL constraint name to use instead of ``target``.
    """

    action: str
    target: tuple[str, ...] = ()
    fields: tuple[str, ...] | None = None
    set: tuple[tuple[str, Expr], ...] = ()
    constraint: str | None = None

    @classmethod
    def nothing(cls, target: Iterable[str] = (), *, constraint: str | None = None) -> OnConflict:
        """Skip rows that conflict (``ON CONFLICT DO NOTHING``)."""
        return cls("nothing", tuple(target), constraint=constraint)

    @classmethod
    def replace(
        cls, fields: Iterable[str], *, target: Iterable[str] = (), constraint: str | None = None
    ) -> OnConflict:
        """Overwrite ``fields`` of the existing row with the proposed values."""
        return cls("replace", tuple(target), tuple(fields), constraint=constraint)

    @classmethod
    def replace_all(
        cls, *, target: Iterable[str] = (), constraint: str | None = None
    ) -> OnConflict:
        """Overwrite every inserted field except the conflict target and the primary key."""
        return cls("replace", tuple(target), None, constraint=constraint)

    @classmethod
    def update(
        cls,
        set: Mapping[str, Any],
        *,
        target: Iterable[str] = (),
        constraint: str | None = None,
    ) -> OnConflict:
        """Run ``SET field = value`` on the existing row (values may be expressions, e.g.
        ``User.c.visits + 1``)."""
        pairs = tuple((name, coerce(value)) for name, value in set.items())
        return cls("update", tuple(target), (), pairs, constraint)

    def replace_fields(self, info: SchemaInfo, columns: Sequence[str]) -> tuple[str, ...]:
        """The fields a ``replace`` overwrites, given the inserted fields."""
        if self.action != "replace":
            return ()
        if self.fields is not None:
            return self.fields
        keep = set(self.target) | set(info.primary_key)
        return tuple(name for name in columns if name not in keep)

    def check(self, info: SchemaInfo) -> None:
        """Validate the field names against the schema."""
        for name in (*self.target, *(self.fields or ()), *(n for n, _ in self.set)):
            spec = info.fields.get(name)
            if spec is None or spec.virtual:
                raise QueryError(f"on_conflict: {info.name} has no persisted field {name!r}")
