"""Composable, immutable queries: ``User.query().where(age__gte=18).order_by("-id").limit(10)``.

Every method returns a new :class:`Query`; the original is unchanged, so a base query can be
shared and refined freely (its parts are tuples, shared between the copies). Field names are
checked when the query is built: an unknown field raises :class:`~zzz_db.exceptions.QueryError`
naming the schema.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from zzz_db.associations import Association, BelongsTo, HasMany, ManyToMany
from zzz_db.exceptions import QueryError
from zzz_db.query.expr import (
    Column,
    Ctx,
    Exists,
    Expr,
    Func,
    Label,
    Ordering,
    RawTable,
    Selectable,
    Source,
    TableSource,
    and_,
    coerce,
    lookup,
)

if TYPE_CHECKING:
    from zzz_db.dialects.base import Dialect
    from zzz_db.fields import FieldSpec
    from zzz_db.schema import Schema, SchemaInfo

__all__ = [
    "Join",
    "Lock",
    "OnConflict",
    "PreloadPlan",
    "Query",
    "SubquerySource",
    "preload_plan",
]

S = TypeVar("S", bound="Schema")
_LOCK_MODES = ("update", "no_key_update", "share", "key_share")
_new = object.__new__


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


class Query(Selectable, Generic[S]):
    """An immutable ``SELECT`` over a schema's table (or a subquery).

    Build one with ``User.query()`` (or ``Query(source)`` for a subquery source); every method
    returns a new query.

    Example:
        >>> from zzz_db.schema import Schema
        >>> class Pet(Schema, table="pets"):
        ...     name: str
        ...     age: int = 0
        >>> adults = Pet.query().where(age__gte=2).order_by("-age").limit(5)
        >>> adults.to_sql("postgres")[1]
        [2, 5]
        >>> adults.where(name="Rex").wheres == adults.wheres
        False
    """

    __slots__ = (
        "_cache",
        "distinct_",
        "group",
        "having_",
        "joins",
        "limit_",
        "lock_",
        "offset_",
        "order",
        "selects",
        "source",
        "wheres",
    )

    def __init__(self, source: Source) -> None:
        self.source = source
        self.wheres: tuple[Expr, ...] = ()
        self.joins: tuple[Join, ...] = ()
        self.selects: tuple[Expr, ...] | None = None
        self.order: tuple[Ordering, ...] = ()
        self.group: tuple[Expr, ...] = ()
        self.having_: tuple[Expr, ...] = ()
        self.limit_: int | None = None
        self.offset_: int | None = None
        self.distinct_ = False
        self.lock_: Lock | None = None
        self._cache: dict[Any, Any] | None = None

    def _copy(self, **changes: Any) -> Query[S]:
        new: Query[S] = _new(Query)
        new.source = self.source
        new.wheres = self.wheres
        new.joins = self.joins
        new.selects = self.selects
        new.order = self.order
        new.group = self.group
        new.having_ = self.having_
        new.limit_ = self.limit_
        new.offset_ = self.offset_
        new.distinct_ = self.distinct_
        new.lock_ = self.lock_
        new._cache = None
        for name, value in changes.items():
            setattr(new, name, value)
        return new

    # -- introspection ----------------------------------------------------------------------
    @property
    def info(self) -> SchemaInfo | None:
        """The root schema's metadata (``None`` when selecting from a subquery)."""
        return self.source.info if isinstance(self.source, TableSource) else None

    @property
    def schema(self) -> type[S] | None:
        """The root schema class (``None`` when selecting from a subquery)."""
        info = self.info
        return None if info is None else info.schema  # type: ignore[return-value]

    def result_columns(self) -> list[tuple[str, str, FieldSpec | None]]:
        """``(name, column, spec)`` of each result column, in order.

        Without ``select(...)`` these are the root schema's persisted fields (rows load into
        instances); with it, one entry per selected expression (rows are tuples).
        """
        if self.selects is None:
            info = self.info
            if info is None:
                assert isinstance(self.source, SubquerySource)
                return self.source.query.result_columns()
            return [(s.name, s.column, s) for s in info.persisted]
        result = []
        for index, item in enumerate(self.selects):
            if isinstance(item, Column):
                result.append((item.name, item.column, item.spec))
            elif isinstance(item, Label):
                spec = item.item.spec if isinstance(item.item, Column) else None
                result.append((item.name, item.name, spec))
            else:
                result.append((f"_{index}", f"_{index}", None))
        return result

    def column(self, name: str) -> Column:
        """The root source's column ``name``."""
        return self.source.column(name)

    # -- building ---------------------------------------------------------------------------
    def where(self, *conditions: Expr, **lookups: Any) -> Query[S]:
        """Add conditions, ANDed with the existing ones.

        Args:
            *conditions: Expressions (``User.c.age >= 18``, ``fragment(...)``).
            **lookups: ``field=value`` (``None`` means ``IS NULL``) or ``field__lookup=value``
                with the lookups of :func:`zzz_db.query.expr.lookup` (``gte``, ``in``,
                ``contains``, ``isnull``, ...).

        Raises:
            QueryError: Unknown field (the message names the schema) or lookup.
        """
        return self._copy(wheres=self.wheres + self._conditions(conditions, lookups))

    def or_where(self, *conditions: Expr, **lookups: Any) -> Query[S]:
        """``(existing conditions) OR (these conditions)``."""
        new = and_(*self._conditions(conditions, lookups))
        if not self.wheres:
            return self._copy(wheres=(new,))
        return self._copy(wheres=(and_(*self.wheres) | new,))

    def _conditions(
        self, conditions: tuple[Expr, ...], lookups: Mapping[str, Any]
    ) -> tuple[Expr, ...]:
        out: list[Expr] = []
        for condition in conditions:
            if not isinstance(condition, Expr):
                raise QueryError(f"where() takes expressions, not {type(condition).__name__}")
            out.append(condition)
        for key, value in lookups.items():
            name, _, op = key.partition("__")
            out.append(lookup(self.source.column(name), op or "exact", value))
        return tuple(out)

    def _expr(self, item: str | Expr | Selectable) -> Expr:
        if isinstance(item, str):
            return self.source.column(item)
        if isinstance(item, (Expr, Selectable)):
            return coerce(item)
        raise QueryError(f"expected a field name or an expression, not {type(item).__name__}")

    def select(self, *items: str | Expr | Selectable) -> Query[S]:
        """Choose the result columns; replaces a previous select (no items: back to the schema).

        Args:
            *items: Field names, expressions (``func.count().label("n")``, ``fragment(...)``)
                or queries (scalar subqueries).

        Returns:
            The new query; its rows are tuples (see :meth:`result_columns`).

        Raises:
            QueryError: Unknown field name or unsupported item.
        """
        if not items:
            return self._copy(selects=None)
        return self._copy(selects=tuple(self._expr(i) for i in items))

    def distinct(self, value: bool = True) -> Query[S]:
        """``SELECT DISTINCT``."""
        return self._copy(distinct_=bool(value))

    def order_by(self, *items: str | Expr) -> Query[S]:
        """Append sort keys.

        Args:
            *items: ``"name"`` (ascending), ``"-inserted_at"`` (descending), orderings
                (``User.c.age.desc().nulls_last()``) or expressions (ascending).

        Raises:
            QueryError: Unknown field name.
        """
        orders: list[Ordering] = []
        for item in items:
            if isinstance(item, str):
                desc = item.startswith("-")
                orders.append(Ordering(self.source.column(item.lstrip("-")), descending=desc))
            elif isinstance(item, Ordering):
                orders.append(item)
            else:
                orders.append(Ordering(self._expr(item), descending=False))
        return self._copy(order=self.order + tuple(orders))

    def reorder(self, *items: str | Expr) -> Query[S]:
        """Replace the sort keys."""
        return self._copy(order=()).order_by(*items)

    def limit(self, count: int | None) -> Query[S]:
        """At most ``count`` rows (``None`` removes the limit)."""
        return self._copy(limit_=_non_negative("limit", count))

    def offset(self, count: int | None) -> Query[S]:
        """Skip ``count`` rows (``None`` removes the offset)."""
        return self._copy(offset_=_non_negative("offset", count))

    def group_by(self, *items: str | Expr) -> Query[S]:
        """Append ``GROUP BY`` keys."""
        return self._copy(group=self.group + tuple(self._expr(i) for i in items))

    def having(self, *conditions: Expr) -> Query[S]:
        """Add ``HAVING`` conditions (ANDed)."""
        return self._copy(having_=self.having_ + self._conditions(conditions, {}))

    def join(self, target: Any, on: Expr | None = None, *, alias: str | None = None) -> Query[S]:
        """``INNER JOIN`` another table.

        Args:
            target: An association name of the root schema (``"posts"``), an association
                (``User.posts``, joined from its owner already in the query), a schema class,
                an alias (``User.alias("m")``), a subquery source, or a table name.
            on: The join condition; required unless ``target`` is an association.
            alias: Name the joined table (for schemas and associations).

        Returns:
            The new query (a many-to-many association adds two joins).

        Raises:
            QueryError: Unknown association, missing ``on``, or an alias already in use.
        """
        return self._join("INNER", target, on, alias)

    def left_join(
        self, target: Any, on: Expr | None = None, *, alias: str | None = None
    ) -> Query[S]:
        """``LEFT JOIN``; see :meth:`join`."""
        return self._join("LEFT", target, on, alias)

    def _join(self, kind: str, target: Any, on: Expr | None, alias: str | None) -> Query[S]:
        if isinstance(target, str) and self.info is not None and on is None:
            assoc = self.info.associations.get(target)
            if assoc is None:
                names = ", ".join(self.info.associations) or "none"
                raise QueryError(
                    f"{self.info.name} has no association {target!r} (associations: {names})"
                )
            target = assoc
        if isinstance(target, Association):
            joins = self._association_joins(kind, target, alias)
            return self._copy(joins=self.joins + joins)
        source = _as_source(target, alias)
        if on is None:
            raise QueryError(f"join({target!r}) needs on=<condition>")
        return self._copy(joins=(*self.joins, Join(kind, source, on)))

    def _owner_source(self, assoc: Association) -> TableSource:
        owner = assoc.owner_info
        for source in (self.source, *(j.source for j in self.joins)):
            if isinstance(source, TableSource) and source.info is owner:
                return source
        raise QueryError(f"join({assoc!r}): {owner.name} is not part of the query yet")

    def _association_joins(
        self, kind: str, assoc: Association, alias: str | None
    ) -> tuple[Join, ...]:
        owner = self._owner_source(assoc)
        info = assoc.target.__schema__
        refs = {self.source.ref, *(j.source.ref for j in self.joins)}
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
        owner_pk = owner.column(_sole_pk(owner.info))
        target_pk = target.column(_sole_pk(target.info))
        return (
            Join(kind, through, through.column(owner_key) == owner_pk),
            Join(kind, target, target.column(target_pk.name) == through.column(target_key)),
        )

    def for_update(
        self, *, skip_locked: bool = False, nowait: bool = False, of: Iterable[Any] = ()
    ) -> Query[S]:
        """``FOR UPDATE [OF ...] [SKIP LOCKED | NOWAIT]`` (ignored on SQLite)."""
        return self.lock("update", skip_locked=skip_locked, nowait=nowait, of=of)

    def lock(
        self,
        mode: str = "update",
        *,
        skip_locked: bool = False,
        nowait: bool = False,
        of: Iterable[Any] = (),
    ) -> Query[S]:
        """Lock the selected rows (rendered per dialect; SQLite renders nothing).

        Args:
            mode: ``update``, ``no_key_update``, ``share`` or ``key_share`` (``no_key_update``
                and ``key_share`` are PostgreSQL-only).
            skip_locked: Skip rows locked by others (``SKIP LOCKED``).
            nowait: Fail instead of waiting (``NOWAIT``).
            of: Lock only these tables (schemas, aliases or names; PostgreSQL only).

        Raises:
            QueryError: Unknown mode, or both ``skip_locked`` and ``nowait``.
        """
        if mode not in _LOCK_MODES:
            raise QueryError(f"unknown lock mode {mode!r} (known: {', '.join(_LOCK_MODES)})")
        if skip_locked and nowait:
            raise QueryError("choose one of skip_locked and nowait")
        refs = tuple(_as_source(x, None).ref if not isinstance(x, str) else x for x in of)
        return self._copy(lock_=Lock(mode, skip_locked, nowait, refs))

    def unlock(self) -> Query[S]:
        """Remove the row lock."""
        return self._copy(lock_=None)

    # -- derived queries --------------------------------------------------------------------
    def subquery(self, alias: str) -> SubquerySource:
        """Use this query as a ``FROM``/``JOIN`` source named ``alias``."""
        return SubquerySource(self, alias)

    def exists(self) -> Exists:
        """``EXISTS (this query)`` as a condition."""
        return Exists(self)

    def aggregate(self, function: str, field: str | Expr | None = None) -> Query[S]:
        """A query computing ``function`` over this query's rows (one row, one column).

        Limits, offsets, ``DISTINCT`` and grouping are respected by aggregating over a
        subquery; ordering and locks are dropped.

        Args:
            function: ``count``, ``sum``, ``avg``, ``min`` or ``max``.
            field: The field or expression (optional for ``count``: ``count(*)``).

        Raises:
            QueryError: Unknown function, or no field for a function other than ``count``.
        """
        if function not in ("count", "sum", "avg", "min", "max"):
            raise QueryError(f"unknown aggregate {function!r} (count, sum, avg, min, max)")
        if function != "count" and field is None:
            raise QueryError(f"aggregate {function!r} needs a field")
        base = self._copy(order=(), lock_=None)
        wrap = (
            base.limit_ is not None
            or base.offset_ is not None
            or base.distinct_
            or base.group
            or base.selects is not None
        )
        if not wrap:
            args = () if field is None else (self._expr(field),)
            return base.select(Func(function, args))
        if field is None:
            return Query(base.subquery("_agg")).select(Func("count", ()))
        inner = base.select(self._expr(field).label("_value")) if base.selects is None else base
        sub = inner.subquery("_agg")
        name = "_value" if base.selects is None else str(field)
        return Query(sub).select(Func(function, (sub.column(name),)))

    # -- SQL --------------------------------------------------------------------------------
    def render_select(self, ctx: Ctx) -> None:
        """Render this query's ``SELECT`` into ``ctx``."""
        from zzz_db.query.compile import render_select

        render_select(self, ctx)

    def to_sql(self, dialect: Dialect | str = "sqlite") -> tuple[str, list[Any]]:
        """The SQL text and parameters for ``dialect`` (``"sqlite"``, ``"postgres"``,
        ``"mysql"`` or a :class:`~zzz_db.dialects.base.Dialect`)."""
        from zzz_db.query.compile import compile_select

        sql, params = compile_select(self, dialect)
        return sql, params

    def __str__(self) -> str:
        return self.to_sql()[0]

    def __repr__(self) -> str:
        sql, params = self.to_sql()
        return f"<Query {sql!r} params={params!r}>"


def _non_negative(what: str, count: int | None) -> int | None:
    if count is None:
        return None
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise QueryError(f"{what} must be a non-negative int or None, not {count!r}")
    return count


def _sole_pk(info: SchemaInfo) -> str:
    if len(info.primary_key) != 1:
        raise QueryError(f"{info.name} needs a single-column primary key for this join")
    return info.primary_key[0]


def _as_source(target: Any, alias: str | None) -> Source:
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
    owner_pk = _sole_pk(assoc.owner_info)
    target_pk = target.column(_sole_pk(target.info))
    columns = [target.column(spec.name) for spec in target.info.persisted]
    query = (
        Query(target)
        .join(through, on=through.column(target_key) == target_pk)
        .where(through.column(owner_key).in_(values))
        .select(*columns, through.column(owner_key).label("_owner_key"))
    )
    return PreloadPlan(query, owner_pk, None, through=True)
