"""The ``JOIN`` and row-lock clauses of a query, its join targets and subquery sources.

A join target may be an association (by name or object: the ``ON`` condition comes from its
keys; a many-to-many association adds two joins through its join table), a schema class, an
alias, a subquery source or a bare table name (these need an explicit ``on=``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from zzz_db.associations import Association, BelongsTo, HasMany, ManyToMany
from zzz_db.exceptions import QueryError
from zzz_db.query.expr import Column, Ctx, Expr, RawTable, Source, TableSource

if TYPE_CHECKING:
    from zzz_db.query.builder.query import Query
    from zzz_db.schema import SchemaInfo

__all__ = [
    "Join",
    "LOCK_MODES",
    "Lock",
    "SubquerySource",
    "as_source",
    "join_clauses",
    "make_lock",
    "sole_pk",
]

#: The row-lock modes :meth:`Query.lock <zzz_db.query.builder.Query.lock>` accepts.
LOCK_MODES = ("update", "no_key_update", "share", "key_share")


@dataclass(frozen=True, slots=True)
class Join:
    """A ``JOIN`` clause: ``kind`` is ``"INNER"`` or ``"LEFT"``."""

    kind: str
    source: Source
    on: Expr


@dataclass(frozen=True, slots=True)
class Lock:
    """A row lock: ``mode`` is ``update``, ``no_key_update``, ``share`` or ``key_share``."""

    mode: str = "update"
    skip_locked: bool = False
    nowait: bool = False
    of: tuple[str, ...] = ()


class SubquerySource(Source):
    """A query used as a ``FROM``/``JOIN`` source: ``q.subquery("t")``; ``t.c.<name>``."""

    __slots__ = ("alias", "query")

    def __init__(self, query: Query[Any], alias: str) -> None:
        self.query = query
        self.alias = alias

    @property
    def ref(self) -> str:
        """The alias."""
        return self.alias

    def column(self, name: str) -> Column:
        """The selected column ``name`` (:class:`QueryError` if the subquery has none)."""
        for result_name, column, spec in self.query.result_columns():
            if result_name == name:
                return Column(self, name, column, spec)
        names = ", ".join(n for n, _, _ in self.query.result_columns())
        raise QueryError(f"subquery {self.alias!r} has no column {name!r} (columns: {names})")

    def render_from(self, ctx: Ctx) -> None:
        """Render ``(SELECT ...) AS "alias"``."""
        ctx.parts.append("(")
        self.query.render_select(ctx)
        ctx.parts.append(") AS " + ctx.dialect.quote(self.alias))


def make_lock(mode: str, *, skip_locked: bool, nowait: bool, of: Iterable[Any]) -> Lock:
    """Validate a row-lock request and build its :class:`Lock`.

    Args:
        mode: One of :data:`LOCK_MODES`.
        skip_locked: ``SKIP LOCKED``.
        nowait: ``NOWAIT``.
        of: Tables to lock (schemas, aliases or names).

    Raises:
        QueryError: Unknown mode, or both ``skip_locked`` and ``nowait``.
    """
    if mode not in LOCK_MODES:
        raise QueryError(f"unknown lock mode {mode!r} (known: {', '.join(LOCK_MODES)})")
    if skip_locked and nowait:
        raise QueryError("choose one of skip_locked and nowait")
    refs = tuple(as_source(x, None).ref if not isinstance(x, str) else x for x in of)
    return Lock(mode, skip_locked, nowait, refs)


def join_clauses(
    root: Source,
    joins: tuple[Join, ...],
    kind: str,
    target: Any,
    *,
    on: Expr | None,
    alias: str | None,
) -> tuple[Join, ...]:
    """The joins to append for ``join(target, on, alias=alias)`` on a query.

    Args:
        root: The query's ``FROM`` source.
        joins: The query's joins so far.
        kind: ``"INNER"`` or ``"LEFT"``.
        target: See :meth:`Query.join <zzz_db.query.builder.Query.join>`.
        on: The join condition (required unless ``target`` is an association).
        alias: The joined table's alias.

    Returns:
        One join, or two for a many-to-many association.

    Raises:
        QueryError: Unknown association, missing ``on``, or an alias already in use.
    """
    info = root.info if isinstance(root, TableSource) else None
    if isinstance(target, str) and info is not None and on is None:
        assoc = info.associations.get(target)
        if assoc is None:
            names = ", ".join(info.associations) or "none"
            raise QueryError(f"{info.name} has no association {target!r} (associations: {names})")
        target = assoc
    if isinstance(target, Association):
        return _association_joins(root, joins, kind, target, alias)
    source = as_source(target, alias)
    if on is None:
        raise QueryError(f"join({target!r}) needs on=<condition>")
    return (Join(kind, source, on),)


def _owner_source(root: Source, joins: tuple[Join, ...], assoc: Association) -> TableSource:
    owner = assoc.owner_info
    for source in (root, *(j.source for j in joins)):
        if isinstance(source, TableSource) and source.info is owner:
            return source
    raise QueryError(f"join({assoc!r}): {owner.name} is not part of the query yet")


def _association_joins(
    root: Source, joins: tuple[Join, ...], kind: str, assoc: Association, alias: str | None
) -> tuple[Join, ...]:
    owner = _owner_source(root, joins, assoc)
    info = assoc.target.__schema__
    refs = {root.ref, *(j.source.ref for j in joins)}
    if alias is None and info.table in refs:
        alias = assoc.name  # a self-join: name the joined table after the association
    if alias is not None and alias in refs:
        raise QueryError(f"join({assoc!r}): alias {alias!r} is already used in the query")
    target = TableSource(info, alias)
    if isinstance(assoc, BelongsTo):
        on = owner.column(assoc.foreign_key) == target.column(assoc.references)
        return (Join(kind, target, on),)
    if isinstance(assoc, HasMany):
        on = target.column(assoc.foreign_key) == owner.column(assoc.references)
        return (Join(kind, target, on),)
    assert isinstance(assoc, ManyToMany)
    through = RawTable(assoc.join_through)
    owner_key, target_key = assoc.join_keys
    owner_pk = owner.column(sole_pk(owner.info))
    target_pk = target.column(sole_pk(target.info))
    return (
        Join(kind, through, through.column(owner_key) == owner_pk),
        Join(kind, target, target.column(target_pk.name) == through.column(target_key)),
    )


def sole_pk(info: SchemaInfo) -> str:
    """The single primary key field of ``info``.

    Raises:
        QueryError: The schema's key is composite or missing.
    """
    if len(info.primary_key) != 1:
        raise QueryError(f"{info.name} needs a single-column primary key for this join")
    return info.primary_key[0]


def as_source(target: Any, alias: str | None) -> Source:
    """The :class:`~zzz_db.query.expr.Source` for a join (or lock) target.

    Args:
        target: A schema class, an alias or other source, or a table name.
        alias: Rename the table (schemas, aliases and table names).

    Raises:
        QueryError: ``target`` is none of these.
    """
    from zzz_db.schema import Schema

    if isinstance(target, type) and issubclass(target, Schema):
        return TableSource(target.__schema__, alias)
    if isinstance(target, TableSource) and alias is not None:
        return TableSource(target.info, alias)
    if isinstance(target, Source):
        return target
    if isinstance(target, str):
        return RawTable(target, alias)
    raise QueryError(f"cannot join {target!r}: pass a schema, an alias, a subquery or a table")
