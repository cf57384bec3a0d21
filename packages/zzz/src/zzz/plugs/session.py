"""The Session plug: ``conn.session`` backed by a signed cookie or a server store.

Cookie store (default): the whole session is JSON, signed with HMAC-SHA256 (and
encrypted with AES-256-GCM when ``encrypt=True``) and kept in the cookie; keep it
small (the cookie may not exceed ``max_cookie_size``). Server stores
(:mod:`zzz.plugs.session_stores`): the cookie holds a signed random id.

Secret rotation: pass several keys; the first signs, all verify. Cookies default to
``HttpOnly``, ``SameSite=Lax``, ``Path=/`` and ``Secure`` on https. The cookie is
written only when the session changed (or was renewed/cleared).
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Sequence
from typing import Any, ClassVar

from zzz.conn import Conn
from zzz.exceptions import ImproperlyConfigured
from zzz.http.cookies import SameSite
from zzz.plugs._signing import BadSignature, Signer
from zzz.plugs.session_stores import SessionStore

__all__ = ["Session", "SessionData"]

_log = logging.getLogger("zzz.session")


class SessionData(dict[str, Any]):
    """The session: a dict that records whether it was changed.

    Values must be JSON-serialisable. Call :meth:`renew` after a login (new id,
    same data: defeats session fixation) and :meth:`clear` on logout.
    """

    __slots__ = ("_renew", "modified", "session_id")

    def __init__(self, data: dict[str, Any] | None = None, session_id: str | None = None) -> None:
        super().__init__(data or {})
        self.modified = False
        self.session_id = session_id
        self._renew = False

    def __setitem__(self, key: str, value: Any) -> None:
        """Set a value (marks the session modified)."""
        super().__setitem__(key, value)
        self.modified = True

    def __delitem__(self, key: str) -> None:
        """Delete a value (marks the session modified)."""
        super().__delitem__(key)
        self.modified = True

    def clear(self) -> None:
        """Remove everything (the cookie is deleted when the session ends up empty)."""
        super().clear()
        self.modified = True

    def pop(self, key: str, *default: Any) -> Any:
        """Remove and return a value (marks the session modified when present)."""
        if key in self:
            self.modified = True
        return super().pop(key, *default)

    def setdefault(self, key: str, default: Any = None) -> Any:
        """Return ``self[key]``, setting it to ``default`` first if missing."""
        if key not in self:
            self.modified = True
        return super().setdefault(key, default)

    def update(self, *args: Any, **kwargs: Any) -> None:
        """Update values (marks the session modified)."""
        super().update(*args, **kwargs)
        self.modified = True

    def renew(self) -> None:
        """Issue a new session id (and cookie) keeping the data; use after login."""
        self._renew = True
        self.modified = True


class Session:
    """Load ``conn.session`` and save it before the response is sent.

    Args:
        secret_keys: Secret key(s), each at least 32 bytes; the first signs. ``None``
            uses the app's ``settings.secret_key`` (resolved on the first request).
        store: A server-side :class:`~zzz.plugs.session_stores.SessionStore`, or
            ``None`` for the signed-cookie store.
        cookie_name: The cookie name.
        max_age: Session lifetime in seconds (cookie ``Max-Age``, signature and
            store expiry); default 14 days.
        encrypt: Encrypt cookie-store sessions with AES-GCM (``jwt`` extra).
        secure: ``Secure`` cookie flag; ``None`` means "when the request is https".
        http_only: ``HttpOnly`` cookie flag.
        same_site: ``"lax"`` (default), ``"strict"`` or ``"none"`` (requires secure).
        path: Cookie path.
        domain: Cookie domain (``None``: host-only, the safest).
        max_cookie_size: Largest cookie the cookie store writes (browsers drop
            cookies over 4096 bytes); a bigger session raises ``ValueError``.

    Raises:
        ImproperlyConfigured: Missing/short keys, bad cookie settings.
    """

    provides: ClassVar[frozenset[str]] = frozenset({"session"})
    requires: ClassVar[frozenset[str]] = frozenset()

    __slots__ = (
        "_encrypt",
        "_signer",
        "cookie_name",
        "domain",
        "http_only",
        "max_age",
        "max_cookie_size",
        "path",
        "same_site",
        "secure",
        "store",
    )

    def __init__(
        self,
        secret_keys: str | bytes | Sequence[str | bytes] | None = None,
        *,
        store: SessionStore | None = None,
        cookie_name: str = "zzz_session",
        max_age: int = 14 * 24 * 3600,
        encrypt: bool = False,
        secure: bool | None = None,
        http_only: bool = True,
        same_site: SameSite = "lax",
        path: str = "/",
        domain: str | None = None,
        max_cookie_size: int = 4096,
    ) -> None:
        if encrypt and store is not None:
            raise ImproperlyConfigured(
                "Session: encrypt=True applies to the cookie store only; "
                "server-side stores keep the data off the client already"
            )
        self._encrypt = encrypt
        self._signer: Signer | None = None
        if secret_keys is not None:
            keys = [secret_keys] if isinstance(secret_keys, (str, bytes)) else list(secret_keys)
            self._signer = Signer(keys, purpose="zzz.session", encrypt=encrypt)
        if max_age < 1:
            raise ImproperlyConfigured("Session: max_age must be >= 1 second")
        if same_site not in ("lax", "strict", "none"):
            raise ImproperlyConfigured("Session: same_site must be 'lax', 'strict' or 'none'")
        if same_site == "none" and secure is False:
            raise ImproperlyConfigured("Session: same_site='none' requires secure cookies")
        if store is not None and not isinstance(store, SessionStore):
            raise ImproperlyConfigured(
                "Session: store must implement SessionStore (load, save, delete)"
            )
        from zzz.http.cookies import build_set_cookie

        try:  # validate the cookie attributes once, at startup
            build_set_cookie(cookie_name, "x", path=path, domain=domain, same_site=same_site)
        except ValueError as exc:
            raise ImproperlyConfigured(f"Session: {exc}") from None
        self.store = store
        self.cookie_name = cookie_name
        self.max_age = max_age
        self.secure = secure
        self.http_only = http_only
        self.same_site: SameSite = same_site
        self.path = path
        self.domain = domain
        self.max_cookie_size = max_cookie_size

    def _app_signer(self, conn: Conn) -> Signer:
        settings = getattr(conn.app, "settings", None)
        secret = getattr(settings, "secret_key", None)
        if secret is None:
            raise ImproperlyConfigured(
                "Session: no secret_keys given and the app has no settings.secret_key; "
                "set ZZZ_SECRET_KEY or pass Session(secret_keys=[...])"
            )
        value = secret.get_secret_value() if hasattr(secret, "get_secret_value") else secret
        self._signer = Signer([value], purpose="zzz.session", encrypt=self._encrypt)
        return self._signer

    async def __call__(self, conn: Conn) -> None:
        """Load the session into ``conn.session`` and register the save hook."""
        if self._signer is None:
            self._app_signer(conn)
        raw = conn.cookies.get(self.cookie_name)
        session = await self._load(raw) if raw else SessionData()
        conn.session = session
        conn.register_before_send(lambda c: self._save(c, session, raw is not None))

    async def _load(self, raw: str) -> SessionData:
        assert self._signer is not None
        try:
            payload = self._signer.loads(raw, max_age=self.max_age)
        except BadSignature:
            return SessionData()
        if self.store is None:
            try:
                data = json.loads(payload)
            except ValueError:
                return SessionData()
            return SessionData(data if isinstance(data, dict) else None)
        session_id = payload.decode("ascii", "replace")
        stored = await self.store.load(session_id)
        if stored is None:
            return SessionData()
        return SessionData(stored, session_id)

    def _put_cookie(self, conn: Conn, value: str) -> None:
        conn.put_resp_cookie(
            self.cookie_name,
            value,
            max_age=self.max_age,
            path=self.path,
            domain=self.domain,
            secure=self.secure,
            http_only=self.http_only,
            same_site=self.same_site,
        )

    async def _save(self, conn: Conn, session: SessionData, had_cookie: bool) -> None:
        if not session.modified:
            return
        store = self.store
        if not session:
            if store is not None and session.session_id is not None:
                await store.delete(session.session_id)
            if had_cookie:
                conn.delete_resp_cookie(self.cookie_name, path=self.path, domain=self.domain)
            return
        signer = self._signer
        assert signer is not None
        if store is None:
            value = signer.dumps(json.dumps(session, separators=(",", ":")).encode())
            if len(value) + len(self.cookie_name) + 1 > self.max_cookie_size:
                raise ValueError(
                    f"session cookie would be {len(value)} bytes, over max_cookie_size="
                    f"{self.max_cookie_size}: store less in the session or use a server store"
                )
            self._put_cookie(conn, value)
            return
        session_id = session.session_id
        if session_id is None or session._renew:
            if session_id is not None:
                await store.delete(session_id)
            session_id = session.session_id = secrets.token_urlsafe(32)
        await store.save(session_id, dict(session), self.max_age)
        self._put_cookie(conn, signer.dumps(session_id.encode()))
