"""Conditions: comparisons, arithmetic, ``AND``/``OR``/``NOT``, ``IN``, ``IS NULL``,
``BETWEEN``, ``LIKE`` and ``EXISTS``, with the :func:`and_`/:func:`or_`/:func:`not_`/
:func:`exists` helpers."""

from __future__ import annotations

from zzz_db.query.expr.core import ATOM, COMPARE, Ctx, Expr, Selectable, operand

__all__ = [
    "Arith",
    "Between",
    "BoolOp",
    "Compare",
    "Exists",
    "InList",
    "IsNull",
    "Like",
    "Not",
    "Truth",
    "and_",
    "exists",
    "not_",
    "or_",
]


class Compare(Expr):
    """``left <op> right`` for ``=``, ``<>``, ``<``, ``<=``, ``>``, ``>=``, ``+``, ``-``, ..."""

    __slots__ = ("left", "op", "right")
    prec = COMPARE

    def __init__(self, op: str, left: Expr, right: Expr) -> None:
        self.op = op
        self.left = left
        self.right = right

    def sql(self, ctx: Ctx) -> None:
        """Render ``left op right``."""
        operand(ctx, self.left, ATOM)
        ctx.parts.append(f" {self.op} ")
        operand(ctx, self.right, ATOM)


class Arith(Compare):
    """Arithmetic ``(left <op> right)``; parenthesised so it nests as an atom."""

    __slots__ = ()
    prec = ATOM

    def sql(self, ctx: Ctx) -> None:
        """Render ``(left op right)``."""
        ctx.parts.append("(")
        super().sql(ctx)
        ctx.parts.append(")")


class BoolOp(Expr):
    """``(a AND b AND ...)`` or ``(a OR b OR ...)``."""

    __slots__ = ("items", "op")
    prec = ATOM

    def __init__(self, op: str, items: tuple[Expr, ...]) -> None:
        self.op = op
        self.items = items

    def sql(self, ctx: Ctx) -> None:
        """Render the parenthesised conjunction or disjunction."""
        parts = ctx.parts
        parts.append("(")
        for index, item in enumerate(self.items):
            if index:
                parts.append(f" {self.op} ")
            operand(ctx, item, COMPARE)
        parts.append(")")


class Not(Expr):
    """``NOT (x)``."""

    __slots__ = ("item",)
    prec = COMPARE

    def __init__(self, item: Expr) -> None:
        self.item = item

    def sql(self, ctx: Ctx) -> None:
        """Render ``NOT (x)``."""
        ctx.parts.append("NOT (")
        self.item.sql(ctx)
        ctx.parts.append(")")


class Truth(Expr):
    """A constant condition (``1 = 1`` or ``1 = 0``), e.g. for ``x IN ()``."""

    __slots__ = ("value",)
    prec = COMPARE

    def __init__(self, value: bool) -> None:
        self.value = value

    def sql(self, ctx: Ctx) -> None:
        """Render ``1 = 1`` or ``1 = 0``."""
        ctx.parts.append("1 = 1" if self.value else "1 = 0")


class InList(Expr):
    """``x IN (?, ?, ...)`` or ``x IN (SELECT ...)`` (``negate``: ``NOT IN``)."""

    __slots__ = ("items", "left", "negate", "query")
    prec = COMPARE

    def __init__(
        self, left: Expr, items: tuple[Expr, ...], query: Selectable | None, negate: bool
    ) -> None:
        self.left = left
        self.items = items
        self.query = query
        self.negate = negate

    def sql(self, ctx: Ctx) -> None:
        """Render the membership test."""
        if self.query is None and not self.items:
            Truth(self.negate).sql(ctx)
            return
        operand(ctx, self.left, ATOM)
        ctx.parts.append(" NOT IN (" if self.negate else " IN (")
        if self.query is not None:
            self.query.render_select(ctx)
        else:
            for index, item in enumerate(self.items):
                if index:
                    ctx.parts.append(", ")
                operand(ctx, item, ATOM)
        ctx.parts.append(")")


class IsNull(Expr):
    """``x IS NULL`` (``negate``: ``IS NOT NULL``)."""

    __slots__ = ("item", "negate")
    prec = COMPARE

    def __init__(self, item: Expr, negate: bool) -> None:
        self.item = item
        self.negate = negate

    def sql(self, ctx: Ctx) -> None:
        """Render the null test."""
        operand(ctx, self.item, ATOM)
        ctx.parts.append(" IS NOT NULL" if self.negate else " IS NULL")


class Between(Expr):
    """``x BETWEEN low AND high`` (inclusive)."""

    __slots__ = ("high", "item", "low")
    prec = COMPARE

    def __init__(self, item: Expr, low: Expr, high: Expr) -> None:
        self.item = item
        self.low = low
        self.high = high

    def sql(self, ctx: Ctx) -> None:
        """Render the range test."""
        operand(ctx, self.item, ATOM)
        ctx.parts.append(" BETWEEN ")
        operand(ctx, self.low, ATOM)
        ctx.parts.append(" AND ")
        operand(ctx, self.high, ATOM)


class Like(Expr):
    """``x LIKE pattern`` (``case_insensitive``: ILIKE semantics on every dialect).

    ``escaped`` patterns use ``!`` as the escape character (set by ``contains``/``startswith``
    lookups, which escape ``%`` and ``_`` in the user's text). ``glob`` is the same literal
    match as a case-sensitive ``GLOB`` pattern, for SQLite (whose ``LIKE`` ignores case).
    ``match`` keeps the lookup's kind (``"contains"``, ``"startswith"``, ``"endswith"``) and its
    raw text, for dialects that must render some literals another way (SQLite's ``LIKE`` and
    ``GLOB`` stop reading a pattern at a NUL character).
    """

    __slots__ = ("case_insensitive", "escaped", "glob", "item", "match", "negate", "pattern")
    prec = COMPARE

    def __init__(
        self,
        item: Expr,
        pattern: Expr,
        *,
        case_insensitive: bool,
        negate: bool,
        escaped: bool,
        glob: str | None = None,
        match: tuple[str, str] | None = None,
    ) -> None:
        self.item = item
        self.match = match
        self.pattern = pattern
        self.case_insensitive = case_insensitive
        self.negate = negate
        self.escaped = escaped
        self.glob = glob

    def sql(self, ctx: Ctx) -> None:
        """Render via the dialect (ILIKE vs ``lower(x) LIKE lower(p)``)."""
        ctx.dialect.render_like(ctx, self)


class Exists(Expr):
    """``EXISTS (SELECT ...)``."""

    __slots__ = ("query",)
    prec = ATOM

    def __init__(self, query: Selectable) -> None:
        self.query = query

    def sql(self, ctx: Ctx) -> None:
        """Render ``EXISTS (subquery)``."""
        ctx.parts.append("EXISTS (")
        self.query.render_select(ctx)
        ctx.parts.append(")")


def and_(*items: Expr) -> Expr:
    """All of ``items`` (an empty call is always true)."""
    if not items:
        return Truth(True)
    return items[0] if len(items) == 1 else BoolOp("AND", items)


def or_(*items: Expr) -> Expr:
    """Any of ``items`` (an empty call is always false)."""
    if not items:
        return Truth(False)
    return items[0] if len(items) == 1 else BoolOp("OR", items)


def not_(item: Expr) -> Expr:
    """The negation of ``item``."""
    return Not(item)


def exists(query: Selectable) -> Exists:
    """``EXISTS (query)``; negate with ``~exists(query)``."""
    return Exists(query)
