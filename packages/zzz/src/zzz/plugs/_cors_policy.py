"""Sans-IO CORS decisions: which origin is allowed and which headers answer it.

The :class:`CORSPolicy` is built once at startup (lists turned into sets, regexes
compiled, constant header values pre-encoded) and answers per request with lists of
``(name, value)`` byte pairs.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

from zzz.exceptions import ImproperlyConfigured

__all__ = ["CORSPolicy"]

SAFELISTED_METHODS: Final = frozenset({"GET", "HEAD", "POST"})
DEFAULT_METHODS: Final = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def _tokens(value: bytes) -> list[str]:
    return [t.strip().lower() for t in value.decode("latin-1").split(",") if t.strip()]


@dataclass(frozen=True, slots=True)
class CORSPolicy:
    """The CORS configuration, validated at construction.

    Args:
        allow_origins: Exact origins (``"https://app.example"``) or ``("*",)`` for any.
        allow_origin_regex: A regex an origin must fully match (in addition to the list).
        allow_origin_func: A callable deciding per origin (in addition to the above).
        allow_methods: Methods allowed in preflights (``("*",)`` for any).
        allow_headers: Request headers allowed in preflights (``("*",)`` for any).
        expose_headers: Response headers the browser may read.
        allow_credentials: Send ``Access-Control-Allow-Credentials: true``. Never
            combined with a wildcard origin: the request's origin is echoed instead
            of ``*``, and only for origins allowed explicitly (``*`` with credentials
            is refused at startup).
        max_age: Seconds a browser may cache a preflight answer.

    Raises:
        ImproperlyConfigured: A wildcard origin with credentials, a bad regex, a negative age.
    """

    allow_origins: tuple[str, ...] = ()
    allow_origin_regex: str | None = None
    allow_origin_func: Callable[[str], bool] | None = None
    allow_methods: tuple[str, ...] = DEFAULT_METHODS
    allow_headers: tuple[str, ...] = ()
    expose_headers: tuple[str, ...] = ()
    allow_credentials: bool = False
    max_age: int = 600
    _origins: frozenset[str] = field(init=False, repr=False)
    _regex: re.Pattern[str] | None = field(init=False, repr=False)
    _methods: frozenset[str] = field(init=False, repr=False)
    _headers: frozenset[str] = field(init=False, repr=False)
    _preflight_static: list[tuple[bytes, bytes]] = field(init=False, repr=False)
    _simple_static: list[tuple[bytes, bytes]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if isinstance(self.allow_origins, str):  # type: ignore[unreachable]  # user error
            raise ImproperlyConfigured("CORS allow_origins must be a list of origins, not a str")
        any_origin = "*" in self.allow_origins
        if any_origin and self.allow_credentials:
            raise ImproperlyConfigured(
                "CORS: allow_credentials=True cannot be combined with allow_origins=['*']; "
                "list the trusted origins (or use allow_origin_regex)"
            )
        if self.max_age < 0:
            raise ImproperlyConfigured("CORS max_age must be >= 0")
        for origin in self.allow_origins:
            if origin != "*" and (origin.endswith("/") or "://" not in origin):
                raise ImproperlyConfigured(
                    f"CORS origin {origin!r} must look like 'https://host[:port]' (no path)"
                )
        try:
            regex = re.compile(self.allow_origin_regex) if self.allow_origin_regex else None
        except re.error as exc:
            raise ImproperlyConfigured(f"CORS allow_origin_regex is invalid: {exc}") from exc
        setter = object.__setattr__
        setter(self, "_origins", frozenset(self.allow_origins))
        setter(self, "_regex", regex)
        setter(self, "_methods", frozenset(m.upper() for m in self.allow_methods))
        setter(self, "_headers", frozenset(h.lower() for h in self.allow_headers))
        common: list[tuple[bytes, bytes]] = []
        if self.allow_credentials:
            common.append((b"access-control-allow-credentials", b"true"))
        simple = list(common)
        if self.expose_headers:
            simple.append(
                (b"access-control-expose-headers", ", ".join(self.expose_headers).encode())
            )
        preflight = [*common, (b"access-control-max-age", str(self.max_age).encode())]
        if "*" not in self._methods:
            methods = ", ".join(sorted(self._methods))
            preflight.append((b"access-control-allow-methods", methods.encode()))
        setter(self, "_preflight_static", preflight)
        setter(self, "_simple_static", simple)

    def origin_allowed(self, origin: str) -> bool:
        """Whether ``origin`` may read responses."""
        if "*" in self._origins or origin in self._origins:
            return True
        if self._regex is not None and self._regex.fullmatch(origin):
            return True
        return self.allow_origin_func is not None and bool(self.allow_origin_func(origin))

    def _origin_header(self, origin: str) -> tuple[bytes, bytes]:
        if "*" in self._origins and not self.allow_credentials:
            return (b"access-control-allow-origin", b"*")
        return (b"access-control-allow-origin", origin.encode("latin-1"))

    def simple_headers(self, origin: str) -> list[tuple[bytes, bytes]] | None:
        """Headers for an actual (non-preflight) request, or ``None`` if not allowed."""
        if not self.origin_allowed(origin):
            return None
        return [self._origin_header(origin), *self._simple_static]

    def preflight_headers(
        self, origin: str, method: str, request_headers: bytes | None
    ) -> list[tuple[bytes, bytes]] | None:
        """Headers answering a preflight, or ``None`` to refuse it.

        Args:
            origin: The ``Origin`` header.
            method: ``Access-Control-Request-Method``.
            request_headers: ``Access-Control-Request-Headers`` (raw), if any.
        """
        if not self.origin_allowed(origin):
            return None
        method = method.upper()
        any_method = "*" in self._methods
        if not any_method and method not in self._methods:
            return None
        asked = _tokens(request_headers) if request_headers else []
        if "*" not in self._headers and any(h not in self._headers for h in asked):
            return None
        headers = [self._origin_header(origin), *self._preflight_static]
        if any_method:
            headers.append((b"access-control-allow-methods", method.encode()))
        if asked:
            headers.append((b"access-control-allow-headers", ", ".join(asked).encode("latin-1")))
        return headers
