"""Pure value checks used by changeset validations.

Each check returns ``None`` when the value passes, or an :class:`ErrorDetail` whose
``template`` and ``params`` stay separate so messages can be translated
(``"should be at least {count} character(s)"`` with ``{"count": 3}``).
"""

from __future__ import annotations

import re
from collections.abc import Container, Sized
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

__all__ = [
    "ErrorDetail",
    "check_exclusion",
    "check_format",
    "check_inclusion",
    "check_length",
    "check_number",
    "is_blank",
]


@dataclass(frozen=True, slots=True)
class ErrorDetail:
    """One validation error on one field.

    Attributes:
        template: The message with ``{name}`` placeholders (the i18n key).
        validation: The validation that failed (``"required"``, ``"length"``, ``"cast"``, …).
        params: Values for the placeholders and the validation's options.
    """

    template: str
    validation: str
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def message(self) -> str:
        """The template with its params filled in."""
        try:
            return self.template.format(**self.params)
        except (KeyError, IndexError, ValueError):
            return self.template


def is_blank(value: Any) -> bool:
    """Whether ``value`` counts as missing: ``None``, or a string of only whitespace."""
    return value is None or (isinstance(value, str) and not value.strip())


def check_format(value: Any, pattern: re.Pattern[str], message: str) -> ErrorDetail | None:
    """Check that a string matches ``pattern`` (``search`` semantics, like Ecto)."""
    if isinstance(value, str) and pattern.search(value) is not None:
        return None
    return ErrorDetail(message, "format", {"pattern": pattern.pattern})


def check_length(
    value: Any,
    *,
    min: int | None = None,
    max: int | None = None,
    is_: int | None = None,
    messages: dict[str, str] | None = None,
) -> ErrorDetail | None:
    """Check the length of a string (in characters) or a collection (in items).

    Args:
        value: The value to measure.
        min: Minimum length.
        max: Maximum length.
        is_: Exact length.
        messages: Override templates by key ``"min"``, ``"max"`` or ``"is"``.
    """
    if not isinstance(value, Sized):
        return ErrorDetail("is invalid", "length", {"kind": "unsized"})
    size = len(value)
    unit = "character(s)" if isinstance(value, str) else "item(s)"
    messages = messages or {}
    if is_ is not None and size != is_:
        template = messages.get("is", f"should be {{count}} {unit}")
        return ErrorDetail(template, "length", {"count": is_, "kind": "is"})
    if min is not None and size < min:
        template = messages.get("min", f"should be at least {{count}} {unit}")
        return ErrorDetail(template, "length", {"count": min, "kind": "min"})
    if max is not None and size > max:
        template = messages.get("max", f"should be at most {{count}} {unit}")
        return ErrorDetail(template, "length", {"count": max, "kind": "max"})
    return None


_NUMBER_CHECKS: tuple[tuple[str, str], ...] = (
    ("gt", "must be greater than {number}"),
    ("gte", "must be greater than or equal to {number}"),
    ("lt", "must be less than {number}"),
    ("lte", "must be less than or equal to {number}"),
    ("eq", "must be equal to {number}"),
    ("ne", "must be not equal to {number}"),
)


def _passes(kind: str, value: Any, bound: Any) -> bool:
    if kind == "gt":
        return bool(value > bound)
    if kind == "gte":
        return bool(value >= bound)
    if kind == "lt":
        return bool(value < bound)
    if kind == "lte":
        return bool(value <= bound)
    if kind == "eq":
        return bool(value == bound)
    return bool(value != bound)


def check_number(value: Any, bounds: dict[str, Any], message: str | None) -> ErrorDetail | None:
    """Check a number against ``gt``/``gte``/``lt``/``lte``/``eq``/``ne`` bounds.

    Raises:
        ValueError: An unknown bound name (a programming error, raised at the call).
    """
    unknown = set(bounds) - {k for k, _ in _NUMBER_CHECKS}
    if unknown:
        raise ValueError(f"validate_number: unknown option(s) {sorted(unknown)}")
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        return ErrorDetail(message or "must be a number", "number", {"kind": "type"})
    for kind, template in _NUMBER_CHECKS:
        if kind in bounds:
            try:
                ok = _passes(kind, value, bounds[kind])
            except TypeError:
                ok = False
            if not ok:
                return ErrorDetail(
                    message or template, "number", {"number": bounds[kind], "kind": kind}
                )
    return None


def check_inclusion(value: Any, values: Container[Any], message: str) -> ErrorDetail | None:
    """Check that ``value`` is one of ``values``."""
    if value in values:
        return None
    return ErrorDetail(message, "inclusion", {"enum": values})


def check_exclusion(value: Any, values: Container[Any], message: str) -> ErrorDetail | None:
    """Check that ``value`` is none of ``values``."""
    if value not in values:
        return None
    return ErrorDetail(message, "exclusion", {"enum": values})
