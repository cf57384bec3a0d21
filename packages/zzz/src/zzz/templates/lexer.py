"""Lexer: splits template text into content and tags, and tags into expression tokens.

Sans-IO and pure. Follows the Handlebars 4.7 lexer: ``{{`` ``{{{`` ``{{&`` ``{{!`` ``{{!--``
``{{#`` ``{{/`` ``{{^`` ``{{else}}`` ``{{>``, ``~`` whitespace control on either side and
``\\{{`` to write a literal ``{{``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from zzz.templates.errors import TemplateSyntaxError

__all__ = ["ExprToken", "Source", "Tag", "Text", "tokenize"]

#: Characters that cannot appear in an identifier (Handlebars' ID rule).
_ID = r"[^\s!\"#%-,\./;->@\[-\^`\{-~]+"
_EXPR = re.compile(
    rf"""
    (?P<ws>\s+)
    |(?P<close>~?\}}\}}\}}?)
    |(?P<string>"(?:\\"|[^"])*"|'(?:\\'|[^'])*')
    |(?P<number>-?[0-9]+(?:\.[0-9]+)?(?=[~}}\s)]))
    |(?P<bparams>as\s+\|)
    |(?P<pipe>\|)
    |(?P<open_sexpr>\()
    |(?P<close_sexpr>\))
    |(?P<equals>=)
    |(?P<data>@)
    |(?P<dotdot>\.\.)
    |(?P<dot>\.(?=[=~}}\s/.)|]))
    |(?P<sep>[./])
    |(?P<segment>\[(?:\\\]|[^\]])*\])
    |(?P<id>{_ID}(?=[=~}}\s/.)|]))
    """,
    re.VERBOSE,
)
_LITERALS = {"true": True, "false": False, "null": None, "undefined": None}
_ELSE = re.compile(r"\s*else\s*(~?)\}\}")
_ELSE_CHAIN = re.compile(r"\s*else\s")
_INVERSE = re.compile(r"\s*(~?)\}\}")


class Source:
    """A template's text and file name, with offset → (line, column) conversion.

    Args:
        text: The template text.
        filename: Where it came from (used in errors).
    """

    __slots__ = ("_lines", "filename", "text")

    def __init__(self, text: str, filename: str) -> None:
        self.text = text
        self.filename = filename
        self._lines = [m.end() for m in re.finditer("\n", text)]

    def position(self, offset: int) -> tuple[int, int]:
        """Return the 1-based (line, column) of ``offset``."""
        lo, hi = 0, len(self._lines)
        while lo < hi:
            mid = (lo + hi) // 2
            if self._lines[mid] <= offset:
                lo = mid + 1
            else:
                hi = mid
        start = self._lines[lo - 1] if lo else 0
        return lo + 1, offset - start + 1

    def error(self, message: str, offset: int) -> TemplateSyntaxError:
        """Build a ``TemplateSyntaxError`` pointing at ``offset``."""
        line, column = self.position(offset)
        return TemplateSyntaxError(message, self.filename, line, column, self.text)


@dataclass(slots=True)
class ExprToken:
    """One token inside a tag: ``kind`` is a group name of the expression grammar."""

    kind: str
    value: object
    offset: int
    end: int


@dataclass(slots=True)
class Text:
    """Literal template text."""

    value: str
    offset: int


@dataclass(slots=True)
class Tag:
    """A ``{{...}}`` tag.

    ``kind`` is one of ``mustache``, ``unescaped``, ``comment``, ``open``, ``open_inverse``,
    ``inverse`` (``{{else}}``/``{{^}}``), ``inverse_chain`` (``{{else if ...}}``), ``close``,
    ``partial``.
    """

    kind: str
    offset: int
    end: int
    strip_open: bool
    strip_close: bool
    tokens: list[ExprToken] = field(default_factory=list)
    comment: str = ""


def _scan_expr(
    src: Source, start: int, pos: int, triple: bool
) -> tuple[list[ExprToken], bool, int]:
    """Tokenise an expression from ``pos`` up to and including its closing braces."""
    text = src.text
    tokens: list[ExprToken] = []
    match = _EXPR.match
    while True:
        if pos >= len(text):
            raise src.error("unclosed tag: expected '}}'", start)
        m = match(text, pos)
        if m is None:
            if "}}" not in text[pos:]:
                raise src.error("unclosed tag: expected '}}'", start)
            raise src.error(f"unexpected character {text[pos]!r} in tag", pos)
        kind = m.lastgroup
        assert kind is not None
        value: object = m.group()
        if kind == "close":
            closing = m.group()
            strip = closing.startswith("~")
            braces = closing.lstrip("~")
            if triple and braces != "}}}":
                raise src.error("a '{{{' tag must be closed with '}}}'", pos)
            end = m.end() if triple or braces == "}}" else m.end() - 1
            return tokens, strip, end
        pos = m.end()
        if kind == "ws":
            continue
        if kind == "string":
            raw = m.group()
            value = raw[1:-1].replace("\\" + raw[0], raw[0])
        elif kind == "number":
            raw = m.group()
            value = float(raw) if "." in raw else int(raw)
        elif kind == "segment":
            value = m.group()[1:-1].replace("\\]", "]")
            kind = "id"
        elif kind == "id" and m.group() in _LITERALS:
            nxt = text[pos : pos + 1]
            if nxt in {"~", "}", ")"} or nxt.isspace():
                value = _LITERALS[m.group()]
                kind = "literal"
        tokens.append(ExprToken(kind, value, m.start(), m.end()))


def _comment(src: Source, start: int, pos: int, strip_open: bool) -> Tag:
    text = src.text
    if text.startswith("--", pos):
        end = re.compile(r"--(~?)\}\}").search(text, pos + 2)
        if end is None:
            raise src.error("unclosed comment: expected '--}}'", start)
        body = text[pos + 2 : end.start()]
    else:
        end = re.compile(r"(~?)\}\}").search(text, pos)
        if end is None:
            raise src.error("unclosed comment: expected '}}'", start)
        body = text[pos : end.start()]
    return Tag("comment", start, end.end(), strip_open, bool(end.group(1)), comment=body)


def _tag(src: Source, start: int) -> Tag:
    text = src.text
    pos = start + 2
    if text.startswith("{{", pos):
        raise src.error("raw blocks '{{{{' are not supported", start)
    if text.startswith("{", pos):
        strip_open = text.startswith("~", pos + 1)
        tokens, strip_close, end = _scan_expr(src, start, pos + 1 + strip_open, triple=True)
        return Tag("unescaped", start, end, strip_open, strip_close, tokens)
    strip_open = text.startswith("~", pos)
    pos += strip_open
    char = text[pos : pos + 1]
    kind = "mustache"
    if char == "!":
        return _comment(src, start, pos + 1, strip_open)
    if char == "#":
        nxt = text[pos + 1 : pos + 2]
        if nxt in {">", "*"}:
            what = "partial blocks '{{#>'" if nxt == ">" else "decorators '{{#*'"
            raise src.error(f"{what} are not supported (use components and slots)", start)
        kind, pos = "open", pos + 1
    elif char == "/":
        kind, pos = "close", pos + 1
    elif char == "^":
        inverse = _INVERSE.match(text, pos + 1)
        if inverse:
            return Tag("inverse", start, inverse.end(), strip_open, bool(inverse.group(1)))
        kind, pos = "open_inverse", pos + 1
    elif char == "&":
        kind, pos = "unescaped", pos + 1
    elif char == ">":
        kind, pos = "partial", pos + 1
    elif char == "*":
        raise src.error("decorators '{{*' are not supported", start)
    elif char == "=":
        raise src.error("set-delimiter tags '{{=' are not supported", start)
    else:
        other = _ELSE.match(text, pos)
        if other:
            return Tag("inverse", start, other.end(), strip_open, bool(other.group(1)))
        chain = _ELSE_CHAIN.match(text, pos)
        if chain:
            kind, pos = "inverse_chain", chain.end()
    tokens, strip_close, end = _scan_expr(src, start, pos, triple=False)
    return Tag(kind, start, end, strip_open, strip_close, tokens)


def tokenize(src: Source) -> list[Text | Tag]:
    """Split ``src`` into ``Text`` and ``Tag`` items.

    Args:
        src: The template source.

    Returns:
        The items in order; adjacent text is merged.

    Raises:
        TemplateSyntaxError: On an unclosed tag or an unexpected character.
    """
    text = src.text
    out: list[Text | Tag] = []
    pos = 0
    pending: list[str] = []
    pending_at = 0
    length = len(text)
    while pos < length:
        at = text.find("{{", pos)
        if at < 0:
            if not pending:
                pending_at = pos
            pending.append(text[pos:])
            break
        chunk = text[pos:at]
        backslashes = len(chunk) - len(chunk.rstrip("\\"))
        if backslashes % 2 == 1:
            # "\{{" writes a literal "{{" and the text up to the next "{{".
            if not pending:
                pending_at = pos
            pending.append(chunk[:-1])
            nxt = text.find("{{", at + 2)
            stop = length if nxt < 0 else nxt
            pending.append(text[at:stop])
            pos = stop
            continue
        if backslashes:
            chunk = chunk[:-1]
        if chunk:
            if not pending:
                pending_at = pos
            pending.append(chunk)
        if pending:
            out.append(Text("".join(pending), pending_at))
            pending = []
        tag = _tag(src, at)
        out.append(tag)
        pos = tag.end
    if pending:
        out.append(Text("".join(pending), pending_at))
    return out
