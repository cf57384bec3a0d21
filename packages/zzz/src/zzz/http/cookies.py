"""Parse ``Cookie`` request headers and build ``Set-Cookie`` response headers safely.

Parsing is lenient, like browsers and RFC 6265 section 5.4 (a malformed pair is
skipped, never an error). Building is strict: a name, value, path or domain that
could inject another attribute or header (``;``, ``,``, CR/LF, control characters)
raises :class:`ValueError` instead of producing a broken header.
"""

from __future__ import annotations

import functools
import re
import time
from email.utils import formatdate
from typing import Literal

__all__ = ["DEFAULT_MAX_COOKIES", "SameSite", "build_set_cookie", "parse_cookie_header"]

#: Default maximum number of cookies read from one request; extra pairs are ignored.
DEFAULT_MAX_COOKIES = 200

SameSite = Literal["lax", "strict", "none"]

_TOKEN = frozenset("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
# RFC 6265 cookie-octet: printable ASCII except space, DQUOTE, comma, semicolon, backslash.
_COOKIE_OCTETS = frozenset(chr(c) for c in range(0x21, 0x7F)) - set('",;\\')
# Path/Domain attribute values: any printable character except ';'.
_ATTR_CHARS = frozenset(chr(c) for c in range(0x20, 0x7F)) - {";"}


def _charset_re(chars: frozenset[str], quantifier: str) -> re.Pattern[str]:
    """A pattern matching a whole string made only of ``chars`` (one C-level scan)."""
    return re.compile("[" + "".join(re.escape(c) for c in sorted(chars)) + "]" + quantifier)


@functools.lru_cache(maxsize=256)
def _http_date(seconds: int) -> str:
    """``Expires`` dates have one-second resolution: format each second once."""
    return formatdate(seconds, usegmt=True)


_TOKEN_RE = _charset_re(_TOKEN, "+")
_COOKIE_VALUE_RE = _charset_re(_COOKIE_OCTETS, "*")
_PATH_RE = _charset_re(_ATTR_CHARS, "*")
_DOMAIN_RE = _charset_re(_ATTR_CHARS - {" "}, "+")


def parse_cookie_header(header: str, *, max_cookies: int = DEFAULT_MAX_COOKIES) -> dict[str, str]:
    """Parse a ``Cookie`` header into a dict.

    The first occurrence of a name wins (browsers send the most specific path
    first). Values in double quotes are unquoted. Pairs without ``=`` or with an
    empty name are skipped. At most ``max_cookies`` cookies are read.

    Args:
        header: The header value (several ``Cookie`` headers joined with ``"; "``).
        max_cookies: The maximum number of cookies to keep.

    Returns:
        ``{name: value}``.

    Example:
        >>> parse_cookie_header('a=1; b="two"; a=3')
        {'a': '1', 'b': 'two'}
    """
    cookies: dict[str, str] = {}
    for chunk in header.split(";"):
        name, sep, value = chunk.partition("=")
        if not sep:
            continue
        name = name.strip()
        if not name or name in cookies:
            continue
        value = value.strip()
        if len(value) >= 2 and value[0] == '"' and value[-1] == '"':
            value = value[1:-1]
        cookies[name] = value
        if len(cookies) >= max_cookies:
            break
    return cookies


def build_set_cookie(
    name: str,
    value: str,
    *,
    max_age: int | None = None,
    expires: float | None = None,
    path: str | None = "/",
    domain: str | None = None,
    secure: bool = True,
    http_only: bool = True,
    same_site: SameSite | None = "lax",
    partitioned: bool = False,
) -> str:
    """Build a ``Set-Cookie`` header value.

    Args:
        name: The cookie name (token characters only).
        value: The cookie value (RFC 6265 cookie-octets: no space, ``"``, ``,``,
            ``;`` or ``\\``; encode anything else first, e.g. base64url).
        max_age: Lifetime in seconds (``0`` deletes the cookie); ``None`` for a
            session cookie.
        expires: Absolute expiry as a UNIX timestamp.
        path: The ``Path`` attribute.
        domain: The ``Domain`` attribute (``None`` means host-only, the safest).
        secure: Send only over HTTPS.
        http_only: Hide from JavaScript.
        same_site: ``"lax"``, ``"strict"``, ``"none"`` (requires ``secure``) or
            ``None`` to omit.
        partitioned: Add ``Partitioned`` (CHIPS; requires ``secure``).

    Returns:
        The header value.

    Raises:
        ValueError: An invalid name, value, path or domain, an unknown
            ``same_site``, or ``same_site="none"``/``partitioned`` without ``secure``.
    """
    if _TOKEN_RE.fullmatch(name) is None:
        raise ValueError(f"invalid cookie name {name!r}: use token characters only")
    if _COOKIE_VALUE_RE.fullmatch(value) is None:
        raise ValueError(
            f"invalid cookie value for {name!r}: spaces, quotes, commas, semicolons, "
            "backslashes and control characters are not allowed; encode the value first"
        )
    parts = [f"{name}={value}"]
    if path is not None:
        if _PATH_RE.fullmatch(path) is None:
            raise ValueError(f"invalid cookie path {path!r}")
        parts.append(f"Path={path}")
    if domain is not None:
        if _DOMAIN_RE.fullmatch(domain) is None:
            raise ValueError(f"invalid cookie domain {domain!r}")
        parts.append(f"Domain={domain}")
    if max_age is not None:
        parts.append(f"Max-Age={int(max_age)}")
        if expires is None:
            expires = time.time() + max_age if max_age > 0 else 0.0
    if expires is not None:
        parts.append(f"Expires={_http_date(int(expires))}")
    if secure:
        parts.append("Secure")
    if http_only:
        parts.append("HttpOnly")
    if same_site is not None:
        if same_site not in ("lax", "strict", "none"):
            raise ValueError(
                f"same_site must be 'lax', 'strict', 'none' or None, not {same_site!r}"
            )
        if same_site == "none" and not secure:
            raise ValueError("same_site='none' requires secure=True (browsers reject it otherwise)")
        parts.append(f"SameSite={same_site.capitalize()}")
    if partitioned:
        if not secure:
            raise ValueError("partitioned=True requires secure=True")
        parts.append("Partitioned")
    return "; ".join(parts)
