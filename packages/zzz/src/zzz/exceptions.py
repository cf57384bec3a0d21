"""Exceptions raised by Zzz.

Hierarchy::

    ZzzError
    ├── ImproperlyConfigured (RuntimeError)   bad config, routes, templates: raised at startup
    ├── MissingDependency (ImportError)       an optional extra is not installed
    └── HTTPError                             maps to an HTTP status (4xx/5xx) for the client
        └── ProtocolError                     malformed HTTP from the peer (400/413/431/...)
"""

from __future__ import annotations

__all__ = [
    "HTTPError",
    "ImproperlyConfigured",
    "MissingDependency",
    "ProtocolError",
    "ZzzError",
]


class ZzzError(Exception):
    """Base class of every exception Zzz raises on purpose."""


class ImproperlyConfigured(ZzzError, RuntimeError):
    """A configuration, route, template or settings error found at startup.

    The message names the file and line (where known) and the fix.
    """


class MissingDependency(ZzzError, ImportError):
    """An optional dependency is not installed.

    Args:
        package: The PyPI package that is missing.
        extra: The ``zzz-web`` extra that installs it.
    """

    def __init__(self, package: str, extra: str) -> None:
        super().__init__(
            f"{package!r} is not installed; install it with: pip install 'zzz-web[{extra}]'"
        )
        self.package = package
        self.extra = extra


class HTTPError(ZzzError):
    """An error with an HTTP status, turned into a response by the app or server.

    Args:
        status: The HTTP status code to answer with.
        detail: A short, client-safe explanation.
        headers: Extra response headers (e.g. ``Allow`` or ``Retry-After``).
    """

    def __init__(
        self, status: int, detail: str = "", headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(detail or str(status))
        self.status = status
        self.detail = detail
        self.headers = dict(headers or {})


class ProtocolError(HTTPError):
    """The peer sent bytes that are not valid HTTP/1.1 (or exceed a limit).

    ``status`` is the status the server answers with before closing the
    connection: 400 malformed, 413 body too large, 414 URI too long,
    431 header fields too large, 501 unsupported transfer coding, 505 version.
    """
