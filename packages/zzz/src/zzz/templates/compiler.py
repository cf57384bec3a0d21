"""Code generator: AST → Python source of one render function per template.

Template text reaches the generated source only as ``repr()`` literals; helper, partial
and component names only as ``repr()`` literals or generated identifiers (``_h3``,
``_p4``): nothing from the template is ever spliced into code unquoted.

A generated function has the signature ``(c, dp, data, w)``: the context, the depth stack
for ``../`` (or ``None``), the ``@data`` frame and the output list's ``append``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from zzz.templates import runtime
from zzz.templates._codegen import ExprGen, Frame, Scope
from zzz.templates.analysis import KEYWORDS, Analysis, block_name
from zzz.templates.lexer import Source
from zzz.templates.nodes import (
    Block,
    Comment,
    Content,
    Literal,
    Mustache,
    Partial,
    PathExpr,
    Program,
)
from zzz.templates.options import HelperOptions
from zzz.templates.parser import MAX_NESTING

__all__ = [
    "CompileOptions",
    "Generated",
    "generate",
]

#: Loops per generated code object before the body moves into a closure (CPython allows 20).
_MAX_LOOPS = 12


@dataclass(slots=True)
class CompileOptions:
    """What the generator needs from its environment.

    Attributes:
        helpers: Registered helpers by name.
        strict: Handlebars strict mode (missing names in ``{{x}}`` raise at render).
        compat: Mustache context-stack lookup.
        resolve: ``(kind, name, from_template) -> canonical name or None``.
        needs_frame: Whether a partial reads ``@index``-style data from its caller.
    """

    helpers: Mapping[str, Callable[..., Any]]
    strict: bool
    compat: bool
    resolve: Callable[[str, str, str], str | None]
    needs_frame: Callable[[str], bool]


@dataclass(slots=True)
class Generated:
    """The output of ``generate``: source text plus what must be bound in its namespace."""

    source: str
    namespace: dict[str, Any]
    partial_refs: list[tuple[str, str]]
    line_offsets: list[int] = field(default_factory=list)
    blocks: dict[str, str] = field(default_factory=dict)
    block_errors: dict[str, str] = field(default_factory=dict)


class _Gen(ExprGen):
    """Statement half of the code generator."""

    # -- statements ----------------------------------------------------------------------
    def program(self, program: Program | None, sc: Scope) -> None:
        start = len(self.lines)
        if program is not None:
            pending: list[str] = []
            for node in program.body:
                if isinstance(node, Content):
                    if node.value:
                        pending.append(node.value)
                    continue
                if pending:
                    self.emit(f"w({''.join(pending)!r})")
                    pending = []
                self.offset = node.offset
                if isinstance(node, Mustache):
                    self.mustache(node, sc)
                elif isinstance(node, Block):
                    self.block(node, sc)
                elif isinstance(node, Partial):
                    self.partial(node, sc)
                else:
                    assert isinstance(node, Comment)
            if pending:
                self.emit(f"w({''.join(pending)!r})")
        if len(self.lines) == start:
            self.emit("pass")

    def mustache(self, node: Mustache, sc: Scope) -> None:
        out = "_e" if node.escaped else "_t"
        head = node.path
        name = block_name(head)
        if name == "yield":
            slot = self.literal_name(node, "yield") if node.params else "default"
            self.emit(f"w(_yield({sc.data}, {slot!r}))")
            return
        if name == "component":
            self.component(node, None, sc)
            return
        if name is not None and sc.bparam(name) is None and name in self.options.helpers:
            self.emit(f"w({out}({self.call(head, node.params, node.hash, sc)}))")
            return
        if node.params or node.hash or isinstance(head, Literal):
            if isinstance(head, Literal) and not (node.params or node.hash):
                self.emit(f"w({out}({head.value!r}))")
                return
            self.call(head, node.params, node.hash, sc)
        assert isinstance(head, PathExpr)
        value = self.path(head, sc, strict=True)
        if node.escaped and value.startswith(("_lks(", "_lk(")):
            # Fused lookup + escape: one call per {{a.b}} on the hot path.
            self.emit(f"w(_e{value[1:]})")
        else:
            self.emit(f"w({out}({value}))")

    def partial(self, node: Partial, sc: Scope) -> None:
        fn = self.target("partial", node.name, node.offset)
        ctx = self.expr(node.params[0], sc) if node.params else sc.ctx
        if node.hash:
            items = ", ".join(f"{k!r}: {self.expr(v, sc)}" for k, v in node.hash)
            ctx = f"_merge({ctx}, {{{items}}})"
        dp = sc.dp if self.options.compat else "None"
        data = sc.data
        canonical = self.options.resolve("partial", node.name, self.name)
        if sc.frames and canonical is not None and self.options.needs_frame(canonical):
            data = self.frames(sc)
        if node.indent:
            self.emit(f"w(_indent(_render_to({fn}, {ctx}, {dp}, {data}), {node.indent!r}))")
        else:
            self.emit(f"{fn}({ctx}, {dp}, {data}, w)")

    def frames(self, sc: Scope) -> str:
        data = sc.data
        for frame in sc.frames:
            built = f"_frame({data}, {frame.index}, {frame.last}, {frame.keys or 'None'})"
            data = built if frame.flag is None else f"({built} if {frame.flag} else {data})"
        return data

    def closure(self, program: Program | None, sc: Scope, params: tuple[str, ...]) -> str:
        """Emit ``def _fN(c, d, bp)`` rendering ``program`` to a string; return its name."""
        if program is None:
            return "_noop"
        fn = self.var("_f")
        ctx, data, bp = self.var("c"), self.var("d"), self.var("bp")
        self.emit(f"def {fn}({ctx}, {data}, {bp}):")
        saved = self.loops
        self.indent += 1
        self.loops = 0
        self.emit("_b = []")
        self.emit("w = _b.append")
        dp = sc.dp
        if self.use_depths:
            dp = self.var("dp")
            self.emit(f"{dp} = _push({sc.dp}, {ctx})")
        bparams = list(sc.bparams)
        for i, name in enumerate(params):
            var = self.var("b")
            self.emit(f"{var} = {bp}[{i}] if len({bp}) > {i} else None")
            bparams.append((name, var))
        inner = Scope(ctx, dp, data, (), tuple(bparams), top=False)
        self.program(program, inner)
        self.emit("return ''.join(_b)")
        self.indent -= 1
        self.loops = saved
        return fn

    def slot(self, program: Program | None, sc: Scope) -> str:
        """Emit ``def _fN()`` rendering a component slot in the caller's scope (a closure:
        it sees the caller's context, block parameters and ``@index``)."""
        fn = self.var("_f")
        self.emit(f"def {fn}():")
        saved = self.loops
        self.indent += 1
        self.loops = 0
        self.emit("_b = []")
        self.emit("w = _b.append")
        self.program(program, sc)
        self.emit("return ''.join(_b)")
        self.indent -= 1
        self.loops = saved
        return fn

    def block(self, node: Block, sc: Scope) -> None:
        self.nesting += 1
        if self.nesting > MAX_NESTING:
            raise self.error(f"blocks are nested more than {MAX_NESTING} levels deep", node.offset)
        name = block_name(node.path)
        loops = name == "each" or (
            name not in KEYWORDS and name not in self.options.helpers and not node.params
        )
        if loops and self.loops >= _MAX_LOOPS:
            fn = self.var("_f")
            self.emit(f"def {fn}():")
            self.indent += 1
            saved, self.loops = self.loops, 0
            self.block_body(node, name, sc)
            self.loops = saved
            self.indent -= 1
            self.emit(f"{fn}()")
        else:
            self.block_body(node, name, sc)
        self.nesting -= 1

    def block_body(self, node: Block, name: str | None, sc: Scope) -> None:
        if name is not None and sc.bparam(name) is None:
            if name in {"if", "unless"}:
                self.if_block(node, name, sc, "if")
                return
            if name == "each":
                self.each(node, sc)
                return
            if name == "with":
                self.with_block(node, sc)
                return
            if name == "block":
                self.named_block(node, sc)
                return
            if name == "component":
                self.component(node, node.program, sc)
                return
            if name in {"slot", "yield"}:
                raise self.error(f"{{{{#{name}}}}} is only valid inside a component", node.offset)
            if name in self.options.helpers:
                self.helper_block(node, name, sc)
                return
        if node.params or node.hash:
            self.call(node.path, node.params, node.hash, sc)
        self.section(node, sc)

    def one_param(self, node: Block, name: str) -> None:
        if len(node.params) != 1:
            raise self.error(f"#{name} requires exactly one argument", node.offset)

    def if_block(self, node: Block, name: str, sc: Scope, keyword: str) -> None:
        self.one_param(node, name)
        value = self.expr(node.params[0], sc)
        zero = dict(node.hash).get("includeZero")
        if zero is not None:
            value = f"_truthy_zero({value}, {self.expr(zero, sc)})"
        test = value if name == "if" else f"not {value}"
        self.emit(f"{keyword} {test}:")
        self.indent += 1
        self.program(node.program, sc)
        self.indent -= 1
        inverse = node.inverse
        if inverse is None:
            return
        if inverse.chained and len(inverse.body) == 1:
            chained = inverse.body[0]
            assert isinstance(chained, Block)
            chained_name = block_name(chained.path)
            if chained_name in {"if", "unless"} and sc.bparam(chained_name) is None:
                self.if_block(chained, chained_name, sc, "elif")
                return
        self.emit("else:")
        self.indent += 1
        self.program(inverse, sc)
        self.indent -= 1

    def loop(
        self,
        items: str,
        keys: str | None,
        program: Program | None,
        sc: Scope,
        *,
        named: bool,
        flag: str | None = None,
    ) -> None:
        last, index, item = self.var("n"), self.var("i"), self.var("x")
        self.emit(f"{last} = len({items}) - 1")
        self.emit(f"for {index}, {item} in enumerate({items}):")
        self.indent += 1
        self.loops += 1
        dp = sc.dp
        if self.use_depths:
            dp = self.var("dp")
            self.emit(f"{dp} = _push({sc.dp}, {item})")
        bparams = list(sc.bparams)
        declared = program.block_params if program is not None else ()
        if declared:
            bparams.append((declared[0], item))
        if len(declared) > 1 and named:
            key = self.var("k")
            if keys is None:
                self.emit(f"{key} = {index}")
            else:
                self.emit(f"{key} = {keys}[{index}] if {keys} is not None else {index}")
            bparams.append((declared[1], key))
        frame = Frame(index, last, keys, flag)
        inner = Scope(item, dp, sc.data, (*sc.frames, frame), tuple(bparams), top=False)
        self.program(program, inner)
        self.loops -= 1
        self.indent -= 1

    def each(self, node: Block, sc: Scope) -> None:
        self.one_param(node, "each")
        items, keys = self.var("s"), self.var("k")
        self.emit(f"{items}, {keys} = _seq({self.expr(node.params[0], sc)})")
        self.emit(f"if {items}:")
        self.indent += 1
        self.loop(items, keys, node.program, sc, named=True)
        self.indent -= 1
        if node.inverse is not None:
            self.emit("else:")
            self.indent += 1
            self.program(node.inverse, sc)
            self.indent -= 1

    def section(self, node: Block, sc: Scope) -> None:
        path = node.path
        if isinstance(path, Literal):
            path = PathExpr((path.original,), 0, False, False, path.original, path.offset)
        items, is_list = self.var("s"), self.var("l")
        value = self.path(path, sc, strict=True)
        self.emit(f"{items}, {is_list} = _section({value}, {sc.ctx})")
        self.emit(f"if {items}:")
        self.indent += 1
        self.loop(items, None, node.program, sc, named=False, flag=is_list)
        self.indent -= 1
        if node.inverse is not None:
            self.emit("else:")
            self.indent += 1
            self.program(node.inverse, sc)
            self.indent -= 1

    def with_block(self, node: Block, sc: Scope) -> None:
        self.one_param(node, "with")
        value = self.var("v")
        self.emit(f"{value} = {self.expr(node.params[0], sc)}")
        self.emit(f"if not _is_empty({value}):")
        self.indent += 1
        dp = sc.dp
        if self.use_depths:
            dp = self.var("dp")
            self.emit(f"{dp} = _push({sc.dp}, {value})")
        bparams = list(sc.bparams)
        if node.program is not None and node.program.block_params:
            bparams.append((node.program.block_params[0], value))
        self.program(node.program, sc.child(ctx=value, dp=dp, bparams=tuple(bparams), top=False))
        self.indent -= 1
        if node.inverse is not None:
            self.emit("else:")
            self.indent += 1
            self.program(node.inverse, sc)
            self.indent -= 1

    def named_block(self, node: Block, sc: Scope) -> None:
        name = self.literal_name(node, "#block")
        if not self.replaying:
            if name in self.named_blocks:
                raise self.error(f"block {name!r} is defined twice", node.offset)
            if node.inverse is not None:
                raise self.error("{{#block}} cannot have an {{else}}", node.offset)
            self.named_blocks[name] = (node, sc.top and not sc.bparams and not sc.frames)
        self.program(node.program, sc)

    def helper_block(self, node: Block, name: str, sc: Scope) -> None:
        params = node.program.block_params if node.program is not None else ()
        fn = self.closure(node.program, sc, params)
        inverse = self.closure(node.inverse, sc, ())
        items = ", ".join(f"{k!r}: {self.expr(v, sc)}" for k, v in node.hash)
        data = self.frames(sc) if sc.frames else sc.data
        options = f"_Opts({name!r}, {sc.ctx}, {{{items}}}, {data}, {fn}, {inverse})"
        call = self.call(node.path, node.params, [], sc, extra=f"options={options}")
        self.emit(f"w(_raw({call}))")

    def component(self, node: Mustache | Block, body: Program | None, sc: Scope) -> None:
        if not node.params or not isinstance(node.params[0], Literal) or len(node.params) > 1:
            raise self.error('component needs one quoted name, like component "card"', node.offset)
        fn = self.target("component", str(node.params[0].value), node.offset)
        slots: dict[str, str] = {}
        default: list[Any] = []
        for child in body.body if body is not None else ():
            if isinstance(child, Block) and block_name(child.path) == "slot":
                slot = self.literal_name(child, "#slot")
                if slot in slots:
                    raise self.error(f"slot {slot!r} is filled twice", child.offset)
                slots[slot] = self.slot(child.program, sc)
            else:
                default.append(child)
        if body is not None and any(not isinstance(n, Content) or n.value for n in default):
            slots["default"] = self.slot(Program(default), sc)
        ctx = "{" + ", ".join(f"{k!r}: {self.expr(v, sc)}" for k, v in node.hash) + "}"
        calls = ", ".join(f"{k!r}: {v}" for k, v in slots.items())
        self.emit(f"{fn}({ctx}, None, {{**{sc.data}, '_slots': {{{calls}}}}}, w)")

    # -- functions -----------------------------------------------------------------------
    def function(self, fn: str, program: Program | None) -> None:
        self.offset = 0
        self.emit_raw(f"def {fn}(c, dp, data, w):")
        self.indent = 1
        if self.use_depths:
            self.emit("dp = (c,) if dp is None else _push(dp, c)")
        self.program(program, Scope("c", "dp", "data"))


def _namespace() -> dict[str, Any]:
    return {
        "__builtins__": {"len": len, "enumerate": enumerate},
        "_e": runtime.escape,
        "_t": runtime.to_text,
        "_raw": runtime._raw,
        "_lk": runtime._lk,
        "_lks": runtime._lks,
        "_elk": runtime._escape_lookup,
        "_elks": runtime._escape_lookup_strict,
        "_clk": runtime._compat_lookup,
        "_clks": runtime._compat_lookup_strict,
        "_depth": runtime._depth,
        "_push": runtime._push,
        "_seq": runtime._seq,
        "_section": runtime._section,
        "_frame": runtime._frame,
        "_data_up": runtime._data_up,
        "_data_strict": runtime._data_strict,
        "_merge": runtime._merge,
        "_indent": runtime._indent,
        "_render_to": runtime._render_to,
        "_yield": runtime._yield,
        "_is_empty": runtime.is_empty,
        "_truthy_zero": runtime._truthy_zero,
        "_Opts": HelperOptions,
        "_noop": runtime._noop,
    }


def generate(
    name: str, src: Source, program: Program, analysis: Analysis, options: CompileOptions
) -> Generated:
    """Generate the Python source of template ``name``.

    Args:
        name: The template's canonical name.
        src: Its source (for error locations).
        program: Its parsed AST.
        analysis: Its static analysis.
        options: Helpers, modes and name resolution.

    Returns:
        The generated source and the namespace it must be executed in.

    Raises:
        TemplateSyntaxError: On unknown helpers/partials/components or misused blocks.
    """
    gen = _Gen(name, src, analysis, options)
    gen.function("_render", program)
    blocks: dict[str, str] = {}
    errors: dict[str, str] = {}
    gen.replaying = True
    for block, (node, standalone) in list(gen.named_blocks.items()):
        if not standalone:
            line, column = src.position(node.offset)
            errors[block] = (
                f"block {block!r} ({src.filename}:{line}:{column}) is inside a block that "
                "changes the context (each/with/a helper); move it out to render it alone"
            )
            continue
        fn = gen.var("_block")
        gen.emit_raw("")
        gen.function(fn, node.program)
        blocks[block] = fn
    namespace = _namespace()
    namespace.update(gen.namespace)
    for index, where in enumerate(gen.where):
        namespace[f"_L{index}"] = where
    source = "\n".join(gen.lines) + "\n"
    return Generated(source, namespace, gen.partial_refs, gen.line_offsets, blocks, errors)
