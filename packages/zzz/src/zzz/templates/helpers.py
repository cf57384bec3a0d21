"""Built-in helpers, available in every template unless overridden.

Handlebars' own ``lookup`` and ``log``, plus ``format_date``, ``json``, comparisons
(``eq ne lt le gt ge``), boolean logic (``not and or``), ``default`` and ``concat``.
``if``/``unless``/``each``/``with``/``block``/``component``/``yield`` are compiled
directly and cannot be overridden.

A helper is a plain function: ``{{name a b key=v}}`` calls ``name(a, b, key=v)`` and
escapes the result unless it is a ``SafeString``. Called as a block
(``{{#name a}}...{{/name}}``) it also receives ``options=HelperOptions``.
"""

from __future__ import annotations

import datetime as _dt
import json as _json
import logging
import re
from collections.abc import Callable
from typing import Any

from zzz.templates.runtime import lookup

__all__ = [
    "BUILTIN_HELPERS",
    "and_",
    "concat",
    "default",
    "eq",
    "format_date",
    "ge",
    "gt",
    "htmx_script",
    "json_helper",
    "le",
    "log",
    "lt",
    "ne",
    "not_",
    "or_",
    "validate_helper_name",
]

_logger = logging.getLogger("zzz.templates")
_NAME = re.compile(r"[^\s!\"#%-,\./;->@\[-\^`\{-~]+")
_JSON_ESCAPES = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026", ord("'"): "\\u0027"}


def validate_helper_name(name: str) -> str:
    """Check that ``name`` can be written in a template as ``{{name}}``.

    Args:
        name: The helper name.

    Returns:
        The name.

    Raises:
        ValueError: If it contains characters that cannot appear in an identifier.
    """
    if not isinstance(name, str) or not _NAME.fullmatch(name) or name in {"true", "false"}:
        raise ValueError(f"invalid helper name {name!r}: use letters, digits, '_' or '-'")
    return name


def format_date(value: Any, fmt: str = "%Y-%m-%d") -> str:
    """Format a date/datetime with ``strftime``; ``None`` renders as ``""``.

    ISO-8601 strings are parsed first. Example: ``{{format_date created_at "%d %b %Y"}}``.

    Args:
        value: A ``date``, ``datetime``, ISO string or ``None``.
        fmt: A ``strftime`` format.

    Returns:
        The formatted date.
    """
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = _dt.datetime.fromisoformat(value)
    if not isinstance(value, _dt.date):
        raise TypeError(f"format_date expects a date or datetime, got {type(value).__name__}")
    return value.strftime(fmt)


def json_helper(value: Any, indent: int | None = None) -> str:
    """Serialise ``value`` to JSON with ``< > & '`` written as ``\\u003c``-style escapes.

    ``{{json x}}`` is then safe in an HTML attribute (double quotes are escaped by ``{{}}``)
    and ``{{{json x}}}`` is safe inside ``<script>``.

    Args:
        value: A JSON-serialisable value (dates are written with ``str``).
        indent: Optional pretty-printing indent.

    Returns:
        The JSON text.
    """
    return _json.dumps(value, indent=indent, default=str, ensure_ascii=False).translate(
        _JSON_ESCAPES
    )


def log(*args: Any, level: str = "info") -> None:
    """Handlebars' ``log``: ``{{log "x is" x level="warn"}}`` logs to ``zzz.templates``."""
    numeric = logging.getLevelName(str(level).upper())
    _logger.log(numeric if isinstance(numeric, int) else logging.INFO, " ".join(map(str, args)))


def htmx_script(cdn: bool | str = False) -> Any:
    """``{{htmx_script}}``: the ``<script>`` tag loading htmx from ``/_zzz/htmx.min.js``.

    ``{{htmx_script cdn=true}}`` uses the unpkg CDN (same version); a string is a URL.
    Needs the ``zzz-web[htmx]`` extra.
    """
    from zzz.htmx.assets import script_tag

    return script_tag(cdn)


def eq(a: Any, b: Any) -> bool:
    """``a == b``."""
    return bool(a == b)


def ne(a: Any, b: Any) -> bool:
    """``a != b``."""
    return bool(a != b)


def lt(a: Any, b: Any) -> bool:
    """``a < b``."""
    return bool(a < b)


def le(a: Any, b: Any) -> bool:
    """``a <= b``."""
    return bool(a <= b)


def gt(a: Any, b: Any) -> bool:
    """``a > b``."""
    return bool(a > b)


def ge(a: Any, b: Any) -> bool:
    """``a >= b``."""
    return bool(a >= b)


def not_(value: Any) -> bool:
    """``{{#if (not x)}}``."""
    return not value


def and_(*values: Any) -> Any:
    """The first falsy argument, or the last one (Python ``and``)."""
    result: Any = True
    for result in values:
        if not result:
            return result
    return result


def or_(*values: Any) -> Any:
    """The first truthy argument, or the last one (Python ``or``)."""
    result: Any = False
    for result in values:
        if result:
            return result
    return result


def default(value: Any, fallback: Any) -> Any:
    """``value`` unless it is ``None`` or ``""``, else ``fallback``."""
    return fallback if value is None or value == "" else value


def concat(*values: Any, sep: str = "") -> str:
    """Join the arguments as text: ``{{concat "user-" id}}``."""
    return sep.join("" if v is None else str(v) for v in values)


#: The helpers every ``Templates`` starts with.
BUILTIN_HELPERS: dict[str, Callable[..., Any]] = {
    "and": and_,
    "concat": concat,
    "default": default,
    "eq": eq,
    "format_date": format_date,
    "ge": ge,
    "gt": gt,
    "htmx_script": htmx_script,
    "json": json_helper,
    "le": le,
    "log": log,
    "lookup": lookup,
    "lt": lt,
    "ne": ne,
    "not": not_,
    "or": or_,
}
