"""Composable, immutable queries: ``User.query().where(age__gte=18).order_by("-id").limit(10)``.

Every method returns a new :class:`Query`; the original is unchanged, so a base query can be
shared and refined freely (its parts are tuples, shared between the copies). Field names are
checked when the query is built: an unknown field raises :class:`~zzz_db.exceptions.QueryError`
naming the schema.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from zzz_db.exceptions import QueryError
from zzz_db.query.builder.clauses import Join, Lock, SubquerySource, join_clauses, make_lock
from zzz_db.query.expr import (
    Column,
    Ctx,
    Exists,
    Expr,
    Func,
    Label,
    Ordering,
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
    "Query",
]

S = TypeVar("S", bound="Schema")
_new = object.__new__


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
        added = join_clauses(self.source, self.joins, kind, target, on=on, alias=alias)
        return self._copy(joins=self.joins + added)

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
        return self._copy(lock_=make_lock(mode, skip_locked=skip_locked, nowait=nowait, of=of))

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
        from zzz_db.query.compile.select import render_select

        render_select(self, ctx)

    def to_sql(self, dialect: Dialect | str = "sqlite") -> tuple[str, list[Any]]:
        """The SQL text and parameters for ``dialect`` (``"sqlite"``, ``"postgres"``,
        ``"mysql"`` or a :class:`~zzz_db.dialects.base.Dialect`)."""
        from zzz_db.query.compile.select import compile_select

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
