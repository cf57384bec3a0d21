"""Startup validation of plug order from each plug's ``provides``/``requires``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from zzz.exceptions import ImproperlyConfigured

__all__ = ["check_order"]


def _name(plug: Any) -> str:
    return type(plug).__name__ if not hasattr(plug, "__qualname__") else str(plug.__qualname__)


def check_order(plugs: Iterable[Any]) -> None:
    """Check that every plug's ``requires`` is provided by a plug before it.

    Plugs without ``provides``/``requires`` attributes (plain functions) are
    ignored.

    Args:
        plugs: The pipeline, in order (app-level plugs first).

    Raises:
        ImproperlyConfigured: A plug comes before the plug it needs, e.g.
            ``CSRF`` before ``Session``.

    Example:
        >>> from zzz.plugs import CSRF, Session
        >>> check_order([Session("k" * 32), CSRF()])
    """
    provided: set[str] = set()
    seen: list[Any] = list(plugs)
    for index, plug in enumerate(seen):
        needs = set(getattr(plug, "requires", ()) or ())
        missing = needs - provided
        if missing:
            later = [
                _name(p) for p in seen[index + 1 :] if missing & set(getattr(p, "provides", ()))
            ]
            where = f" ({', '.join(later)} comes after it: move it before)" if later else ""
            raise ImproperlyConfigured(
                f"plug {_name(plug)} needs {sorted(missing)} from an earlier plug{where}; "
                f"e.g. put Session() before CSRF()"
            )
        provided |= set(getattr(plug, "provides", ()) or ())
