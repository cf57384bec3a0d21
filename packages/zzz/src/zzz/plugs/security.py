"""The SecurityHeaders plug: modern defaults for browser-facing responses.

Headers are built once at construction. They are applied just before the response
is sent, without overriding a value the handler set itself.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from typing import ClassVar, Literal

from zzz.conn import Conn
from zzz.exceptions import ImproperlyConfigured
from zzz.http.headers import check_header_value

__all__ = ["SecurityHeaders", "build_csp"]

FrameOptions = Literal["DENY", "SAMEORIGIN"]

#: A strict, same-origin starting point for ``csp=``.
DEFAULT_CSP: dict[str, Sequence[str]] = {
    "default-src": ("'self'",),
    "base-uri": ("'self'",),
    "object-src": ("'none'",),
    "frame-ancestors": ("'self'",),
    "form-action": ("'self'",),
}


def build_csp(directives: Mapping[str, Sequence[str] | str], nonce: str | None = None) -> str:
    """Serialise CSP directives; with ``nonce``, add ``'nonce-…'`` to ``script-src``/``style-src``.

    Args:
        directives: ``{"default-src": ["'self'"], ...}`` (a ``str`` value is used as is).
        nonce: A per-response nonce.

    Returns:
        The header value.

    Raises:
        ValueError: A directive name or value that would break the header.
    """
    parts: list[str] = []
    for name, value in directives.items():
        if not name or any(c in name for c in " ;,") or not name.isascii():
            raise ValueError(f"invalid CSP directive name {name!r}")
        sources = [value] if isinstance(value, str) else list(value)
        if nonce is not None and name in ("script-src", "style-src"):
            sources.append(f"'nonce-{nonce}'")
        text = " ".join(sources)
        if ";" in text:
            raise ValueError(f"CSP directive {name!r} contains ';'")
        parts.append(f"{name} {text}".strip())
    value_text = "; ".join(parts)
    check_header_value(value_text)
    return value_text


class SecurityHeaders:
    """Set security headers on every response.

    Args:
        hsts: Send ``Strict-Transport-Security`` on https requests.
        hsts_max_age: HSTS lifetime in seconds (default one year).
        hsts_include_subdomains: Add ``includeSubDomains``.
        hsts_preload: Add ``preload`` (only after registering at hstspreload.org).
        content_type_options: Send ``X-Content-Type-Options: nosniff``.
        frame_options: ``"DENY"``, ``"SAMEORIGIN"`` or ``None`` (prefer CSP ``frame-ancestors``).
        referrer_policy: ``Referrer-Policy`` value or ``None``.
        cross_origin_opener_policy: ``Cross-Origin-Opener-Policy`` value or ``None``.
        csp: CSP directives (see :data:`DEFAULT_CSP`) or a ready string; ``None`` for none.
        csp_report_only: Send ``Content-Security-Policy-Report-Only`` instead.
        csp_nonce: Generate a nonce per request into ``conn.assigns["csp_nonce"]``
            and allow it in ``script-src``/``style-src`` (needs ``csp`` as a mapping).
        permissions_policy: ``Permissions-Policy`` value or ``None``.

    Raises:
        ImproperlyConfigured: A header value that is invalid.
    """

    provides: ClassVar[frozenset[str]] = frozenset({"csp_nonce"})
    requires: ClassVar[frozenset[str]] = frozenset()

    __slots__ = ("_csp_directives", "_csp_header", "_hsts", "_static")

    def __init__(
        self,
        *,
        hsts: bool = True,
        hsts_max_age: int = 31_536_000,
        hsts_include_subdomains: bool = True,
        hsts_preload: bool = False,
        content_type_options: bool = True,
        frame_options: FrameOptions | None = "DENY",
        referrer_policy: str | None = "strict-origin-when-cross-origin",
        cross_origin_opener_policy: str | None = "same-origin",
        csp: Mapping[str, Sequence[str] | str] | str | None = None,
        csp_report_only: bool = False,
        csp_nonce: bool = False,
        permissions_policy: str | None = None,
    ) -> None:
        static: list[tuple[str, str]] = []
        if content_type_options:
            static.append(("x-content-type-options", "nosniff"))
        if frame_options is not None:
            if frame_options not in ("DENY", "SAMEORIGIN"):
                raise ImproperlyConfigured("SecurityHeaders: frame_options is DENY or SAMEORIGIN")
            static.append(("x-frame-options", frame_options))
        if referrer_policy is not None:
            static.append(("referrer-policy", referrer_policy))
        if cross_origin_opener_policy is not None:
            static.append(("cross-origin-opener-policy", cross_origin_opener_policy))
        if permissions_policy is not None:
            static.append(("permissions-policy", permissions_policy))
        self._csp_header = (
            "content-security-policy-report-only" if csp_report_only else "content-security-policy"
        )
        self._csp_directives: Mapping[str, Sequence[str] | str] | None = None
        try:
            if csp_nonce:
                if not isinstance(csp, Mapping):
                    raise ImproperlyConfigured(
                        "SecurityHeaders: csp_nonce=True needs csp as a mapping of directives"
                    )
                build_csp(csp, "probe")
                self._csp_directives = csp
            elif csp is not None:
                static.append((self._csp_header, csp if isinstance(csp, str) else build_csp(csp)))
            for _, value in static:
                check_header_value(value)
        except ValueError as exc:
            raise ImproperlyConfigured(f"SecurityHeaders: {exc}") from None
        if hsts_max_age < 0:
            raise ImproperlyConfigured("SecurityHeaders: hsts_max_age must be >= 0")
        hsts_value = f"max-age={hsts_max_age}"
        if hsts_include_subdomains:
            hsts_value += "; includeSubDomains"
        if hsts_preload:
            hsts_value += "; preload"
        self._hsts = hsts_value if hsts else None
        self._static = tuple(static)

    async def __call__(self, conn: Conn) -> None:
        """Register the headers for this response."""
        headers = list(self._static)
        if self._hsts is not None and conn.scheme == "https":
            headers.append(("strict-transport-security", self._hsts))
        if self._csp_directives is not None:
            nonce = secrets.token_urlsafe(16)
            conn.assigns["csp_nonce"] = nonce
            headers.append((self._csp_header, build_csp(self._csp_directives, nonce)))
        conn.register_before_send(lambda c: _apply(c, headers))


def _apply(conn: Conn, headers: list[tuple[str, str]]) -> None:
    resp = conn.resp_headers
    for name, value in headers:
        resp.setdefault(name, value)
