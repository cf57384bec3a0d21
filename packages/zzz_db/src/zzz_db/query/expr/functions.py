"""SQL function calls: :class:`Func` and the :data:`func` namespace (``func.count()``)."""

from __future__ import annotations

from typing import Any

from zzz_db.exceptions import QueryError
from zzz_db.query.expr.core import ATOM, BOOL, Ctx, Expr, coerce, operand

__all__ = [
    "Func",
    "func",
]


class Func(Expr):
    """A SQL function call such as ``count(*)``, ``lower(x)`` or ``sum(DISTINCT x)``."""

    __slots__ = ("args", "distinct", "name")
    prec = ATOM

    def __init__(self, name: str, args: tuple[Expr, ...], *, distinct: bool = False) -> None:
        if not name.replace("_", "a").isalnum() or not name.isascii():
            raise QueryError(f"invalid SQL function name {name!r}")
        self.name = name
        self.args = args
        self.distinct = distinct

    def sql(self, ctx: Ctx) -> None:
        """Render ``name(args)``; no arguments to ``count`` means ``count(*)``."""
        parts = ctx.parts
        parts.append(f"{self.name}(")
        if self.distinct:
            parts.append("DISTINCT ")
        if not self.args and self.name == "count":
            parts.append("*")
        for index, arg in enumerate(self.args):
            if index:
                parts.append(", ")
            operand(ctx, arg, BOOL)
        parts.append(")")


class _Functions:
    """SQL functions: ``func.count()``, ``func.sum(User.c.age)``, ``func.call("length", x)``."""

    def count(self, item: Any = None, *, distinct: bool = False) -> Func:
        """``count(*)``, or ``count(item)`` (``count(DISTINCT item)``)."""
        return Func("count", () if item is None else (coerce(item),), distinct=distinct)

    def sum(self, item: Any, *, distinct: bool = False) -> Func:
        """``sum(item)``."""
        return Func("sum", (coerce(item),), distinct=distinct)

    def avg(self, item: Any, *, distinct: bool = False) -> Func:
        """``avg(item)``."""
        return Func("avg", (coerce(item),), distinct=distinct)

    def min(self, item: Any) -> Func:
        """``min(item)``."""
        return Func("min", (coerce(item),))

    def max(self, item: Any) -> Func:
        """``max(item)``."""
        return Func("max", (coerce(item),))

    def lower(self, item: Any) -> Func:
        """``lower(item)``."""
        return Func("lower", (coerce(item),))

    def upper(self, item: Any) -> Func:
        """``upper(item)``."""
        return Func("upper", (coerce(item),))

    def coalesce(self, *items: Any) -> Func:
        """``coalesce(a, b, ...)``."""
        return Func("coalesce", tuple(coerce(i) for i in items))

    def call(self, name: str, *args: Any) -> Func:
        """Any function by name (validated as an identifier); arguments are bound."""
        return Func(name, tuple(coerce(a) for a in args))


#: The SQL function namespace (``func.count()``, ``func.max(User.c.age)``).
func = _Functions()
