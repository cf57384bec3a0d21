"""The Logger plug: one log line per request, without secrets.

Logs method, path, status, duration and request id when the response is sent
(the duration runs until the response starts: the body of a streamed response is
not included).
``format="dev"`` gives a readable line (``GET /users -> 200 in 1.3ms [id]``);
``format="structured"`` puts the same values in the record's ``extra`` fields
(``http_method``, ``http_path``, ``http_status``, ``duration_ms``, ``request_id``,
``remote_ip``) for JSON log formatters. The query string is never logged as is:
parameters whose name looks secret are replaced with ``[FILTERED]``; headers are
only logged on request (``log_headers=True``) and then with ``Authorization``,
``Cookie`` and friends masked.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar, Final, Literal

from zzz.conn import Conn
from zzz.exceptions import HTTPError, ImproperlyConfigured
from zzz.plugs.request_id import RequestId

__all__ = ["Logger", "filter_headers", "filter_params"]

FILTERED: Final = "[FILTERED]"

#: Parameter names containing one of these (case-insensitive) are filtered.
DEFAULT_FILTER_PARAMS: Final = (
    "password", "passwd", "secret", "token", "api_key", "apikey", "authorization",
    "credit_card", "card_number", "cvv", "ssn", "csrf",
)  # fmt: skip
#: Headers always masked when headers are logged.
DEFAULT_FILTER_HEADERS: Final = (
    "authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key",
    "x-csrf-token", "x-auth-token",
)  # fmt: skip


def _secret(name: str, words: Iterable[str]) -> bool:
    lowered = name.lower()
    return any(word in lowered for word in words)


def filter_params(params: Any, words: Iterable[str] = DEFAULT_FILTER_PARAMS) -> Any:
    """Return a copy of ``params`` with secret-looking keys replaced by ``[FILTERED]``.

    Example:
        >>> filter_params({"user": {"name": "jo", "password": "x"}})
        {'user': {'name': 'jo', 'password': '[FILTERED]'}}
    """
    words = tuple(words)
    if isinstance(params, Mapping):
        return {
            k: FILTERED if _secret(str(k), words) else filter_params(v, words)
            for k, v in params.items()
        }
    if isinstance(params, list):
        return [filter_params(v, words) for v in params]
    return params


def filter_headers(
    headers: Iterable[tuple[str, str]], names: Iterable[str] = DEFAULT_FILTER_HEADERS
) -> list[tuple[str, str]]:
    """Return ``headers`` with secret ones masked (names compared lower-case)."""
    masked = {n.lower() for n in names}
    return [(k, FILTERED if k.lower() in masked else v) for k, v in headers]


class Logger:
    """Log each request when its response is sent.

    Args:
        logger: The logger to use (default ``logging.getLogger("zzz.request")``).
        level: The level of the per-request line.
        format: ``"dev"`` (readable) or ``"structured"`` (fields in ``extra``).
        log_query: Include the query (with secret values filtered).
        log_headers: Include request headers (secret ones masked).
        filter_params: Substrings of parameter names whose values are masked.
        filter_headers: Header names whose values are masked.
        request_id: The :class:`RequestId` used when no earlier plug set an id.

    Raises:
        ImproperlyConfigured: An unknown format.
    """

    provides: ClassVar[frozenset[str]] = frozenset({"request_id"})
    requires: ClassVar[frozenset[str]] = frozenset()

    __slots__ = (
        "_filter_headers",
        "_filter_params",
        "_request_id",
        "format",
        "level",
        "log_headers",
        "log_query",
        "logger",
    )

    def __init__(
        self,
        *,
        logger: logging.Logger | None = None,
        level: int = logging.INFO,
        format: Literal["dev", "structured"] = "dev",
        log_query: bool = True,
        log_headers: bool = False,
        filter_params: Iterable[str] = DEFAULT_FILTER_PARAMS,
        filter_headers: Iterable[str] = DEFAULT_FILTER_HEADERS,
        request_id: RequestId | None = None,
    ) -> None:
        if format not in ("dev", "structured"):
            raise ImproperlyConfigured("Logger: format must be 'dev' or 'structured'")
        self.logger = logger or logging.getLogger("zzz.request")
        self.level = level
        self.format = format
        self.log_query = log_query
        self.log_headers = log_headers
        self._filter_params = tuple(w.lower() for w in filter_params)
        self._filter_headers = tuple(h.lower() for h in filter_headers)
        self._request_id = request_id or RequestId()

    async def __call__(self, conn: Conn) -> None:
        """Start the clock and make sure the request has an id."""
        if not self.logger.isEnabledFor(self.level):
            return
        if "request_id" not in conn.assigns:
            await self._request_id(conn)
        started = time.perf_counter()
        conn.register_before_send(lambda c: self._log(c, started))

    def _query(self, conn: Conn) -> str:
        if not conn.head.query_string or not self.log_query:
            return ""
        try:
            pairs = conn.query.pairs
        except (ValueError, HTTPError):
            return "?[malformed]"
        words = self._filter_params
        return "?" + "&".join(f"{k}={FILTERED if _secret(k, words) else v}" for k, v in pairs)

    def _log(self, conn: Conn, started: float) -> None:
        duration_ms = (time.perf_counter() - started) * 1000.0
        status = conn.status or 200
        rid = conn.assigns.get("request_id", "-")
        path = conn.path + self._query(conn)
        fields: dict[str, Any] = {
            "http_method": conn.method,
            "http_path": path,
            "http_status": status,
            "duration_ms": round(duration_ms, 3),
            "request_id": rid,
            "remote_ip": conn.remote_ip,
        }
        if self.log_headers:
            fields["http_headers"] = filter_headers(
                conn.headers.multi_items(), self._filter_headers
            )
        if self.format == "structured":
            line = "request"
        else:
            unit = f"{duration_ms:.1f}ms" if duration_ms >= 1 else f"{duration_ms * 1000:.0f}µs"
            line = f"{conn.method} {path} -> {status} in {unit} [{rid}]"
            if self.log_headers:
                line += f" headers={fields['http_headers']}"
        # Build the record directly: skips logging's stack walk (findCaller), which
        # would only ever point here anyway.
        logger = self.logger
        record = logger.makeRecord(
            logger.name, self.level, __file__, 0, line, (), None, "request", fields
        )
        logger.handle(record)
