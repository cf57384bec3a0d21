"""Authentication plugs: Bearer tokens, HTTP Basic, and JWT.

Each puts the verified identity in ``conn.assigns[assign_key]`` (``"current_user"``
by default) or answers 401 with a ``WWW-Authenticate`` challenge (raised as an
``HTTPError``, so the app's error handling renders it). ``optional=True`` lets
anonymous requests through (``conn.assigns[assign_key]`` is then ``None``) while
still rejecting *invalid* credentials.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import inspect
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, ClassVar, Final

from zzz.conn import Conn
from zzz.exceptions import HTTPError, ImproperlyConfigured
from zzz.plugs._jwt import InvalidToken, JWTVerifier

__all__ = ["BasicAuth", "BearerAuth", "JWTAuth"]

#: RFC 6750 ``b64token`` characters.
_B64TOKEN: Final = re.compile(r"[A-Za-z0-9\-._~+/]+=*")
MAX_CREDENTIALS: Final = 8192

Verifier = Callable[[str], Awaitable[Any] | Any]
BasicVerifier = Callable[[str, str], Awaitable[Any] | Any]


def _quote(value: str) -> str:
    if any(c in value for c in '"\\\r\n'):
        raise ImproperlyConfigured(f"auth realm {value!r} must not contain quotes or newlines")
    return value


def _credentials(conn: Conn, scheme: str) -> str | None:
    """The credentials after ``<scheme> `` in ``Authorization``, or ``None``."""
    header = conn.headers.get("authorization")
    if header is None:
        return None
    given, _, rest = header.strip().partition(" ")
    if given.lower() != scheme.lower():
        return None
    return rest.strip()


async def _maybe_await(value: Awaitable[Any] | Any) -> Any:
    if inspect.isawaitable(value):
        return await value
    return value


class BearerAuth:
    """``Authorization: Bearer <token>`` checked by your verifier.

    Args:
        verify: ``(token) -> identity | None`` (sync or async); ``None`` rejects.
        realm: The realm in the challenge.
        assign_key: Where the identity goes in ``conn.assigns``.
        optional: Let requests without credentials through (identity ``None``).

    Raises:
        ImproperlyConfigured: ``verify`` is not callable, or a bad realm.

    Example:
        >>> async def check_token(token):  # doctest: +SKIP
        ...     return await tokens.user_for(token)
        >>> BearerAuth(verify=check_token)  # doctest: +SKIP
    """

    provides: ClassVar[frozenset[str]] = frozenset({"current_user"})
    requires: ClassVar[frozenset[str]] = frozenset()

    __slots__ = ("_challenge", "assign_key", "optional", "realm", "verify")

    def __init__(
        self,
        verify: Verifier,
        *,
        realm: str = "api",
        assign_key: str = "current_user",
        optional: bool = False,
    ) -> None:
        if not callable(verify):
            raise ImproperlyConfigured("BearerAuth: verify must be a callable (token) -> identity")
        self.verify = verify
        self.realm = _quote(realm)
        self.assign_key = assign_key
        self.optional = optional
        self._challenge = f'Bearer realm="{self.realm}"'

    def _reject(self, error: str | None, description: str) -> HTTPError:
        challenge = self._challenge
        if error is not None:
            challenge += f', error="{error}", error_description="{description}"'
        return HTTPError(401, description, {"www-authenticate": challenge})

    async def _identify(self, conn: Conn, token: str) -> Any:
        """Return the identity for a well-formed ``token`` (``None`` rejects it)."""
        return await _maybe_await(self.verify(token))

    async def __call__(self, conn: Conn) -> None:
        """Authenticate ``conn`` or raise a 401."""
        token = _credentials(conn, "bearer")
        if not token:
            if self.optional:
                conn.assigns[self.assign_key] = None
                return
            raise self._reject(None, "authentication required")
        if len(token) > MAX_CREDENTIALS or not _B64TOKEN.fullmatch(token):
            raise self._reject("invalid_request", "malformed bearer token")
        identity = await self._identify(conn, token)
        if identity is None:
            raise self._reject("invalid_token", "invalid or expired token")
        conn.assigns[self.assign_key] = identity


class JWTAuth(BearerAuth):
    """Bearer tokens that are JWTs, verified with a pinned algorithm.

    The verified claims go to ``conn.assigns["jwt_claims"]``; the identity
    (``conn.assigns[assign_key]``) is ``load_identity(claims)`` when given, else
    the ``sub`` claim.

    Args:
        key: HS* shared secret (>= 32 bytes) or an RS*/ES* public key (``cryptography``).
        algorithm: The only algorithm accepted (e.g. ``"HS256"``, ``"RS256"``, ``"ES256"``).
        audience: Required ``aud`` value(s).
        issuer: Required ``iss``.
        leeway: Clock skew tolerated, in seconds.
        require: Claims that must be present (default ``("exp",)``).
        load_identity: ``(claims) -> identity | None`` (sync or async).
        realm: The realm in the challenge.
        assign_key: Where the identity goes.
        optional: Let requests without a token through.

    Raises:
        ImproperlyConfigured: ``none``/unknown algorithm or a key that does not fit it.
    """

    provides: ClassVar[frozenset[str]] = frozenset({"current_user", "jwt_claims"})

    __slots__ = ("_load", "_verifier")

    def __init__(
        self,
        key: Any,
        *,
        algorithm: str,
        audience: str | Sequence[str] | None = None,
        issuer: str | None = None,
        leeway: float = 0.0,
        require: Sequence[str] = ("exp",),
        load_identity: Callable[[dict[str, Any]], Awaitable[Any] | Any] | None = None,
        realm: str = "api",
        assign_key: str = "current_user",
        optional: bool = False,
    ) -> None:
        self._verifier = JWTVerifier(
            key,
            algorithm=algorithm,
            audience=audience,
            issuer=issuer,
            leeway=leeway,
            require=require,
        )
        self._load = load_identity
        super().__init__(
            self._verifier.verify, realm=realm, assign_key=assign_key, optional=optional
        )

    async def _identify(self, conn: Conn, token: str) -> Any:
        try:
            claims = self._verifier.verify(token)
        except InvalidToken as exc:
            raise self._reject("invalid_token", str(exc)) from None
        conn.assigns["jwt_claims"] = claims
        if self._load is not None:
            return await _maybe_await(self._load(claims))
        return claims.get("sub", claims)


class BasicAuth:
    """HTTP Basic authentication (use only over HTTPS).

    Give either ``users`` (a username -> password mapping, compared in constant
    time) or ``verify`` (``(username, password) -> identity | None``, sync or
    async — e.g. checking a password hash).

    Args:
        users: Known users and their passwords.
        verify: A custom check.
        realm: The realm shown by browsers.
        assign_key: Where the identity (the username with ``users``) goes.

    Raises:
        ImproperlyConfigured: Neither or both of ``users``/``verify``, or a bad realm.
    """

    provides: ClassVar[frozenset[str]] = frozenset({"current_user"})
    requires: ClassVar[frozenset[str]] = frozenset()

    __slots__ = ("_challenge", "_users", "assign_key", "realm", "verify")

    def __init__(
        self,
        users: Mapping[str, str] | None = None,
        *,
        verify: BasicVerifier | None = None,
        realm: str = "Restricted",
        assign_key: str = "current_user",
    ) -> None:
        if (users is None) == (verify is None):
            raise ImproperlyConfigured("BasicAuth: give exactly one of users=... or verify=...")
        self.realm = _quote(realm)
        self.verify = verify
        self.assign_key = assign_key
        self._users = {
            hashlib.sha256(u.encode()).digest(): hashlib.sha256(p.encode()).digest()
            for u, p in (users or {}).items()
        }
        self._challenge = f'Basic realm="{self.realm}", charset="UTF-8"'

    def _reject(self, detail: str) -> HTTPError:
        return HTTPError(401, detail, {"www-authenticate": self._challenge})

    async def __call__(self, conn: Conn) -> None:
        """Authenticate ``conn`` or raise a 401."""
        encoded = _credentials(conn, "basic")
        if not encoded:
            raise self._reject("authentication required")
        if len(encoded) > MAX_CREDENTIALS:
            raise self._reject("malformed credentials")
        try:
            decoded = base64.b64decode(encoded, validate=True).decode("utf-8")
        except (binascii.Error, ValueError):
            raise self._reject("malformed credentials") from None
        username, sep, password = decoded.partition(":")
        if not sep:
            raise self._reject("malformed credentials")
        if self.verify is not None:
            identity = await _maybe_await(self.verify(username, password))
        else:
            identity = username if self._check(username, password) else None
        if identity is None:
            raise self._reject("invalid credentials")
        conn.assigns[self.assign_key] = identity

    def _check(self, username: str, password: str) -> bool:
        user_digest = hashlib.sha256(username.encode()).digest()
        given = hashlib.sha256(password.encode()).digest()
        # Same work whether or not the user exists: compare against a dummy digest.
        expected = self._users.get(user_digest, b"\x00" * 32)
        ok = hmac.compare_digest(given, expected)
        return ok and user_digest in self._users
