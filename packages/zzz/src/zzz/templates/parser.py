"""Parser: tokens → AST (Handlebars 4.7 grammar), then whitespace control.

Sans-IO and pure: ``parse(Source)`` returns a ``Program``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from zzz.templates.lexer import ExprToken, Source, Tag, Text, tokenize
from zzz.templates.nodes import (
    Block,
    Comment,
    Content,
    Expr,
    Literal,
    Mustache,
    Node,
    Partial,
    PathExpr,
    Program,
    Strip,
    SubExpr,
)
from zzz.templates.whitespace import strip_whitespace

__all__ = ["MAX_ELSE_CHAIN", "MAX_NESTING", "MAX_SUBEXPRESSION_DEPTH", "parse"]

#: Blocks nested deeper than this are a compile error (Python limits indentation depth).
MAX_NESTING = 30
#: ``{{else if}}`` branches allowed in one block.
MAX_ELSE_CHAIN = 100
#: ``(sub (expressions))`` nested deeper than this are a compile error.
MAX_SUBEXPRESSION_DEPTH = 32


class _ExprParser:
    """Recursive-descent parser over the tokens of one tag."""

    def __init__(self, src: Source, tokens: list[ExprToken], end: int) -> None:
        self.src = src
        self.tokens = tokens
        self.pos = 0
        self.end = end
        self.depth = 0

    def peek(self, ahead: int = 0) -> ExprToken | None:
        i = self.pos + ahead
        return self.tokens[i] if i < len(self.tokens) else None

    def next(self, what: str) -> ExprToken:
        tok = self.peek()
        if tok is None:
            raise self.src.error(f"expected {what} before the end of the tag", self.end)
        self.pos += 1
        return tok

    def at_end(self) -> bool:
        return self.pos >= len(self.tokens)

    def path(self) -> PathExpr:
        first = self.peek()
        assert first is not None
        start = first.offset
        data = False
        if first.kind == "data":
            data = True
            self.pos += 1
        parts: list[str] = []
        original: list[str] = ["@"] if data else []
        depth = 0
        scoped = False
        expect_segment = True
        while True:
            tok = self.peek()
            if tok is None:
                break
            if expect_segment:
                if tok.kind == "number" and parts and isinstance(tok.value, int):
                    tok = ExprToken("id", str(tok.value), tok.offset, tok.end)  # xs.1
                if tok.kind not in {"id", "dotdot", "dot"}:
                    raise self.src.error("expected a name in path", tok.offset)
                self.pos += 1
                raw = str(tok.value)
                original.append(self.src.text[tok.offset : tok.end])
                if tok.kind in {"dotdot", "dot"} or raw == "this":
                    literal_this = tok.kind == "id" and self.src.text[tok.offset] == "["
                    if literal_this:
                        parts.append(raw)
                    elif parts:
                        raise self.src.error(f"invalid path: {''.join(original)}", start)
                    elif tok.kind == "dotdot":
                        depth += 1
                    else:
                        scoped = True
                else:
                    parts.append(raw)
                expect_segment = False
            elif tok.kind == "sep":
                self.pos += 1
                original.append(str(tok.value))
                expect_segment = True
            else:
                break
        if expect_segment and len(original) > (1 if data else 0):
            raise self.src.error("path ends with a separator", start)
        return PathExpr(tuple(parts), depth, data, scoped, "".join(original), start)

    def param(self) -> Expr:
        tok = self.next("an argument")
        if tok.kind == "open_sexpr":
            return self.sexpr(tok.offset)
        if tok.kind in {"string", "number", "literal"}:
            original = self.src.text[tok.offset : tok.end]
            if tok.kind == "string":
                original = str(tok.value)
            return Literal(tok.value, tok.offset, original)
        if tok.kind in {"id", "data", "dotdot", "dot"}:
            self.pos -= 1
            return self.path()
        raise self.src.error(f"unexpected {tok.kind} {tok.value!r}", tok.offset)

    def sexpr(self, offset: int) -> SubExpr:
        self.depth += 1
        if self.depth > MAX_SUBEXPRESSION_DEPTH:
            raise self.src.error(
                f"sub-expressions nested more than {MAX_SUBEXPRESSION_DEPTH} levels deep", offset
            )
        head, params, hash_ = self.call(stop="close_sexpr")
        self.depth -= 1
        closing = self.next("')'")
        if closing.kind != "close_sexpr":
            raise self.src.error("expected ')'", closing.offset)
        return SubExpr(head, params, hash_, offset)

    def is_hash_start(self) -> bool:
        tok, nxt = self.peek(), self.peek(1)
        return tok is not None and tok.kind == "id" and nxt is not None and nxt.kind == "equals"

    def call(
        self, stop: str | None = None
    ) -> tuple[PathExpr | Literal, list[Expr], list[tuple[str, Expr]]]:
        head = self.param()
        if isinstance(head, SubExpr):
            raise self.src.error("a sub-expression cannot be called", head.offset)
        params: list[Expr] = []
        hash_: list[tuple[str, Expr]] = []
        while True:
            tok = self.peek()
            if tok is None or tok.kind in {stop, "bparams"}:
                break
            if self.is_hash_start():
                key = self.next("a key")
                self.pos += 1
                if any(k == key.value for k, _ in hash_):
                    raise self.src.error(f"duplicate hash argument {key.value!r}", key.offset)
                hash_.append((str(key.value), self.param()))
            elif hash_:
                raise self.src.error("positional argument after key=value", tok.offset)
            else:
                params.append(self.param())
        return head, params, hash_

    def block_params(self) -> tuple[str, ...]:
        tok = self.peek()
        if tok is None or tok.kind != "bparams":
            return ()
        self.pos += 1
        names: list[str] = []
        while True:
            tok = self.next("'|'")
            if tok.kind == "pipe":
                break
            if tok.kind != "id":
                raise self.src.error("block parameters must be plain names", tok.offset)
            names.append(str(tok.value))
        if not names:
            raise self.src.error("empty block parameter list", tok.offset)
        return tuple(names)

    def finish(self) -> None:
        tok = self.peek()
        if tok is not None:
            raise self.src.error(f"unexpected {tok.value!r} in tag", tok.offset)


@dataclass(slots=True)
class _Open:
    tag: Tag
    head: PathExpr | Literal
    params: list[Expr]
    hash: list[tuple[str, Expr]]
    block_params: tuple[str, ...]
    inverted: bool
    body: list[Node] = field(default_factory=list)
    program: Program | None = None
    inverse_strip: Strip = field(default_factory=Strip)
    chain: list[_Open] = field(default_factory=list)
    is_chain: bool = False


def _name(head: PathExpr | Literal) -> str:
    return head.original


class _Parser:
    def __init__(self, src: Source) -> None:
        self.src = src
        self.root: list[Node] = []
        self.stack: list[_Open] = []

    @property
    def body(self) -> list[Node]:
        return self.stack[-1].body if self.stack else self.root

    def expr(self, tag: Tag) -> _ExprParser:
        if not tag.tokens:
            raise self.src.error("empty tag", tag.offset)
        return _ExprParser(self.src, tag.tokens, tag.end)

    def run(self) -> Program:
        for item in tokenize(self.src):
            if isinstance(item, Text):
                self.body.append(Content(item.value, item.value, item.offset))
            else:
                self.tag(item)
        if self.stack:
            opened = self.stack[-1]
            raise self.src.error(
                f"unclosed block {{{{#{_name(opened.head)}}}}}: add {{{{/{_name(opened.head)}}}}}",
                opened.tag.offset,
            )
        return Program(self.root)

    def tag(self, tag: Tag) -> None:
        strip = Strip(tag.strip_open, tag.strip_close)
        if tag.kind == "comment":
            self.body.append(Comment(strip, tag.offset))
        elif tag.kind in {"mustache", "unescaped"}:
            p = self.expr(tag)
            head, params, hash_ = p.call()
            p.finish()
            self.body.append(
                Mustache(head, params, hash_, tag.kind == "mustache", strip, tag.offset)
            )
        elif tag.kind == "partial":
            self.partial(tag, strip)
        elif tag.kind in {"open", "open_inverse"}:
            p = self.expr(tag)
            head, params, hash_ = p.call(stop="bparams")
            bparams = p.block_params()
            p.finish()
            if sum(1 for item in self.stack if not item.is_chain) >= MAX_NESTING:
                raise self.src.error(
                    f"blocks are nested more than {MAX_NESTING} levels deep", tag.offset
                )
            self.stack.append(_Open(tag, head, params, hash_, bparams, tag.kind == "open_inverse"))
        elif tag.kind in {"inverse", "inverse_chain"}:
            self.inverse(tag, strip)
        else:
            self.close(tag, strip)

    def partial(self, tag: Tag, strip: Strip) -> None:
        p = self.expr(tag)
        first = p.peek()
        assert first is not None
        if first.kind == "open_sexpr":
            raise self.src.error(
                "dynamic partial names are not supported: partials are resolved at startup",
                tag.offset,
            )
        if first.kind == "string":
            p.pos += 1
            name = str(first.value)
        else:
            name = p.path().original
        params: list[Expr] = []
        hash_: list[tuple[str, Expr]] = []
        while not p.at_end():
            if p.is_hash_start():
                key = p.next("a key")
                p.pos += 1
                hash_.append((str(key.value), p.param()))
            elif hash_:
                raise self.src.error("positional argument after key=value", tag.offset)
            else:
                params.append(p.param())
        if len(params) > 1:
            raise self.src.error("a partial takes at most one context argument", tag.offset)
        self.body.append(Partial(name, params, hash_, strip, tag.offset))

    def inverse(self, tag: Tag, strip: Strip) -> None:
        if not self.stack:
            raise self.src.error("{{else}} outside of a block", tag.offset)
        opened = self.stack[-1]
        if opened.program is not None:
            raise self.src.error("a block can have only one {{else}}", tag.offset)
        opened.program = Program(opened.body, opened.block_params)
        opened.body = []
        opened.inverse_strip = strip
        if tag.kind == "inverse_chain":
            p = self.expr(tag)
            head, params, hash_ = p.call(stop="bparams")
            bparams = p.block_params()
            p.finish()
            chain = 1
            for item in reversed(self.stack):
                if not item.is_chain:
                    break
                chain += 1
            if chain > MAX_ELSE_CHAIN:
                raise self.src.error(
                    f"more than {MAX_ELSE_CHAIN} {{{{else if}}}} branches in one block", tag.offset
                )
            chained = _Open(tag, head, params, hash_, bparams, inverted=False, is_chain=True)
            opened.chain.append(chained)
            self.stack.append(chained)

    def close(self, tag: Tag, strip: Strip) -> None:
        p = self.expr(tag)
        closing = p.param()
        p.finish()
        if isinstance(closing, SubExpr):
            raise self.src.error("a closing tag names its block: {{/name}}", tag.offset)
        if not self.stack:
            raise self.src.error(f"{{{{/{closing.original}}}}} closes nothing", tag.offset)
        # Close the chain of {{else if}} blocks first: they end at the same {{/if}}.
        opened = self.stack.pop()
        chain: list[_Open] = []
        while opened.is_chain:
            chain.append(opened)
            opened = self.stack.pop()
        if closing.original != _name(opened.head):
            raise self.src.error(
                f"{{{{/{closing.original}}}}} does not match {{{{#{_name(opened.head)}}}}} "
                f"opened at line {self.src.position(opened.tag.offset)[0]}",
                tag.offset,
            )
        inner: Block | None = None
        for item in chain:
            block = self.build(item, strip, inner)
            inner = block
        block = self.build(opened, strip, inner)
        block.end_offset = tag.end
        self.body.append(block)

    def build(self, opened: _Open, close_strip: Strip, chained: Block | None) -> Block:
        program: Program | None
        inverse: Program | None
        if opened.program is None:
            program, inverse = Program(opened.body, opened.block_params), None
        else:
            program = opened.program
            inverse = Program([chained], chained=True) if chained else Program(opened.body)
        if opened.inverted:
            program, inverse = inverse, program
        return Block(
            opened.head,
            opened.params,
            opened.hash,
            program,
            inverse,
            Strip(opened.tag.strip_open, opened.tag.strip_close),
            opened.inverse_strip,
            close_strip,
            opened.tag.offset,
        )


def parse(src: Source) -> Program:
    """Parse a template into an AST with whitespace control and standalone lines applied.

    Args:
        src: The template source.

    Returns:
        The root ``Program``.

    Raises:
        TemplateSyntaxError: On bad syntax, unclosed or mismatched blocks.
    """
    program = _Parser(src).run()
    strip_whitespace(program)
    return program
