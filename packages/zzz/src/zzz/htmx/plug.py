"""The ``Htmx`` plug: flags htmx requests, drops the layout for fragments, sets ``Vary``,
exposes the CSRF token for ``hx-headers`` and serves ``/_zzz/htmx.min.js``."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from zzz.htmx.assets import HTMX_PATH, HtmxAsset, load_htmx
from zzz.htmx.request import is_htmx, wants_full_page

if TYPE_CHECKING:
    from zzz.conn import Conn

__all__ = [
    "Htmx",
    "HxHeaders",
    "LAYOUT_KEY",
]

#: Context key ``Templates.render`` reads when no layout is passed explicitly.
LAYOUT_KEY = "_layout"
_VARY = ("HX-Request", "HX-History-Restore-Request")


class HxHeaders:
    """Renders as the JSON for ``hx-headers`` carrying the CSRF token (lazily).

    Use it in the layout: ``<body hx-headers='{{hx_headers}}'>``. ``{{ }}`` escapes the
    quotes, which the browser decodes before htmx parses the attribute.

    Args:
        conn: The connection.
        assign: Assign holding the token (the ``CSRF`` plug's ``csrf_token``).
        header: Header the ``CSRF`` plug checks.
    """

    __slots__ = ("assign", "conn", "header")

    def __init__(self, conn: Conn, assign: str, header: str) -> None:
        self.conn = conn
        self.assign = assign
        self.header = header

    def __str__(self) -> str:
        token = self.conn.assigns.get(self.assign)
        if token is None:
            return "{}"
        return json.dumps({self.header: str(token)}, separators=(",", ":"))


class Htmx:
    """Plug that makes htmx first-class (put it in the app-level plugs).

    For every request: ``conn.assigns["is_htmx"]`` is set; htmx requests that are not
    boosted navigations or history restores render without the layout (``conn.render``
    returns the page fragment); responses get ``Vary: HX-Request,
    HX-History-Restore-Request``; ``conn.assigns["hx_headers"]`` renders the CSRF token
    as ``hx-headers`` JSON. ``GET /_zzz/htmx.min.js`` is answered from the installed
    ``django-js-lib-htmx`` package with a strong ETag and a one-year immutable cache.

    Args:
        strip_layout: Drop the layout for htmx fragment requests.
        serve_script: Serve the script at ``script_path``.
        script_path: Where to serve it.
        csrf_assign: Assign holding the CSRF token.
        csrf_header: Header name the CSRF plug accepts.

    Raises:
        MissingDependency: ``serve_script`` and ``django-js-lib-htmx`` is not installed.
    """

    def __init__(
        self,
        *,
        strip_layout: bool = True,
        serve_script: bool = True,
        script_path: str = HTMX_PATH,
        csrf_assign: str = "csrf_token",
        csrf_header: str = "X-CSRF-Token",
    ) -> None:
        self.strip_layout = strip_layout
        self.script_path = script_path
        self.csrf_assign = csrf_assign
        self.csrf_header = csrf_header
        self.asset: HtmxAsset | None = load_htmx() if serve_script else None

    async def __call__(self, conn: Conn) -> None:
        """Run the plug."""
        if self.asset is not None and conn.path == self.script_path:
            self._serve(conn, self.asset)
            return
        htmx = is_htmx(conn)
        conn.assigns["is_htmx"] = htmx
        conn.assigns["hx_headers"] = HxHeaders(conn, self.csrf_assign, self.csrf_header)
        if htmx and self.strip_layout and not wants_full_page(conn):
            conn.assigns[LAYOUT_KEY] = None
        conn.register_before_send(_add_vary)

    def _serve(self, conn: Conn, asset: HtmxAsset) -> None:
        if conn.method not in {"GET", "HEAD"}:
            conn.put_resp_header("Allow", "GET, HEAD")
            conn.resp(405, b"", "text/plain; charset=utf-8")
            conn.halt()
            return
        conn.put_resp_header("ETag", asset.etag)
        conn.put_resp_header("Cache-Control", "public, max-age=31536000, immutable")
        if _etag_matches(conn.headers.get("if-none-match"), asset.etag):
            conn.resp(304, b"")
        else:
            conn.resp(200, asset.body, "text/javascript; charset=utf-8")
        conn.halt()


def _etag_matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    candidates = {part.strip().removeprefix("W/") for part in header.split(",")}
    return "*" in candidates or etag in candidates


def _add_vary(conn: Conn) -> Any:
    present = {v.strip().lower() for v in conn.resp_headers.get("vary", "").split(",")}
    if "*" in present:
        return None
    for name in _VARY:
        if name.lower() not in present:
            conn.add_resp_header("Vary", name)
    return None
