"""Code generation for expressions: paths, ``@data`` variables and helper calls.

Private to ``zzz.templates.compiler`` (its ``_Gen`` extends ``ExprGen``). Names from the
template appear in generated code only as ``repr()`` literals.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from zzz.templates.analysis import Analysis, block_name
from zzz.templates.lexer import Source
from zzz.templates.nodes import Block, Expr, Literal, Mustache, PathExpr, SubExpr

if TYPE_CHECKING:
    from zzz.templates.compiler import CompileOptions

__all__ = ["ExprGen", "Frame", "Scope"]


@dataclass(slots=True, frozen=True)
class Frame:
    index: str
    last: str
    keys: str | None
    flag: str | None = None  # sections: a frame exists only when iterating a list


@dataclass(slots=True, frozen=True)
class Scope:
    ctx: str
    dp: str
    data: str
    frames: tuple[Frame, ...] = ()
    bparams: tuple[tuple[str, str], ...] = ()
    top: bool = True

    def bparam(self, name: str) -> str | None:
        for key, var in reversed(self.bparams):
            if key == name:
                return var
        return None

    def child(self, **changes: Any) -> Scope:
        values = {slot: getattr(self, slot) for slot in self.__slots__}
        values.update(changes)
        return Scope(**values)


class ExprGen:
    """Expression half of the code generator: paths, data variables, helper calls."""

    def __init__(self, name: str, src: Source, analysis: Analysis, options: CompileOptions) -> None:
        self.name = name
        self.src = src
        self.options = options
        self.use_depths = analysis.uses_depths or options.compat
        self.lines: list[str] = []
        self.line_offsets: list[int] = []  # template offset of each generated line
        self.offset = 0
        self.indent = 1
        self.counter = 0
        self.loops = 0
        self.nesting = 0
        self.namespace: dict[str, Any] = {}
        self.where: list[tuple[str, int, int]] = []
        self.helper_vars: dict[str, str] = {}
        self.partial_vars: dict[str, str] = {}
        self.partial_refs: list[tuple[str, str]] = []
        self.named_blocks: dict[str, tuple[Block, bool]] = {}
        self.replaying = False

    # -- helpers -------------------------------------------------------------------------
    def error(self, message: str, offset: int) -> Exception:
        return self.src.error(message, offset)

    def emit(self, line: str) -> None:
        self.lines.append("    " * self.indent + line)
        self.line_offsets.append(self.offset)

    def emit_raw(self, line: str) -> None:
        """Append a line at column 0 (function headers)."""
        self.lines.append(line)
        self.line_offsets.append(self.offset)

    def var(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def loc(self, offset: int) -> str:
        line, column = self.src.position(offset)
        self.where.append((self.src.filename, line, column))
        return f"_L{len(self.where) - 1}"

    def helper(self, name: str) -> str:
        var = self.helper_vars.get(name)
        if var is None:
            var = self.helper_vars[name] = self.var("_h")
            self.namespace[var] = self.options.helpers[name]
        return var

    def target(self, kind: str, name: str, offset: int) -> str:
        canonical = self.options.resolve(kind, name, self.name)
        if canonical is None:
            raise self.error(f"unknown {kind} {name!r}: create its template file", offset)
        var = self.partial_vars.get(canonical)
        if var is None:
            var = self.partial_vars[canonical] = self.var("_p")
            self.namespace[var] = None
            self.partial_refs.append((var, canonical))
        return var

    # -- expressions ---------------------------------------------------------------------
    def path(self, path: PathExpr, sc: Scope, strict: bool) -> str:
        strict = strict and self.options.strict
        if path.data:
            return self.data_path(path, sc, strict)
        parts = list(path.parts)
        if path.depth:
            base = f"_depth({sc.dp}, {path.depth})"
        elif not parts:
            return sc.ctx
        elif not path.scoped and (bp := sc.bparam(parts[0])) is not None:
            base = bp
            parts.pop(0)
            strict = False  # as Handlebars: paths below a block parameter are not strict
        elif self.options.compat and not path.scoped:
            first = parts.pop(0)
            if strict:
                base = f"_clks({sc.dp}, {first!r}, {self.loc(path.offset)})"
            else:
                base = f"_clk({sc.dp}, {first!r})"
        else:
            base = sc.ctx
        return self.chain(base, parts, strict, path.offset)

    def chain(self, base: str, parts: list[str], strict: bool, offset: int) -> str:
        if strict and parts:
            where = self.loc(offset)
            for part in parts:
                base = f"_lks({base}, {part!r}, {where})"
        else:
            for part in parts:
                base = f"_lk({base}, {part!r})"
        return base

    def data_path(self, path: PathExpr, sc: Scope, strict: bool) -> str:
        if not path.parts:
            raise self.error("'@' must be followed by a name", path.offset)
        key, rest = path.parts[0], list(path.parts[1:])
        frames = sc.frames
        if path.depth < len(frames) and key in {"index", "first", "last", "key"}:
            position = len(frames) - 1 - path.depth
            frame = frames[position]
            base = {
                "index": frame.index,
                "first": f"({frame.index} == 0)",
                "last": f"({frame.index} == {frame.last})",
                "key": (
                    frame.index
                    if frame.keys is None
                    else f"({frame.keys}[{frame.index}] if {frame.keys} is not None"
                    f" else {frame.index})"
                ),
            }[key]
            if frame.flag is not None:
                outer = PathExpr((key,), 0, True, False, path.original, path.offset)
                fallback = self.data_path(outer, sc.child(frames=frames[:position]), strict)
                base = f"({base} if {frame.flag} else {fallback})"
        else:
            up = max(0, path.depth - len(frames))
            data = sc.data if up == 0 else f"_data_up({sc.data}, {up})"
            if strict:
                base = f"_data_strict({data}, {key!r}, {self.loc(path.offset)})"
            else:
                base = f"{data}.get({key!r})"
        return self.chain(base, rest, strict, path.offset)

    def call(
        self,
        head: PathExpr | Literal,
        params: list[Expr],
        hash_: list[tuple[str, Expr]],
        sc: Scope,
        extra: str = "",
    ) -> str:
        name = block_name(head)
        if name is None or name not in self.options.helpers:
            shown = head.original if isinstance(head, PathExpr) else repr(head.value)
            raise self.error(
                f"unknown helper {shown!r}: register it with Templates.register_helper()",
                head.offset,
            )
        args = [self.expr(p, sc) for p in params]
        if hash_:
            items = ", ".join(f"{k!r}: {self.expr(v, sc)}" for k, v in hash_)
            args.append(f"**{{{items}}}")
        if extra:
            args.append(extra)
        return f"{self.helper(name)}({', '.join(args)})"

    def expr(self, expr: Expr, sc: Scope) -> str:
        if isinstance(expr, Literal):
            return repr(expr.value)
        if isinstance(expr, SubExpr):
            return self.call(expr.path, expr.params, expr.hash, sc)
        return self.path(expr, sc, strict=False)

    def literal_name(self, node: Mustache | Block, what: str) -> str:
        if len(node.params) != 1 or not isinstance(node.params[0], Literal):
            raise self.error(f'{what} needs one quoted name, like {what} "name"', node.offset)
        return str(node.params[0].value)
