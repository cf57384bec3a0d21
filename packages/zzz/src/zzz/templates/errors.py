"""Template errors: compile-time errors carry file, line, column and a caret excerpt."""

from __future__ import annotations

from zzz.exceptions import ImproperlyConfigured, ZzzError

__all__ = [
    "TemplateError",
    "TemplateNotFound",
    "TemplateRenderError",
    "TemplateSyntaxError",
    "UndefinedError",
    "excerpt",
]


def excerpt(source: str, line: int, column: int) -> str:
    """Return the source line ``line`` (1-based) with a caret under ``column`` (1-based).

    Args:
        source: The whole template text.
        line: 1-based line number.
        column: 1-based column number.

    Returns:
        Two lines: the offending source line and a caret line, or ``""`` if out of range.
    """
    lines = source.splitlines()
    if not 1 <= line <= len(lines):
        return ""
    text = lines[line - 1].expandtabs(1)
    return f"    {text}\n    {' ' * (column - 1)}^"


class TemplateError(ImproperlyConfigured):
    """Base class of template compile-time errors (raised at startup)."""


class TemplateSyntaxError(TemplateError):
    """A template failed to compile.

    Args:
        message: What is wrong and how to fix it.
        filename: The template file (or ``<string>``).
        line: 1-based line of the offending tag.
        column: 1-based column of the offending tag.
        source: The template source, used for the caret excerpt.
    """

    def __init__(
        self, message: str, filename: str, line: int, column: int, source: str = ""
    ) -> None:
        self.message = message
        self.filename = filename
        self.line = line
        self.column = column
        text = f"{filename}:{line}:{column}: {message}"
        shown = excerpt(source, line, column)
        if shown:
            text = f"{text}\n{shown}"
        super().__init__(text)


class TemplateNotFound(TemplateError):
    """A template, partial, component or layout name does not exist."""


class TemplateRenderError(ZzzError):
    """An error raised while rendering a compiled template (a bug in the view, not the input)."""


class UndefinedError(TemplateRenderError, LookupError):
    """Strict mode: ``{{name}}`` referenced a name that is not defined.

    Args:
        message: Which name is missing and in what.
        filename: The template file.
        line: 1-based line of the mustache.
        column: 1-based column of the mustache.
    """

    def __init__(self, message: str, filename: str, line: int, column: int) -> None:
        self.message = message
        self.filename = filename
        self.line = line
        self.column = column
        super().__init__(f"{filename}:{line}:{column}: {message}")
