"""Raw SQL fragments with bound parameters: ``fragment("lower(?) = ?", User.c.email, email)``.

Each ``?`` in the text is replaced by the matching argument: an expression (a column, a
function, another fragment) is rendered in place; any other value becomes a bound parameter
(``?`` on SQLite, ``%s`` on PostgreSQL and MySQL). Write ``\\?`` for a literal question mark
(PostgreSQL's ``jsonb ? key`` operator: ``fragment(r"? \\? ?", Doc.c.data, "key")``).
The text itself is trusted SQL: never build it from user input — pass user input as arguments.
"""

from __future__ import annotations

from typing import Any

from zzz_db.exceptions import QueryError
from zzz_db.query.expr import Ctx, Expr, coerce

__all__ = [
    "Fragment",
    "fragment",
]


class Fragment(Expr):
    """A raw SQL text with ``?`` slots filled by expressions or bound values.

    Attributes:
        texts: The literal SQL pieces around the slots (one more than ``args``).
        args: The slot arguments, as expressions.
    """

    __slots__ = ("args", "texts")
    prec = 0

    def __init__(self, texts: tuple[str, ...], args: tuple[Expr, ...]) -> None:
        self.texts = texts
        self.args = args

    def sql(self, ctx: Ctx) -> None:
        """Render the text with each slot filled (``%`` escaped for format-style drivers)."""
        parts = ctx.parts
        escape = ctx.dialect.paramstyle == "format"
        texts = self.texts
        for index, arg in enumerate(self.args):
            text = texts[index]
            parts.append(text.replace("%", "%%") if escape else text)
            arg.sql(ctx)
        last = texts[-1]
        parts.append(last.replace("%", "%%") if escape else last)

    def __repr__(self) -> str:
        return f"fragment({'?'.join(self.texts)!r}, {len(self.args)} args)"


def _split(sql: str) -> tuple[str, ...]:
    pieces: list[str] = []
    current: list[str] = []
    index, size = 0, len(sql)
    while index < size:
        char = sql[index]
        if char == "\\" and index + 1 < size and sql[index + 1] == "?":
            current.append("?")
            index += 2
            continue
        if char == "?":
            pieces.append("".join(current))
            current = []
        else:
            current.append(char)
        index += 1
    pieces.append("".join(current))
    return tuple(pieces)


def fragment(sql: str, *args: Any) -> Fragment:
    """Raw SQL with bound parameters, usable anywhere an expression is.

    Args:
        sql: Trusted SQL text; each ``?`` is a slot (``\\?`` is a literal ``?``).
        *args: One argument per slot: expressions are rendered in place, other values bound.

    Returns:
        The fragment expression.

    Raises:
        QueryError: The number of slots and arguments differ, or ``sql`` is not a string.

    Example:
        >>> from zzz_db.query.fragment import fragment
        >>> cond = fragment("lower(?) = ?", "x", "y")
    """
    if not isinstance(sql, str):
        raise QueryError(f"fragment() needs SQL text, not {type(sql).__name__}")
    texts = _split(sql)
    if len(texts) - 1 != len(args):
        raise QueryError(
            f"fragment({sql!r}) has {len(texts) - 1} '?' slot(s) but {len(args)} argument(s)"
        )
    return Fragment(texts, tuple(coerce(a) for a in args))
