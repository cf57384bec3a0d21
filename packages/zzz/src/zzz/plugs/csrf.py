"""The CSRF plug: a per-session token, masked per response, checked on unsafe methods.

The secret token (32 random bytes) lives in the session; pages get a *masked*
copy (a fresh one-time pad XOR the token, so the bytes differ in every response:
BREACH-safe under compression). Unsafe requests (POST/PUT/PATCH/DELETE...) must
send a masked token in the ``X-CSRF-Token`` header or the ``_csrf_token`` form
field; it is unmasked and compared in constant time. Failure: 403.

Templates: ``conn.assigns["csrf_token"]`` is a :class:`CSRFToken` (renders as the
masked token; ``.hx_headers`` gives the JSON for htmx's ``hx-headers``); or call
:func:`get_csrf_token`. Order: ``Session`` must run before ``CSRF``, and for
multipart forms ``BodyParser`` too (urlencoded forms are parsed here if needed).
"""

from __future__ import annotations

import hmac
import json
import os
from typing import Any, ClassVar, Final, NoReturn

from zzz.conn import Conn
from zzz.exceptions import HTTPError, ImproperlyConfigured
from zzz.http.headers import check_header_name
from zzz.plugs._signing import BadSignature, b64decode, b64encode

__all__ = ["CSRF", "CSRFToken", "get_csrf_token", "mask_token", "unmask_token"]

TOKEN_BYTES: Final = 32
SESSION_KEY: Final = "_csrf_token"
SAFE_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def _xor(a: bytes, b: bytes) -> bytes:
    return (int.from_bytes(a, "big") ^ int.from_bytes(b, "big")).to_bytes(len(a), "big")


def mask_token(token: bytes) -> str:
    """Mask a raw token with a fresh one-time pad: ``b64(pad + (pad XOR token))``."""
    pad = os.urandom(len(token))
    return b64encode(pad + _xor(pad, token))


def unmask_token(masked: str) -> bytes | None:
    """Undo :func:`mask_token`; ``None`` for anything malformed."""
    if len(masked) > 4 * TOKEN_BYTES:
        return None
    try:
        raw = b64decode(masked)
    except BadSignature:
        return None
    if len(raw) != 2 * TOKEN_BYTES:
        return None
    return _xor(raw[:TOKEN_BYTES], raw[TOKEN_BYTES:])


def _session_token(conn: Conn) -> bytes:
    session = conn.session
    if session is None:
        raise ImproperlyConfigured(
            "CSRF needs a session: put the Session plug before CSRF in the pipeline"
        )
    stored = session.get(SESSION_KEY)
    if isinstance(stored, str):
        try:
            token = b64decode(stored)
        except BadSignature:
            token = b""
        if len(token) == TOKEN_BYTES:
            return token
    token = os.urandom(TOKEN_BYTES)
    session[SESSION_KEY] = b64encode(token)
    return token


def get_csrf_token(conn: Conn) -> str:
    """Return a freshly masked CSRF token for ``conn`` (creates the session token)."""
    return mask_token(_session_token(conn))


class CSRFToken:
    """Lazy template value: ``str(token)`` is the masked token (computed once per request).

    Rendering it creates the session token on first use, so pages without forms
    do not touch the session.
    """

    __slots__ = ("_conn", "_value")

    def __init__(self, conn: Conn) -> None:
        self._conn = conn
        self._value: str | None = None

    @property
    def value(self) -> str:
        """The masked token."""
        if self._value is None:
            self._value = get_csrf_token(self._conn)
        return self._value

    @property
    def hx_headers(self) -> str:
        """JSON for ``hx-headers`` (e.g. on ``<body>``): ``{"X-CSRF-Token": "..."}``."""
        return json.dumps({"X-CSRF-Token": self.value})

    def __str__(self) -> str:
        """The masked token (URL-safe base64: safe in HTML attributes as is)."""
        return self.value

    def __html__(self) -> str:
        """The masked token, already HTML-safe."""
        return self.value


class CSRF:
    """Protect unsafe requests with a masked per-session token.

    Args:
        field_name: The form field carrying the token.
        header_name: The request header carrying the token (htmx/fetch).
        assign_key: Where the lazy :class:`CSRFToken` goes in ``conn.assigns``.
        safe_methods: Methods that are not checked.

    Raises:
        ImproperlyConfigured: A bad header name, or an unsafe method listed as safe.
    """

    provides: ClassVar[frozenset[str]] = frozenset({"csrf_token"})
    requires: ClassVar[frozenset[str]] = frozenset({"session"})

    __slots__ = ("assign_key", "field_name", "header_name", "safe_methods")

    def __init__(
        self,
        *,
        field_name: str = "_csrf_token",
        header_name: str = "x-csrf-token",
        assign_key: str = "csrf_token",
        safe_methods: frozenset[str] = SAFE_METHODS,
    ) -> None:
        try:
            self.header_name = check_header_name(header_name)
        except ValueError as exc:
            raise ImproperlyConfigured(f"CSRF: {exc}") from None
        unsafe = {m.upper() for m in safe_methods} & {"POST", "PUT", "PATCH", "DELETE"}
        if unsafe:
            raise ImproperlyConfigured(f"CSRF: {sorted(unsafe)} cannot be safe methods")
        self.field_name = field_name
        self.assign_key = assign_key
        self.safe_methods = frozenset(m.upper() for m in safe_methods)

    async def __call__(self, conn: Conn) -> None:
        """Expose the token; on unsafe methods verify it or answer 403 and halt."""
        if conn.session is None:
            raise ImproperlyConfigured(
                "CSRF needs a session: put the Session plug before CSRF in the pipeline"
            )
        conn.assigns[self.assign_key] = CSRFToken(conn)
        if conn.method in self.safe_methods:
            return
        submitted = await self._submitted(conn)
        expected = conn.session.get(SESSION_KEY)
        if submitted is None:
            self._reject("CSRF token missing")
        token = unmask_token(submitted)
        if (
            token is None
            or not isinstance(expected, str)
            or not hmac.compare_digest(b64encode(token), expected)
        ):
            self._reject("CSRF token invalid")

    async def _submitted(self, conn: Conn) -> str | None:
        header = conn.headers.get(self.header_name)
        if header:
            return header
        params: dict[str, Any] | None = conn.body_params
        if params is None:
            media = conn.content_type
            if media == "multipart/form-data":
                raise ImproperlyConfigured(
                    "CSRF: put the BodyParser plug before CSRF to check multipart forms"
                )
            if media != "application/x-www-form-urlencoded":
                return None
            params = await conn.load_body_params()
        value = params.get(self.field_name)
        return value if isinstance(value, str) else None

    def _reject(self, reason: str) -> NoReturn:
        detail = (
            f"{reason}: send the token from conn.assigns[{self.assign_key!r}] in the "
            f"{self.field_name!r} form field or the {self.header_name!r} header"
        )
        raise HTTPError(403, detail)
