"""The app's exceptions and its default error responses (JSON, HTML or text by ``Accept``)."""

from __future__ import annotations

import html
import logging
import traceback
from typing import TYPE_CHECKING, Any

from zzz.conn import json_dumps
from zzz.exceptions import HTTPError, ZzzError
from zzz.http.mime import preferred
from zzz.http.status import reason_phrase

if TYPE_CHECKING:
    from zzz.conn import Conn

__all__ = ["NoResponseError", "RequestValidationError", "set_error_response"]

_logger = logging.getLogger("zzz.app")


class NoResponseError(ZzzError, RuntimeError):
    """A handler returned, or a plug halted, without setting a response (a 500)."""


class RequestValidationError(HTTPError):
    """Request parameters failed validation (422); ``errors`` lists each field.

    Args:
        errors: ``[{"loc": [...], "msg": "...", "type": "..."}]``.
    """

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(422, "invalid request parameters")
        self.errors = errors


def set_error_response(conn: Conn, exc: BaseException, *, debug: bool) -> None:
    """Set the default error response for ``exc`` on ``conn``.

    ``HTTPError`` keeps its status, detail and headers; anything else is a
    500 whose body names the exception only in debug mode. The body is JSON
    (``{"errors": {"detail": ...}}``), HTML or text, by the ``Accept`` header.

    Args:
        conn: The conn (its response must be unset).
        exc: The exception.
        debug: Name the exception and include its traceback (``settings.debug``).
    """
    if isinstance(exc, HTTPError):
        status, detail = exc.status, exc.detail or reason_phrase(exc.status)
        for name, value in exc.headers.items():
            try:
                conn.put_resp_header(name, value)
            except ValueError:
                _logger.warning("dropped invalid header %r from %r", name, exc)
    else:
        status, detail = 500, "Internal Server Error"
    trace = ""
    if debug and not isinstance(exc, HTTPError):
        detail = f"{type(exc).__name__}: {exc}"
        trace = "".join(traceback.format_exception(exc))
    kind = preferred(conn.headers.get("accept"), ["application/json", "text/html", "text/plain"])
    if kind == "application/json":
        payload: dict[str, Any] = {"detail": detail}
        if isinstance(exc, RequestValidationError):
            payload["fields"] = exc.errors
        conn.resp(status, json_dumps({"errors": payload}), "application/json")
    elif kind == "text/html":
        title = html.escape(f"{status} {reason_phrase(status)}")
        body = f"<!doctype html><title>{title}</title><h1>{title}</h1><p>{html.escape(detail)}</p>"
        if isinstance(exc, RequestValidationError):
            items = "".join(
                f"<li>{html.escape('.'.join(map(str, e['loc'])))}: {html.escape(e['msg'])}</li>"
                for e in exc.errors
            )
            body += f"<ul>{items}</ul>"
        if trace:
            body += f"<pre>{html.escape(trace)}</pre>"
        conn.resp(status, body, "text/html; charset=utf-8")
    else:
        text = detail
        if isinstance(exc, RequestValidationError):
            text += "".join(f"\n{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors)
        if trace:
            text += "\n\n" + trace
        conn.resp(status, text, "text/plain; charset=utf-8")
