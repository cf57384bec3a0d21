"""Startup validation of plug order from each plug's ``provides``/``requires``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Final

from zzz.exceptions import ImproperlyConfigured

__all__ = ["check_order"]

#: The built-in plug that provides each capability, named in the fix of the error.
_PROVIDERS: Final = {
    "body_params": "BodyParser",
    "csrf_token": "CSRF",
    "current_user": "an auth plug (BearerAuth, BasicAuth, JWTAuth)",
    "request_id": "RequestId",
    "session": "Session",
}


def _name(plug: Any) -> str:
    return type(plug).__name__ if not hasattr(plug, "__qualname__") else str(plug.__qualname__)


def _fix(plug: str, missing: set[str]) -> str:
    providers = [_PROVIDERS.get(cap, f"a plug providing {cap!r}") for cap in sorted(missing)]
    calls = [p if " " in p else f"{p}()" for p in providers]
    return f"put {' and '.join(calls)} before {plug}()"


def check_order(plugs: Iterable[Any]) -> None:
    """Check that every plug's ``requires`` is provided by a plug before it.

    Plugs without ``provides``/``requires`` attributes (plain functions) are
    ignored.

    Args:
        plugs: The pipeline, in order (app-level plugs first).

    Raises:
        ImproperlyConfigured: A plug comes before the plug it needs, e.g.
            ``CSRF`` before ``Session``; the message names the fix.

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
            name = _name(plug)
            later = [
                _name(p) for p in seen[index + 1 :] if missing & set(getattr(p, "provides", ()))
            ]
            where = f" ({', '.join(later)} comes after it: move it before)" if later else ""
            raise ImproperlyConfigured(
                f"plug {name} needs {sorted(missing)} from an earlier plug{where}; "
                f"fix: {_fix(name, missing)}"
            )
        provided |= set(getattr(plug, "provides", ()) or ())
