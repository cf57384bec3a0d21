"""The template AST produced by ``zzz.templates.parser``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "Block",
    "Comment",
    "Content",
    "Expr",
    "Literal",
    "Mustache",
    "Node",
    "Partial",
    "PathExpr",
    "Program",
    "Strip",
    "SubExpr",
]


@dataclass(slots=True)
class Strip:
    """Whitespace-control flags of a tag: ``{{~`` (open) and ``~}}`` (close)."""

    open: bool = False
    close: bool = False


@dataclass(slots=True)
class PathExpr:
    """``a.b``, ``this``, ``../x``, ``@index``: ``parts`` after ``depth`` ``../`` hops."""

    parts: tuple[str, ...]
    depth: int
    data: bool
    scoped: bool
    original: str
    offset: int


@dataclass(slots=True)
class Literal:
    """A string, number, boolean or null literal (``original`` is the source text)."""

    value: Any
    offset: int
    original: str = ""


@dataclass(slots=True)
class SubExpr:
    """``(helper arg key=value)``."""

    path: PathExpr | Literal
    params: list[Expr]
    hash: list[tuple[str, Expr]]
    offset: int


Expr = PathExpr | Literal | SubExpr


@dataclass(slots=True)
class Content:
    """Literal text; ``value`` is what is written after whitespace control."""

    value: str
    original: str
    offset: int
    left_stripped: bool = False
    right_stripped: bool = False


@dataclass(slots=True)
class Comment:
    """``{{! ... }}``: writes nothing, but takes part in standalone-line rules."""

    strip: Strip
    offset: int


@dataclass(slots=True)
class Mustache:
    """``{{expr}}`` or ``{{{expr}}}``."""

    path: PathExpr | Literal
    params: list[Expr]
    hash: list[tuple[str, Expr]]
    escaped: bool
    strip: Strip
    offset: int


@dataclass(slots=True)
class Partial:
    """``{{> name context key=value}}``; ``indent`` is set for standalone partials."""

    name: str
    params: list[Expr]
    hash: list[tuple[str, Expr]]
    strip: Strip
    offset: int
    indent: str = ""


@dataclass(slots=True)
class Program:
    """A sequence of statements; ``chained`` marks an ``{{else if}}`` inverse."""

    body: list[Node]
    block_params: tuple[str, ...] = ()
    chained: bool = False


@dataclass(slots=True)
class Block:
    """``{{#name params}}program{{else}}inverse{{/name}}``."""

    path: PathExpr | Literal
    params: list[Expr]
    hash: list[tuple[str, Expr]]
    program: Program | None
    inverse: Program | None
    open_strip: Strip
    inverse_strip: Strip
    close_strip: Strip
    offset: int
    end_offset: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


Node = Content | Comment | Mustache | Partial | Block
