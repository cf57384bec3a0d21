"""Preloading: the single query that loads an association for many owners (no N+1)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from zzz_db.associations import Association, BelongsTo, HasMany, ManyToMany
from zzz_db.query.builder.clauses import sole_pk
from zzz_db.query.builder.query import Query
from zzz_db.query.expr import RawTable

__all__ = [
    "PreloadPlan",
    "preload_plan",
]


@dataclass(frozen=True, slots=True)
class PreloadPlan:
    """How to load an association for many owners in one query (no N+1).

    Attributes:
        query: The query loading every target row for the given owner keys.
        owner_key: The owner field whose values were given (and that groups the results).
        target_key: The field of each loaded target holding the matching owner key value
            (``None`` for many-to-many, whose rows carry it in an extra last column).
        through: Many-to-many: each row is the target's columns followed by the owner key.
    """

    query: Query[Any]
    owner_key: str
    target_key: str | None
    through: bool


def preload_plan(assoc: Association, keys: Iterable[Any]) -> PreloadPlan:
    """Plan the single query that loads ``assoc`` for owners whose key is in ``keys``.

    Args:
        assoc: The association (``User.posts``).
        keys: The distinct values of ``plan.owner_key`` on the owners (``None`` values are
            skipped by the caller: they match nothing).

    Returns:
        The plan; run ``plan.query`` and group the targets by ``plan.target_key`` (or by the
        last column for many-to-many).

    Example:
        ``preload_plan(User.posts, [1, 2]).query`` is
        ``SELECT <post columns> FROM posts WHERE posts.user_id IN (?, ?)``.
    """
    values = list(keys)
    target = assoc.target.__schema__.source
    query: Query[Any]
    if isinstance(assoc, BelongsTo):
        key = assoc.references
        query = Query(target).where(target.column(key).in_(values))
        return PreloadPlan(query, assoc.foreign_key, key, through=False)
    if isinstance(assoc, HasMany):
        key = assoc.foreign_key
        query = Query(target).where(target.column(key).in_(values))
        return PreloadPlan(query, assoc.references, key, through=False)
    assert isinstance(assoc, ManyToMany)
    through = RawTable(assoc.join_through)
    owner_key, target_key = assoc.join_keys
    owner_pk = sole_pk(assoc.owner_info)
    target_pk = target.column(sole_pk(target.info))
    columns = [target.column(spec.name) for spec in target.info.persisted]
    query = (
        Query(target)
        .join(through, on=through.column(target_key) == target_pk)
        .where(through.column(owner_key).in_(values))
        .select(*columns, through.column(owner_key).label("_owner_key"))
    )
    return PreloadPlan(query, owner_pk, None, through=True)
