"""Request side of htmx: what the ``HX-*`` request headers say.

All functions take a ``Conn`` (or anything with a ``headers`` mapping like
``conn.headers``) and read its request headers. ``conn.is_htmx()`` and the other
``Conn`` shortcuts call these functions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol
from urllib.parse import unquote

if TYPE_CHECKING:
    from zzz.http.headers import Headers

__all__ = [
    "htmx_current_url",
    "htmx_prompt",
    "htmx_target",
    "htmx_trigger_id",
    "htmx_trigger_name",
    "is_boosted",
    "is_history_restore",
    "is_htmx",
    "wants_full_page",
]


class _HasHeaders(Protocol):
    """What these functions read: a conn's request headers."""

    @property
    def headers(self) -> Headers:
        """The request headers."""


def _header(conn: _HasHeaders, name: str) -> str | None:
    value = conn.headers.get(name)
    if value is not None and conn.headers.get(f"{name}-uri-autoencoded") == "true":
        return unquote(value)
    return value


def is_htmx(conn: _HasHeaders) -> bool:
    """``True`` when the request was made by htmx (``HX-Request: true``)."""
    return conn.headers.get("hx-request") == "true"


def is_boosted(conn: _HasHeaders) -> bool:
    """``True`` for an ``hx-boost`` navigation (``HX-Boosted: true``): it wants a full page."""
    return conn.headers.get("hx-boosted") == "true"


def is_history_restore(conn: _HasHeaders) -> bool:
    """``True`` when htmx restores history after a cache miss: it wants a full page."""
    return conn.headers.get("hx-history-restore-request") == "true"


def wants_full_page(conn: _HasHeaders) -> bool:
    """Whether the response should be a full page (with layout) rather than a fragment.

    ``True`` for normal browser requests, boosted navigations and history restores.
    """
    return not is_htmx(conn) or is_boosted(conn) or is_history_restore(conn)


def htmx_target(conn: _HasHeaders) -> str | None:
    """The ``id`` of the target element (``HX-Target``), if it has one."""
    return _header(conn, "hx-target")


def htmx_trigger_id(conn: _HasHeaders) -> str | None:
    """The ``id`` of the element that triggered the request (``HX-Trigger``)."""
    return _header(conn, "hx-trigger")


def htmx_trigger_name(conn: _HasHeaders) -> str | None:
    """The ``name`` of the element that triggered the request (``HX-Trigger-Name``)."""
    return _header(conn, "hx-trigger-name")


def htmx_current_url(conn: _HasHeaders) -> str | None:
    """The browser's current URL (``HX-Current-URL``)."""
    return _header(conn, "hx-current-url")


def htmx_prompt(conn: _HasHeaders) -> str | None:
    """The user's answer to an ``hx-prompt`` (``HX-Prompt``)."""
    return _header(conn, "hx-prompt")
