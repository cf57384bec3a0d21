"""The ErrorHandler plug: error pages for development and production.

It registers itself with ``conn.register_error_handler``; when a later plug or the
handler raises, the app calls it with the exception.

* Development (``debug=True``, default: the app's ``settings.debug``): an HTML page
  with the exception, the traceback with source context around each line, the
  request (headers with secrets masked, filtered params) and the route — or the
  same as JSON for API clients.
* Production: a plain page or JSON with the status and, for ``HTTPError`` only,
  its client-safe ``detail``. Never a traceback, exception text or path.

JSON is chosen when the client prefers it (``Accept``) or the path starts with
one of ``json_paths``. Server errors (5xx) are always logged with the traceback
(the page is rendered, the error is still logged, like Starlette's middleware).
"""

from __future__ import annotations

import html
import linecache
import logging
import traceback
from collections.abc import Sequence
from typing import Any, ClassVar, Final

from zzz.conn import Conn
from zzz.exceptions import HTTPError
from zzz.http.status import reason_phrase
from zzz.plugs._negotiate import prefers_json
from zzz.plugs.logger import filter_headers, filter_params

__all__ = ["ErrorHandler"]

CONTEXT_LINES: Final = 5
_STYLE: Final = (
    "body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}"
    "h1{color:#b00}pre{background:#f6f6f6;padding:.5em;overflow:auto}"
    ".frame{margin:1em 0;border-left:3px solid #ccc;padding-left:1em}"
    ".hl{background:#fdd}table{border-collapse:collapse}td{padding:2px 8px;vertical-align:top}"
)


def _frames(exc: BaseException) -> list[dict[str, Any]]:
    frames = []
    for summary in traceback.extract_tb(exc.__traceback__):
        lineno = summary.lineno or 0
        start = max(1, lineno - CONTEXT_LINES)
        lines = [
            (n, linecache.getline(summary.filename, n).rstrip("\n"))
            for n in range(start, lineno + CONTEXT_LINES + 1)
        ]
        frames.append(
            {
                "file": summary.filename,
                "line": lineno,
                "function": summary.name,
                "context": [(n, text) for n, text in lines if text or n <= lineno],
            }
        )
    return frames


def _route(conn: Conn) -> str:
    route = conn.route
    if route is None:
        return "(no route matched yet)"
    methods = ",".join(getattr(route, "methods", ()) or ())
    location = getattr(route, "location", "")
    return f"{methods} {getattr(route, 'path', route)} {location}".strip()


class ErrorHandler:
    """Render errors raised after this plug (put it first in the app's plugs).

    Args:
        debug: Show the development page; ``None`` follows ``settings.debug``.
        json_paths: Path prefixes answered with JSON regardless of ``Accept``.
        logger: Where 5xx errors are logged (default ``zzz.errors``).

    Example:
        >>> App(router, plugs=[ErrorHandler(json_paths=("/api",))])  # doctest: +SKIP
    """

    provides: ClassVar[frozenset[str]] = frozenset()
    requires: ClassVar[frozenset[str]] = frozenset()

    __slots__ = ("debug", "json_paths", "logger")

    def __init__(
        self,
        *,
        debug: bool | None = None,
        json_paths: Sequence[str] = (),
        logger: logging.Logger | None = None,
    ) -> None:
        self.debug = debug
        self.json_paths = tuple(json_paths)
        self.logger = logger or logging.getLogger("zzz.errors")

    async def __call__(self, conn: Conn) -> None:
        """Register the error renderer for this request."""
        conn.register_error_handler(self.render)

    def _debug(self, conn: Conn) -> bool:
        return conn.config.debug if self.debug is None else self.debug

    async def render(self, conn: Conn, exc: BaseException) -> None:
        """Set the error response for ``exc`` (called by the app)."""
        if isinstance(exc, HTTPError):
            status, detail = exc.status, exc.detail or reason_phrase(exc.status)
            for name, value in exc.headers.items():
                try:
                    conn.put_resp_header(name, value)
                except ValueError:
                    self.logger.warning("dropped invalid header %r from an HTTPError", name)
        else:
            status, detail = 500, reason_phrase(500)
        if status >= 500:
            self.logger.error(
                "%s %s failed with %s", conn.method, conn.path, type(exc).__name__, exc_info=exc
            )
        debug = self._debug(conn)
        try:
            accept = conn.headers.get("accept")
        except HTTPError:
            accept = None
        wants_json = prefers_json(accept) or conn.path.startswith(self.json_paths)
        errors = getattr(exc, "errors", None) if isinstance(exc, HTTPError) else None
        if wants_json:
            payload: dict[str, Any] = {"status": status, "detail": detail}
            if isinstance(errors, list):
                payload["fields"] = errors
            if debug and not isinstance(exc, HTTPError):
                payload["exception"] = f"{type(exc).__name__}: {exc}"
                payload["traceback"] = traceback.format_exception(exc)
            conn.json({"errors": payload}, status)
            return
        if debug and not isinstance(exc, HTTPError):
            conn.html(self._debug_page(conn, exc), status)
            return
        title = html.escape(f"{status} {reason_phrase(status)}")
        body = f"<!doctype html><title>{title}</title><h1>{title}</h1>"
        if detail != reason_phrase(status):
            body += f"<p>{html.escape(detail)}</p>"
        if isinstance(errors, list):
            items = "".join(
                f"<li>{html.escape('.'.join(map(str, e.get('loc', ()))))}: "
                f"{html.escape(str(e.get('msg', '')))}</li>"
                for e in errors
                if isinstance(e, dict)
            )
            body += f"<ul>{items}</ul>"
        conn.html(body, status)

    def _debug_page(self, conn: Conn, exc: BaseException) -> str:
        esc = html.escape
        parts = [
            f"<!doctype html><meta charset=utf-8><title>{esc(type(exc).__name__)}</title>",
            f"<style>{_STYLE}</style>",
            f"<h1>{esc(type(exc).__name__)}</h1><pre>{esc(str(exc))}</pre>",
            f"<p><b>{esc(conn.method)} {esc(conn.path)}</b> &mdash; route: "
            f"<code>{esc(_route(conn))}</code></p>",
            "<h2>Traceback</h2>",
        ]
        for frame in reversed(_frames(exc)):
            rows = "".join(
                f"<div{' class=hl' if n == frame['line'] else ''}>{n:>5}  {esc(text)}</div>"
                for n, text in frame["context"]
            )
            parts.append(
                f"<div class=frame><code>{esc(frame['file'])}:{frame['line']}</code> in "
                f"<code>{esc(frame['function'])}</code><pre>{rows}</pre></div>"
            )
        headers = filter_headers(conn.headers.multi_items())
        parts.append("<h2>Request headers</h2><table>")
        parts += [f"<tr><td>{esc(k)}</td><td>{esc(v)}</td></tr>" for k, v in headers]
        parts.append("</table>")
        try:
            params = filter_params(conn.params)
        except HTTPError:
            params = "(unparseable)"
        parts.append(f"<h2>Params</h2><pre>{esc(repr(params))}</pre>")
        assigns = {k: type(v).__name__ for k, v in conn.assigns.items()}
        parts.append(f"<h2>Assigns (types)</h2><pre>{esc(repr(assigns))}</pre>")
        return "".join(parts)
