"""The test client's cookie jar: ``Set-Cookie`` in, ``Cookie`` out, like a browser."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

__all__ = ["Cookie", "CookieJar"]


@dataclass(slots=True)
class Cookie:
    """A cookie held by the client's jar.

    Attributes:
        name: Cookie name.
        value: Cookie value.
        domain: Host it belongs to (``host_only`` unless a ``Domain`` was set).
        path: ``Path`` attribute.
        secure: Sent only over https.
        expires: Expiry as UNIX time, or ``None`` for a session cookie.
        host_only: No ``Domain`` attribute was given.
        http_only: ``HttpOnly`` was set.
    """

    name: str
    value: str
    domain: str
    path: str = "/"
    secure: bool = False
    expires: float | None = None
    host_only: bool = True
    http_only: bool = False

    def matches(self, host: str, path: str, https: bool) -> bool:
        """Tell whether the cookie is sent with a request to ``host``/``path``."""
        if self.expires is not None and self.expires <= time.time():
            return False
        if self.secure and not https:
            return False
        if self.host_only:
            if host != self.domain:
                return False
        elif host != self.domain and not host.endswith("." + self.domain):
            return False
        if self.path in ("/", path):
            return True
        prefix = self.path if self.path.endswith("/") else self.path + "/"
        return path.startswith(prefix)


class CookieJar:
    """The client's cookies, updated from ``Set-Cookie`` and sent back like a browser."""

    def __init__(self) -> None:
        self._cookies: dict[tuple[str, str, str], Cookie] = {}

    def __iter__(self) -> Iterator[Cookie]:
        return iter(list(self._cookies.values()))

    def get(self, name: str) -> str | None:
        """Return the value of a live cookie called ``name`` (any domain/path)."""
        now = time.time()
        for cookie in self._cookies.values():
            if cookie.name == name and (cookie.expires is None or cookie.expires > now):
                return cookie.value
        return None

    def set(self, name: str, value: str, *, domain: str = "testserver", path: str = "/") -> None:
        """Put a cookie in the jar by hand."""
        self._cookies[(domain, path, name)] = Cookie(name, value, domain, path)

    def clear(self) -> None:
        """Drop every cookie."""
        self._cookies.clear()

    def update_from(self, set_cookie: str, host: str, path: str) -> None:
        """Apply one ``Set-Cookie`` header received for ``host``/``path``."""
        first, *attributes = set_cookie.split(";")
        name, sep, value = first.partition("=")
        name, value = name.strip(), value.strip()
        if not sep or not name:
            return
        default_path = path[: path.rfind("/")] or "/"
        cookie = Cookie(name, value, host, default_path)
        max_age: int | None = None
        for attribute in attributes:
            key, _, val = attribute.partition("=")
            key, val = key.strip().lower(), val.strip()
            if key == "path" and val.startswith("/"):
                cookie.path = val
            elif key == "domain" and val:
                cookie.domain, cookie.host_only = val.lstrip(".").lower(), False
            elif key == "secure":
                cookie.secure = True
            elif key == "httponly":
                cookie.http_only = True
            elif key == "max-age" and val.lstrip("-").isdigit():
                max_age = int(val)
            elif key == "expires" and cookie.expires is None:
                try:
                    cookie.expires = parsedate_to_datetime(val).timestamp()
                except (TypeError, ValueError):
                    continue
        if max_age is not None:
            cookie.expires = time.time() + max_age
        key3 = (cookie.domain, cookie.path, cookie.name)
        if cookie.expires is not None and cookie.expires <= time.time():
            self._cookies.pop(key3, None)
        else:
            self._cookies[key3] = cookie

    def header_for(self, host: str, path: str, https: bool) -> str | None:
        """The ``Cookie`` header to send, or ``None``."""
        found = [c for c in self._cookies.values() if c.matches(host, path, https)]
        found.sort(key=lambda c: -len(c.path))
        return "; ".join(f"{c.name}={c.value}" for c in found) or None
