"""The expression core: the compilation context, the :class:`Expr` base and its operators.

Expressions are immutable and built with Python operators::

    (User.c.age >= 18) & ~User.c.email.like("%@spam.test") | User.c.role.in_(["admin", "staff"])

Every Python value becomes a bound parameter (never SQL text). ``and``/``or``/``not`` cannot be
overloaded: use ``&``, ``|`` and ``~`` (an expression refuses to be used as a ``bool``).

This module holds what every expression needs (:class:`Ctx`, :class:`Expr`, :class:`Value`,
:class:`Column`, :func:`coerce`, :func:`operand`) and the select-list/``ORDER BY`` items that
:class:`Expr` methods build; the conditions live in :mod:`zzz_db.query.expr.predicates`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from zzz_db.exceptions import QueryError

if TYPE_CHECKING:
    from zzz_db.dialects.base import Dialect
    from zzz_db.fields import FieldSpec
    from zzz_db.query.expr.sources import Source

__all__ = [
    "ATOM",
    "BOOL",
    "COMPARE",
    "Column",
    "Ctx",
    "Expr",
    "Label",
    "Ordering",
    "ScalarSubquery",
    "Selectable",
    "Value",
    "coerce",
    "operand",
]

#: Operator precedence classes used to decide where parentheses are needed.
ATOM: int = 3
COMPARE: int = 2
BOOL: int = 1


class Ctx:
    """The compilation context: SQL text parts and bound parameters for one statement.

    Attributes:
        dialect: The target dialect.
        parts: SQL text pieces, joined at the end.
        params: Bound parameter values, already adapted for the dialect.
    """

    __slots__ = ("dialect", "params", "parts", "placeholder")

    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect
        self.parts: list[str] = []
        self.params: list[Any] = []
        self.placeholder = dialect.placeholder

    def bind(self, value: Any, spec: FieldSpec | None = None) -> None:
        """Append a placeholder and its (dialect-adapted) parameter."""
        self.params.append(self.dialect.adapt(value, spec))
        self.parts.append(self.placeholder)

    def text(self) -> str:
        """The SQL text rendered so far."""
        return "".join(self.parts)


class Selectable:
    """Marker base of query values that render as a ``SELECT`` (usable as subqueries)."""

    __slots__ = ()

    def render_select(self, ctx: Ctx) -> None:
        """Render this query's ``SELECT`` into ``ctx`` (parameters shared with the outer one)."""
        raise QueryError(f"{type(self).__name__} cannot be rendered as a SELECT")


class Expr:
    """Base class of SQL expressions; Python operators build bigger expressions."""

    __slots__ = ()
    #: Binding strength; parentheses are added when a child binds weaker than required.
    prec = 0
    __hash__ = object.__hash__

    def sql(self, ctx: Ctx) -> None:
        """Render this expression into ``ctx``."""
        raise QueryError(f"{type(self).__name__} cannot be rendered")

    def __bool__(self) -> bool:
        raise TypeError(
            "a SQL expression has no truth value: combine conditions with &, | and ~ "
            "(not and/or/not), and compare them with is"
        )

    def __eq__(self, other: object) -> Expr:  # type: ignore[override]
        if other is None:
            return IsNull(self, negate=False)
        return Compare("=", self, coerce(other, self))

    def __ne__(self, other: object) -> Expr:  # type: ignore[override]
        if other is None:
            return IsNull(self, negate=True)
        return Compare("<>", self, coerce(other, self))

    def __lt__(self, other: Any) -> Expr:
        return Compare("<", self, coerce(other, self))

    def __le__(self, other: Any) -> Expr:
        return Compare("<=", self, coerce(other, self))

    def __gt__(self, other: Any) -> Expr:
        return Compare(">", self, coerce(other, self))

    def __ge__(self, other: Any) -> Expr:
        return Compare(">=", self, coerce(other, self))

    def __and__(self, other: Expr) -> Expr:
        return BoolOp("AND", (*_flatten("AND", self), *_flatten("AND", coerce(other))))

    def __rand__(self, other: Expr) -> Expr:
        return BoolOp("AND", (*_flatten("AND", coerce(other)), *_flatten("AND", self)))

    def __or__(self, other: Expr) -> Expr:
        return BoolOp("OR", (*_flatten("OR", self), *_flatten("OR", coerce(other))))

    def __ror__(self, other: Expr) -> Expr:
        return BoolOp("OR", (*_flatten("OR", coerce(other)), *_flatten("OR", self)))

    def __invert__(self) -> Expr:
        return Not(self)

    def __add__(self, other: Any) -> Expr:
        return Arith("+", self, coerce(other, self))

    def __radd__(self, other: Any) -> Expr:
        return Arith("+", coerce(other, self), self)

    def __sub__(self, other: Any) -> Expr:
        return Arith("-", self, coerce(other, self))

    def __rsub__(self, other: Any) -> Expr:
        return Arith("-", coerce(other, self), self)

    def __mul__(self, other: Any) -> Expr:
        return Arith("*", self, coerce(other, self))

    def __rmul__(self, other: Any) -> Expr:
        return Arith("*", coerce(other, self), self)

    def __truediv__(self, other: Any) -> Expr:
        return Arith("/", self, coerce(other, self))

    def __rtruediv__(self, other: Any) -> Expr:
        return Arith("/", coerce(other, self), self)

    def in_(self, values: Iterable[Any] | Selectable) -> Expr:
        """``self IN (values...)`` or ``self IN (subquery)``; an empty list is always false."""
        if isinstance(values, Selectable):
            return InList(self, (), values, negate=False)
        return InList(self, tuple(coerce(v, self) for v in values), None, negate=False)

    def not_in(self, values: Iterable[Any] | Selectable) -> Expr:
        """``self NOT IN (...)``; an empty list is always true."""
        if isinstance(values, Selectable):
            return InList(self, (), values, negate=True)
        return InList(self, tuple(coerce(v, self) for v in values), None, negate=True)

    def like(self, pattern: str) -> Expr:
        """``self LIKE pattern`` (``%`` and ``_`` are wildcards; case rules are the database's)."""
        return Like(self, Value(pattern, None), case_insensitive=False, negate=False, escaped=False)

    def not_like(self, pattern: str) -> Expr:
        """``self NOT LIKE pattern``."""
        return Like(self, Value(pattern, None), case_insensitive=False, negate=True, escaped=False)

    def ilike(self, pattern: str) -> Expr:
        """Case-insensitive ``LIKE`` (PostgreSQL ``ILIKE``, elsewhere ``lower() LIKE lower()``)."""
        return Like(self, Value(pattern, None), case_insensitive=True, negate=False, escaped=False)

    def contains(self, text: str) -> Expr:
        """``self`` contains ``text`` literally (``%`` and ``_`` in it are escaped)."""
        return lookup(self, "contains", text)

    def startswith(self, text: str) -> Expr:
        """``self`` starts with ``text`` literally."""
        return lookup(self, "startswith", text)

    def endswith(self, text: str) -> Expr:
        """``self`` ends with ``text`` literally."""
        return lookup(self, "endswith", text)

    def is_null(self) -> Expr:
        """``self IS NULL``."""
        return IsNull(self, negate=False)

    def is_not_null(self) -> Expr:
        """``self IS NOT NULL``."""
        return IsNull(self, negate=True)

    def between(self, low: Any, high: Any) -> Expr:
        """``self BETWEEN low AND high`` (inclusive)."""
        return Between(self, coerce(low, self), coerce(high, self))

    def asc(self) -> Ordering:
        """Ascending order on ``self``."""
        return Ordering(self, descending=False)

    def desc(self) -> Ordering:
        """Descending order on ``self``."""
        return Ordering(self, descending=True)

    def label(self, name: str) -> Label:
        """``self AS name`` in a select list."""
        return Label(self, name)


class Value(Expr):
    """A bound parameter; ``spec`` (the compared column's field) guides type adaptation."""

    __slots__ = ("spec", "value")
    prec = ATOM

    def __init__(self, value: Any, spec: FieldSpec | None) -> None:
        self.value = value
        self.spec = spec

    def sql(self, ctx: Ctx) -> None:
        """Render a placeholder and bind the value."""
        ctx.bind(self.value, self.spec)

    def __repr__(self) -> str:
        return f"Value({self.value!r})"


def coerce(value: Any, like: Expr | None = None) -> Expr:
    """Turn ``value`` into an expression: expressions pass, queries become subqueries, and
    anything else becomes a bound :class:`Value` (typed like the column ``like`` if given)."""
    if isinstance(value, Expr):
        return value
    if isinstance(value, Selectable):
        return ScalarSubquery(value)
    if not isinstance(like, Column):
        return Value(value, None)
    spec = like.spec
    if spec is not None and spec.kind != "json" and isinstance(value, _CONTAINERS):
        raise QueryError(
            f"{like.source.ref}.{like.name} holds {spec.kind} values, not a "
            f"{type(value).__name__} (use in_() for a list of values)"
        )
    return Value(value, spec)


_CONTAINERS = (list, tuple, dict, set, frozenset)


def operand(ctx: Ctx, item: Expr, required: int) -> None:
    """Render ``item``, parenthesised if it binds weaker than ``required``."""
    if item.prec < required:
        ctx.parts.append("(")
        item.sql(ctx)
        ctx.parts.append(")")
    else:
        item.sql(ctx)


def _flatten(op: str, item: Expr) -> tuple[Expr, ...]:
    if isinstance(item, BoolOp) and item.op == op:
        return item.items
    return (item,)


class Column(Expr):
    """A column of a table, alias or subquery (``User.c.age``)."""

    __slots__ = ("column", "name", "source", "spec")
    prec = ATOM

    def __init__(self, source: Source, name: str, column: str, spec: FieldSpec | None) -> None:
        self.source = source
        self.name = name
        self.column = column
        self.spec = spec

    def sql(self, ctx: Ctx) -> None:
        """Render ``"table"."column"``."""
        ctx.parts.append(ctx.dialect.qualified(self.source.ref, self.column))

    def __repr__(self) -> str:
        return f"Column({self.source.ref}.{self.column})"


class Label(Expr):
    """``expr AS "name"`` in a select list."""

    __slots__ = ("item", "name")
    prec = 0

    def __init__(self, item: Expr, name: str) -> None:
        self.item = item
        self.name = name

    def sql(self, ctx: Ctx) -> None:
        """Render ``expr AS "name"``."""
        operand(ctx, self.item, BOOL)
        ctx.parts.append(" AS ")
        ctx.parts.append(ctx.dialect.quote(self.name))


class Ordering(Expr):
    """An ``ORDER BY`` item: direction and optional ``NULLS FIRST/LAST``."""

    __slots__ = ("descending", "item", "nulls")
    prec = 0

    def __init__(self, item: Expr, *, descending: bool, nulls: str | None = None) -> None:
        if nulls not in (None, "first", "last"):
            raise QueryError(f"nulls must be 'first' or 'last', not {nulls!r}")
        self.item = item
        self.descending = descending
        self.nulls = nulls

    def sql(self, ctx: Ctx) -> None:
        """Render via the dialect (MySQL emulates ``NULLS FIRST/LAST``)."""
        ctx.dialect.render_ordering(ctx, self)

    def nulls_first(self) -> Ordering:
        """Sort NULLs before other values."""
        return Ordering(self.item, descending=self.descending, nulls="first")

    def nulls_last(self) -> Ordering:
        """Sort NULLs after other values."""
        return Ordering(self.item, descending=self.descending, nulls="last")


class ScalarSubquery(Expr):
    """A query used as a value: ``(SELECT count(*) FROM ...)``."""

    __slots__ = ("query",)
    prec = ATOM

    def __init__(self, query: Selectable) -> None:
        self.query = query

    def sql(self, ctx: Ctx) -> None:
        """Render the parenthesised subquery."""
        ctx.parts.append("(")
        self.query.render_select(ctx)
        ctx.parts.append(")")


# The nodes built by Expr's operators subclass Expr, so they are imported once it exists (the
# package ``__init__`` imports this module first).
from zzz_db.query.expr.lookups import lookup  # noqa: E402
from zzz_db.query.expr.predicates import (  # noqa: E402
    Arith,
    Between,
    BoolOp,
    Compare,
    InList,
    IsNull,
    Like,
    Not,
)
