"""Whitespace control (``{{~ ~}}``) and Mustache standalone-line rules, as Handlebars 4.7.

A port of the behaviour of Handlebars' ``WhitespaceControl`` visitor over our AST: a tag
alone on its line (block open/close, ``{{else}}``, comment, partial) removes that line's
indentation and line break; a standalone partial remembers the indentation it removed.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from zzz.templates.nodes import Program

__all__ = ["strip_whitespace"]

_PREV_WS = re.compile(r"\r?\n\s*?\Z")
_PREV_WS_ROOT = re.compile(r"(^|\r?\n)\s*?\Z")
_NEXT_WS = re.compile(r"^\s*?\r?\n")
_NEXT_WS_ROOT = re.compile(r"^\s*?(\r?\n|\Z)")
_LEADING_ALL = re.compile(r"^\s+")
_LEADING_LINE = re.compile(r"^[ \t]*\r?\n?")
_TRAILING_ALL = re.compile(r"\s+\Z")
_TRAILING_LINE = re.compile(r"[ \t]+\Z")
_INDENT = re.compile(r"([ \t]+\Z)")


def _is_content(node: Any) -> bool:
    return type(node).__name__ == "Content"


def _prev_ws(body: list[Any], i: int | None = None, is_root: bool = False) -> bool:
    if i is None:
        i = len(body)
    prev = body[i - 1] if i - 1 >= 0 else None
    sibling = body[i - 2] if i - 2 >= 0 else None
    if prev is None:
        return is_root
    if _is_content(prev):
        pattern = _PREV_WS if (sibling is not None or not is_root) else _PREV_WS_ROOT
        return pattern.search(prev.original) is not None
    return False


def _next_ws(body: list[Any], i: int | None = None, is_root: bool = False) -> bool:
    if i is None:
        i = -1
    nxt = body[i + 1] if i + 1 < len(body) else None
    sibling = body[i + 2] if i + 2 < len(body) else None
    if nxt is None:
        return is_root
    if _is_content(nxt):
        pattern = _NEXT_WS if (sibling is not None or not is_root) else _NEXT_WS_ROOT
        return pattern.search(nxt.original) is not None
    return False


def _omit_right(body: list[Any], i: int | None = None, multiple: bool = False) -> None:
    index = 0 if i is None else i + 1
    current = body[index] if index < len(body) else None
    if current is None or not _is_content(current) or (not multiple and current.right_stripped):
        return
    original = current.value
    current.value = (_LEADING_ALL if multiple else _LEADING_LINE).sub("", original, count=1)
    current.right_stripped = current.value != original


def _omit_left(body: list[Any], i: int | None = None, multiple: bool = False) -> bool:
    index = len(body) - 1 if i is None else i - 1
    current = body[index] if 0 <= index < len(body) else None
    if current is None or not _is_content(current) or (not multiple and current.left_stripped):
        return False
    original = current.value
    current.value = (_TRAILING_ALL if multiple else _TRAILING_LINE).sub("", original, count=1)
    current.left_stripped = current.value != original
    return bool(current.left_stripped)


class _Visitor:
    def __init__(self) -> None:
        self.root_seen = False

    def program(self, program: Program) -> None:
        is_root = not self.root_seen
        self.root_seen = True
        body: list[Any] = program.body
        current: Any
        for i, current in enumerate(body):
            strip = self.accept(current)
            if strip is None:
                continue
            prev_ws = _prev_ws(body, i, is_root)
            next_ws = _next_ws(body, i, is_root)
            open_standalone = strip.get("open_standalone", False) and prev_ws
            close_standalone = strip.get("close_standalone", False) and next_ws
            inline_standalone = strip.get("inline_standalone", False) and prev_ws and next_ws
            if strip.get("close"):
                _omit_right(body, i, multiple=True)
            if strip.get("open"):
                _omit_left(body, i, multiple=True)
            if inline_standalone:
                _omit_right(body, i)
                if _omit_left(body, i) and type(current).__name__ == "Partial":
                    found = _INDENT.search(body[i - 1].original)
                    current.indent = found.group(1) if found else ""
            if open_standalone:
                inner = current.program if current.program is not None else current.inverse
                _omit_right(inner.body)
                _omit_left(body, i)
            if close_standalone:
                _omit_right(body, i)
                inner = current.inverse if current.inverse is not None else current.program
                _omit_left(inner.body)

    def accept(self, node: Any) -> dict[str, bool] | None:
        kind = type(node).__name__
        if kind == "Mustache":
            return {"open": node.strip.open, "close": node.strip.close}
        if kind in {"Comment", "Partial"}:
            return {"inline_standalone": True, "open": node.strip.open, "close": node.strip.close}
        if kind == "Block":
            return self.block(node)
        return None

    def block(self, block: Any) -> dict[str, bool]:
        if block.program is not None:
            self.program(block.program)
        if block.inverse is not None:
            self.program(block.inverse)
        program: Any = block.program if block.program is not None else block.inverse
        inverse: Any = block.inverse if block.program is not None else None
        first_inverse: Any = inverse
        last_inverse: Any = inverse
        if inverse is not None and inverse.chained:
            first_inverse = inverse.body[0].program
            while last_inverse.chained:
                last_inverse = last_inverse.body[-1].program
        strip = {
            "open": block.open_strip.open,
            "close": block.close_strip.close,
            "open_standalone": _next_ws(program.body),
            "close_standalone": _prev_ws((first_inverse or program).body),
        }
        if block.open_strip.close:
            _omit_right(program.body, None, multiple=True)
        if inverse is not None:
            if block.inverse_strip.open:
                _omit_left(program.body, None, multiple=True)
            if block.inverse_strip.close:
                _omit_right(first_inverse.body, None, multiple=True)
            if block.close_strip.open:
                _omit_left(last_inverse.body, None, multiple=True)
            if _prev_ws(program.body) and _next_ws(first_inverse.body):
                _omit_left(program.body)
                _omit_right(first_inverse.body)
        elif block.close_strip.open:
            _omit_left(program.body, None, multiple=True)
        return strip


def strip_whitespace(program: Program) -> None:
    """Apply ``~`` whitespace control and standalone-line removal to ``program`` in place.

    Args:
        program: The root program of a parsed template.
    """
    _Visitor().program(program)
