"""The ``where(field__<lookup>=value)`` lookups (``gte``, ``in``, ``contains``, ...)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from zzz_db.exceptions import QueryError
from zzz_db.query.expr.core import Expr, Selectable, Value, coerce
from zzz_db.query.expr.predicates import Compare, IsNull, Like

__all__ = [
    "lookup",
]


def _escape_like(text: str) -> str:
    return text.replace("!", "!!").replace("%", "!%").replace("_", "!_")


def _escape_glob(text: str) -> str:
    return text.replace("[", "[[]").replace("*", "[*]").replace("?", "[?]")


def _like(column: Expr, pattern: str, ci: bool, glob: str, match: tuple[str, str]) -> Like:
    return Like(
        column,
        Value(pattern, None),
        case_insensitive=ci,
        negate=False,
        escaped=True,
        glob=glob,
        match=match,
    )


def lookup(column: Expr, name: str, value: Any) -> Expr:
    """Build the condition of a ``where(field__<name>=value)`` lookup.

    Args:
        column: The column.
        name: ``exact``, ``ne``, ``gt``, ``gte``, ``lt``, ``lte``, ``in``, ``not_in``,
            ``like``, ``ilike``, ``contains``, ``icontains``, ``startswith``,
            ``istartswith``, ``endswith``, ``iendswith``, ``isnull``, ``between``.
        value: The operand.

    Returns:
        The condition.

    Raises:
        QueryError: Unknown lookup, or a value of the wrong shape.
    """
    if name == "exact":
        return Expr.__eq__(column, value)
    simple = _COMPARISONS.get(name)
    if simple is not None:
        if value is None and name == "ne":
            return IsNull(column, negate=True)
        return Compare(simple, column, coerce(value, column))
    if name in ("in", "not_in"):
        if isinstance(value, (str, bytes)) or not isinstance(value, (Iterable, Selectable)):
            raise QueryError(f"__{name} needs a list or a subquery, not {type(value).__name__}")
        return column.in_(value) if name == "in" else column.not_in(value)
    if name == "isnull":
        return IsNull(column, negate=not value)
    if name == "between":
        if (
            isinstance(value, (str, bytes))
            or not isinstance(value, (list, tuple))
            or len(value) != 2
        ):
            raise QueryError(f"__between needs a (low, high) pair, not {value!r}")
        return column.between(value[0], value[1])
    if name in _TEXT_LOOKUPS:
        if not isinstance(value, str):
            raise QueryError(f"__{name} needs a string, not {type(value).__name__}")
        ci = name.startswith("i")
        base = name[1:] if ci and name != "in" else name
        if base == "like":
            return Like(
                column, Value(value, None), case_insensitive=ci, negate=False, escaped=False
            )
        text, star = _escape_like(value), _escape_glob(value)
        pattern = {"contains": f"%{text}%", "startswith": f"{text}%", "endswith": f"%{text}"}
        glob = {"contains": f"*{star}*", "startswith": f"{star}*", "endswith": f"*{star}"}
        return _like(column, pattern[base], ci, glob[base], (base, value))
    known = ", ".join(sorted([*_COMPARISONS, *_TEXT_LOOKUPS, "exact", "in", "not_in", "isnull"]))
    raise QueryError(f"unknown lookup __{name} (known: {known}, between)")


_COMPARISONS = {"ne": "<>", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}
_TEXT_LOOKUPS = frozenset(
    {"like", "ilike", "contains", "icontains", "startswith", "istartswith", "endswith",
     "iendswith"}
)  # fmt: skip
