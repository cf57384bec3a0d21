"""Errors raised by :class:`~zzz.conn.Conn` helpers."""

from __future__ import annotations

from zzz.exceptions import HTTPError, ZzzError

__all__ = ["AlreadySentError", "NoSessionError", "UnsafeRedirectError"]


class AlreadySentError(ZzzError, RuntimeError):
    """A response was set or sent twice, or changed after it was sent."""


class NoSessionError(ZzzError, RuntimeError):
    """Flash or session access on a conn that has no session (add the Session plug)."""


class UnsafeRedirectError(HTTPError):
    """``redirect(to=...)`` got something that is not a local path (open redirect)."""

    def __init__(self, target: str) -> None:
        super().__init__(400, "unsafe redirect target")
        self.target = target
