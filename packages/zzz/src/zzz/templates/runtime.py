"""Runtime support for compiled templates: escaping, safe strings, lookups, iteration.

Everything here is on the render hot path: small functions, fast paths for ``dict``,
``list`` and ``str``, no allocation where it can be avoided.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

from zzz.templates.errors import UndefinedError

__all__ = [
    "Markup",
    "Overlay",
    "SafeString",
    "escape",
    "is_empty",
    "lookup",
    "to_text",
]

_NEEDS_ESCAPE = re.compile(r"[&<>\"'`=]").search


class SafeString(str):
    """A string that is already HTML: ``{{value}}`` writes it without escaping.

    Example:
        >>> escape(SafeString("<b>hi</b>"))
        '<b>hi</b>'
    """

    __slots__ = ()

    def __html__(self) -> str:
        """Return the markup itself (the ``__html__`` protocol, shared with markupsafe)."""
        return self


#: Alias familiar to Jinja2/markupsafe users.
Markup = SafeString


def escape(value: Any) -> str:
    """HTML-escape ``value`` exactly as Handlebars 4.7 does.

    ``& < > " ' ` =`` become ``&amp; &lt; &gt; &quot; &#x27; &#x60; &#x3D;``. ``None``
    renders as ``""``, booleans as ``true``/``false`` (as in JavaScript), and objects with
    ``__html__`` (``SafeString``, markupsafe ``Markup``) pass through unchanged.

    Args:
        value: Anything.

    Returns:
        The escaped text.
    """
    if type(value) is str:
        if _NEEDS_ESCAPE(value) is None:
            return value
        return (
            value.replace("&", "&amp;")
            .replace("<", "&lt;")
            .replace(">", "&gt;")
            .replace('"', "&quot;")
            .replace("'", "&#x27;")
            .replace("`", "&#x60;")
            .replace("=", "&#x3D;")
        )
    if value is None:
        return ""
    kind = type(value)
    if kind is int or kind is float:
        return str(value)
    if kind is SafeString:
        return value  # type: ignore[no-any-return]
    html = getattr(value, "__html__", None)
    if html is not None:
        return str(html())
    return escape(to_text(value))


def to_text(value: Any) -> str:
    """Convert a value to output text without escaping (``{{{triple}}}``).

    Args:
        value: Anything.

    Returns:
        ``""`` for ``None``, ``true``/``false`` for booleans, ``str(value)`` otherwise.
    """
    if type(value) is str:
        return value
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    return str(value)


def is_empty(value: Any) -> bool:
    """Handlebars' ``isEmpty``: ``None``, ``False``, ``""`` and empty sequences are empty.

    ``0`` is *not* empty (as in Handlebars' ``with``).
    """
    if value is None or value is False:
        return True
    if isinstance(value, (str, list, tuple)):
        return len(value) == 0
    return False


class Overlay(Mapping[str, Any]):
    """A context seen through extra keys (partial hash arguments over an object context).

    Args:
        extra: Keys that win.
        base: The underlying context (a mapping or any object).
    """

    __slots__ = ("base", "extra")

    def __init__(self, extra: Mapping[str, Any], base: Any) -> None:
        self.extra = extra
        self.base = base

    def __getitem__(self, key: str) -> Any:
        if key in self.extra:
            return self.extra[key]
        value = _get(self.base, key, _MISSING)
        if value is _MISSING:
            raise KeyError(key)
        return value

    def __iter__(self) -> Iterator[str]:
        yield from self.extra
        if isinstance(self.base, Mapping):
            yield from (k for k in self.base if k not in self.extra)

    def __len__(self) -> int:
        return sum(1 for _ in self)


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "<missing>"


_MISSING: Any = _Missing()


def _get(obj: Any, key: str, default: Any) -> Any:
    """Look ``key`` up in ``obj``: dict key, mapping key, sequence index or public attribute."""
    if type(obj) is dict:
        return obj.get(key, default)
    if obj is None:
        return default
    if isinstance(obj, Mapping):
        try:
            return obj[key]
        except KeyError:
            return default
    if isinstance(obj, (list, tuple, str)):
        if key == "length":
            return len(obj)
        if key.isdigit():
            index = int(key)
            return obj[index] if index < len(obj) else default
        return default
    if key[:1] == "_":
        return default
    return getattr(obj, key, default)


def lookup(obj: Any, key: Any) -> Any:
    """Handlebars' ``lookup``: ``obj[key]`` for mappings/sequences, else the attribute.

    Args:
        obj: The container (``None`` gives ``None``).
        key: A key, index or attribute name.

    Returns:
        The value or ``None`` if it does not exist.
    """
    if isinstance(key, int) and isinstance(obj, (list, tuple)):
        return obj[key] if -len(obj) <= key < len(obj) else None
    return _get(obj, str(key), None)


def _lk(obj: Any, key: str) -> Any:
    """Lenient lookup: ``None`` when missing."""
    if type(obj) is dict:
        return obj.get(key)
    return _get(obj, key, None)


def _describe(obj: Any) -> str:
    if obj is None:
        return "null"
    if isinstance(obj, Mapping):
        return "the context"
    return f"an object of type {type(obj).__name__}"


def _undefined(obj: Any, key: str, where: tuple[str, int, int]) -> UndefinedError:
    return UndefinedError(f'"{key}" not defined in {_describe(obj)} (strict mode)', *where)


def _lks(obj: Any, key: str, where: tuple[str, int, int]) -> Any:
    """Strict lookup: raise ``UndefinedError`` with the template location when missing."""
    value = obj.get(key, _MISSING) if type(obj) is dict else _get(obj, key, _MISSING)
    if value is _MISSING:
        raise _undefined(obj, key, where)
    return value


def _escape_lookup(obj: Any, key: str) -> str:
    """``escape(_lk(obj, key))`` in one call."""
    value = obj.get(key) if type(obj) is dict else _get(obj, key, None)
    if type(value) is str and _NEEDS_ESCAPE(value) is None:
        return value
    return escape(value)


def _escape_lookup_strict(obj: Any, key: str, where: tuple[str, int, int]) -> str:
    """``escape(_lks(obj, key, where))`` in one call."""
    value = obj.get(key, _MISSING) if type(obj) is dict else _get(obj, key, _MISSING)
    if value is _MISSING:
        raise _undefined(obj, key, where)
    if type(value) is str and _NEEDS_ESCAPE(value) is None:
        return value
    return escape(value)


def _depth(depths: tuple[Any, ...], n: int) -> Any:
    """The context ``n`` levels up (``../``), or ``None`` above the root."""
    return depths[n] if n < len(depths) else None


def _push(depths: tuple[Any, ...], context: Any) -> tuple[Any, ...]:
    """Handlebars' depth rule: a block with a new context pushes it on the depth stack."""
    if depths and depths[0] is context:
        return depths
    return (context, *depths)


def _compat_lookup(depths: tuple[Any, ...], key: str) -> Any:
    """Mustache context-stack lookup: the first context (innermost out) with a non-null key."""
    for context in depths:
        value = _lk(context, key)
        if value is not None:
            return value
    return None


def _compat_lookup_strict(depths: tuple[Any, ...], key: str, where: tuple[str, int, int]) -> Any:
    for context in depths:
        value = _get(context, key, _MISSING)
        if value is not _MISSING:
            return value
    raise _undefined(depths[0] if depths else None, key, where)


def _seq(value: Any) -> tuple[Sequence[Any], Sequence[Any] | None]:
    """Normalise an ``each`` argument: (items, keys-or-None); empty when nothing to iterate."""
    if type(value) is list or type(value) is tuple:
        return value, None
    if value is None or value is False or isinstance(value, (str, bytes, int, float)):
        return (), None
    if isinstance(value, Mapping):
        return list(value.values()), list(value.keys())
    if isinstance(value, Iterable):
        return list(value), None
    return (), None


def _section(value: Any, context: Any) -> tuple[Sequence[Any], bool]:
    """Handlebars' ``blockHelperMissing``: (contexts to render with, iterating a list?)."""
    if value is True:
        return (context,), False
    if value is None or value is False:
        return (), False
    if type(value) is list or type(value) is tuple:
        return value, True
    if isinstance(value, (str, bytes, int, float, Mapping)):
        return (value,), False
    if isinstance(value, Iterable):
        return list(value), True
    return (value,), False


def _frame(data: dict[str, Any], index: int, last: int, key: Any) -> dict[str, Any]:
    """A child data frame for one ``each`` iteration (Handlebars ``createFrame``)."""
    frame = dict(data)
    frame["_parent"] = data
    frame["index"] = index
    frame["first"] = index == 0
    frame["last"] = index == last
    frame["key"] = index if key is None else key
    return frame


def _data_up(data: dict[str, Any], n: int) -> dict[str, Any]:
    """The data frame ``n`` levels up (``@../index``)."""
    for _ in range(n):
        parent = data.get("_parent")
        if parent is None:
            return {}
        data = parent
    return data


def _data_strict(data: dict[str, Any], key: str, where: tuple[str, int, int]) -> Any:
    value = data.get(key, _MISSING)
    if value is _MISSING:
        raise UndefinedError(f'"@{key}" not defined (strict mode)', *where)
    return value


def _merge(context: Any, extra: dict[str, Any]) -> Any:
    """Partial hash arguments layered over the partial's context."""
    if type(context) is dict:
        return {**context, **extra}
    if context is None:
        return extra
    return Overlay(extra, context)


def _indent(text: str, indent: str) -> str:
    """Indent every line of a standalone partial's output (Handlebars ``indent``)."""
    lines = text.split("\n")
    last = len(lines) - 1
    return "\n".join(
        line if (i == last and not line) else indent + line for i, line in enumerate(lines)
    )


def _yield(data: dict[str, Any], name: str) -> str:
    """The content of a slot: page body in a layout, or a component's slot."""
    slots = data.get("_slots")
    if not slots:
        return ""
    slot = slots.get(name)
    if slot is None:
        return ""
    if callable(slot):
        return str(slot())
    return str(slot)


def _truthy_zero(value: Any, include_zero: Any) -> bool:
    """``{{#if x includeZero=true}}``: ``0`` counts as true."""
    if include_zero and type(value) in (int, float) and value == 0:
        return True
    return bool(value)


def _render_to(fn: Callable[..., None], context: Any, depths: Any, data: dict[str, Any]) -> str:
    """Render a compiled template function into a new string."""
    out: list[str] = []
    fn(context, depths, data, out.append)
    return "".join(out)


def _noop(context: Any, data: dict[str, Any], block_params: tuple[Any, ...]) -> str:
    return ""


def _raw(value: Any) -> str:
    """A block helper's return value is written as-is (it is already HTML)."""
    return to_text(value)
