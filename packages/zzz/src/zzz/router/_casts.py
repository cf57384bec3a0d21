"""Strict casters from a decoded path segment to an annotated type (built at startup)."""

from __future__ import annotations

import decimal
import enum
import pathlib
import re
import types
import typing
import uuid
from collections.abc import Callable
from typing import Any, Final

__all__ = ["caster_for"]

Caster = Callable[[str], Any]

_FLOAT: Final = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_BOOLS: Final = {
    "true": True,
    "1": True,
    "yes": True,
    "on": True,
    "false": False,
    "0": False,
    "no": False,
    "off": False,
}
_SUPPORTED: Final = (
    "str, int, float, Decimal, bool, UUID, an Enum, a Literal, a pathlib path, "
    "'X | None' of those, or Annotated[...] of those"
)


def _cast_int(text: str) -> int:
    digits = text[1:] if text[:1] in "+-" else text
    if not (digits.isascii() and digits.isdigit()) or len(digits) > 64:
        raise ValueError(text)
    return int(text)


def _cast_float(text: str) -> float:
    if len(text) > 64 or _FLOAT.fullmatch(text) is None:
        raise ValueError(text)
    return float(text)


def _cast_decimal(text: str) -> decimal.Decimal:
    _cast_float(text)  # the same strict syntax: no "NaN", "Infinity", spaces or "_"
    return decimal.Decimal(text)


def _cast_bool(text: str) -> bool:
    return _BOOLS[text.lower()]


def _cast_uuid(text: str) -> uuid.UUID:
    if len(text) not in (32, 36):
        raise ValueError(text)
    return uuid.UUID(text)


def _lookup(table: dict[str, Any]) -> Caster:
    def cast(text: str) -> Any:
        return table[text]

    return cast


def _text_of(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, enum.Enum):
        return _text_of(value.value)
    return str(value)


def _unwrap(annotation: Any) -> Any:
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin is typing.Union or origin is types.UnionType:
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return _unwrap(args[0])
    return annotation


def caster_for(annotation: Any) -> tuple[Caster | None, str]:
    """Return a strict caster for an annotation, and a description for errors.

    Args:
        annotation: The resolved annotation of a path parameter.

    Returns:
        ``(cast, description)``; ``cast`` is ``None`` when the text is used as is.

    Raises:
        TypeError: The annotation is not a supported path parameter type.
    """
    ann = _unwrap(annotation)
    if ann is str or ann is typing.Any or ann is object:
        return None, "text"
    if ann is bool:
        return _cast_bool, "a boolean (true/false/1/0/yes/no/on/off)"
    if ann is int:
        return _cast_int, "an integer"
    if ann is float:
        return _cast_float, "a number"
    if ann is decimal.Decimal:
        return _cast_decimal, "a decimal number"
    if ann is uuid.UUID:
        return _cast_uuid, "a UUID"
    if isinstance(ann, type) and issubclass(ann, enum.Enum):
        table = {_text_of(member.value): member for member in ann}
        return _lookup(table), "one of " + ", ".join(sorted(table))
    if typing.get_origin(ann) is typing.Literal:
        values = typing.get_args(ann)
        if all(isinstance(v, str | int | bool) for v in values):
            table = {_text_of(v): v for v in values}
            return _lookup(table), "one of " + ", ".join(sorted(table))
    if isinstance(ann, type) and issubclass(ann, pathlib.PurePath):
        return ann, "a path"
    raise TypeError(f"cannot be annotated {annotation!r}: supported types are {_SUPPORTED}")
