"""Static analysis of a parsed template, done before code generation.

Finds the partials and components a template references (so a whole closure is compiled
and checked together), whether ``../`` is used, and whether the template reads ``@index``
style data it must receive from its caller (so callers build data frames only when needed).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from zzz.templates.nodes import (
    Block,
    Expr,
    Mustache,
    Partial,
    PathExpr,
    Program,
    SubExpr,
)

__all__ = [
    "Analysis",
    "KEYWORDS",
    "Reference",
    "analyze",
    "block_name",
]

#: Block names the compiler handles itself (they cannot be registered as helpers).
KEYWORDS = frozenset({"if", "unless", "each", "with", "block", "component", "slot", "yield"})
_FRAME_KEYS = frozenset({"index", "first", "last", "key"})


@dataclass(slots=True)
class Reference:
    """A ``{{> partial}}`` or ``{{#component "x"}}`` reference found in a template."""

    kind: str
    name: str
    offset: int
    in_loop: bool


@dataclass(slots=True)
class Analysis:
    """What the loader and the code generator need to know about a template."""

    references: list[Reference] = field(default_factory=list)
    uses_depths: bool = False
    reads_frame: bool = False


def block_name(head: object) -> str | None:
    """The simple name of a block/mustache head (``each``), or ``None`` for paths."""
    simple = isinstance(head, PathExpr) and not (head.depth or head.data or head.scoped)
    if simple and isinstance(head, PathExpr) and len(head.parts) == 1:
        return head.parts[0]
    return None


def _exprs(expr: Expr) -> Iterator[Expr]:
    yield expr
    if isinstance(expr, SubExpr):
        yield from _exprs(expr.path)
        for param in expr.params:
            yield from _exprs(param)
        for _, value in expr.hash:
            yield from _exprs(value)


class _Walker:
    def __init__(self, helpers: frozenset[str]) -> None:
        self.helpers = helpers
        self.result = Analysis()

    def expr(self, expr: Expr, loops: int) -> None:
        for item in _exprs(expr):
            if not isinstance(item, PathExpr):
                continue
            if item.depth and not item.data:
                self.result.uses_depths = True
            if item.data and item.parts:
                reaches_caller = item.depth >= loops
                if reaches_caller and (item.parts[0] in _FRAME_KEYS or item.depth > loops):
                    self.result.reads_frame = True

    def exprs(self, node: Mustache | Block | Partial, loops: int) -> None:
        if not isinstance(node, Partial):
            self.expr(node.path, loops)
        for param in node.params:
            self.expr(param, loops)
        for _, value in node.hash:
            self.expr(value, loops)

    def program(self, program: Program | None, loops: int) -> None:
        if program is None:
            return
        for node in program.body:
            if isinstance(node, Mustache):
                self.exprs(node, loops)
                name = block_name(node.path)
                if name == "component" and node.params:
                    self.component(node.params[0], loops)
            elif isinstance(node, Partial):
                self.exprs(node, loops)
                self.result.references.append(
                    Reference("partial", node.name, node.offset, loops > 0)
                )
            elif isinstance(node, Block):
                self.block(node, loops)

    def component(self, first: Expr, loops: int) -> None:
        if isinstance(first, PathExpr | SubExpr):
            return
        self.result.references.append(
            Reference("component", str(first.value), first.offset, loops > 0)
        )

    def block(self, node: Block, loops: int) -> None:
        self.exprs(node, loops)
        name = block_name(node.path)
        inner = loops
        if name == "component" and node.params:
            self.component(node.params[0], loops)
        elif name in {"each"} or (
            name not in KEYWORDS and name not in self.helpers and not node.params
        ):
            inner = loops + 1
        elif name not in KEYWORDS:
            # A block helper receives the data frame and may pass it to its blocks.
            self.result.reads_frame = True
            inner = 0
        self.program(node.program, inner)
        self.program(node.inverse, loops)


def analyze(program: Program, helpers: frozenset[str]) -> Analysis:
    """Analyse ``program`` (see ``Analysis``).

    Args:
        program: A parsed template.
        helpers: Names of the registered helpers (they decide what a block means).

    Returns:
        The analysis.
    """
    walker = _Walker(helpers)
    walker.program(program, 0)
    return walker.result
