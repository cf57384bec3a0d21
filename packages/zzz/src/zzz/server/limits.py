"""Server limits: sizes, counts and timeouts, all with safe defaults.

One frozen :class:`Limits` value is resolved at startup and shared by every
connection. The sans-IO parsers (:mod:`zzz.server.parser`) enforce the size
limits; the connection loop enforces the timeouts and connection counts.

Example:
    >>> from zzz.server.limits import Limits
    >>> limits = Limits(max_body_bytes=1024 * 1024)
    >>> limits.max_header_bytes
    16384
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from zzz.exceptions import ImproperlyConfigured

__all__ = ["Limits"]


@dataclass(frozen=True, slots=True)
class Limits:
    """Every limit the HTTP server applies, with safe defaults.

    Attributes:
        max_request_line: Longest request line (method, target, version) in bytes;
            longer lines are answered with 414 URI Too Long.
        max_header_bytes: Largest header block (every field line after the request
            line, trailers of a chunked body included) in bytes; more is answered
            with 431 Request Header Fields Too Large.
        max_header_count: Most header fields in one request (431 when exceeded).
        max_body_bytes: Largest request body in bytes. A larger ``Content-Length``
            is answered with 413 before any body byte is read; a chunked body is
            cut off with 413 as soon as its running total exceeds the limit.
        header_timeout: Seconds a client has to send a complete request head
            (slowloris protection). Enforced by the connection loop.
        body_timeout: Seconds the server waits for the next piece of a request
            body. Enforced by the connection loop.
        keepalive_timeout: Seconds an idle keep-alive connection stays open
            waiting for the next request.
        max_connections: Most concurrent connections per worker; further clients
            wait in the listen backlog (backpressure, never a crash).
        max_pipelined: Most complete requests a client may send ahead of the
            responses it has not read yet; more is answered with 429 and the
            connection closes.
        write_timeout: Seconds a single socket write may take before the
            connection is dropped (a client that stopped reading).
        ws_max_message: Largest WebSocket message in bytes.

    Raises:
        ImproperlyConfigured: When a limit is not a positive number.
    """

    max_request_line: int = 8192
    max_header_bytes: int = 16384
    max_header_count: int = 100
    max_body_bytes: int = 8 * 1024 * 1024
    header_timeout: float = 10.0
    body_timeout: float = 30.0
    keepalive_timeout: float = 5.0
    max_connections: int = 1000
    max_pipelined: int = 128
    write_timeout: float = 30.0
    ws_max_message: int = 1024 * 1024

    def __post_init__(self) -> None:
        """Validate that every limit is a positive number."""
        for spec in fields(self):
            value = getattr(self, spec.name)
            if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
                raise ImproperlyConfigured(
                    f"Limits.{spec.name} must be a positive number, got {value!r}; "
                    f"pass a value > 0 (default {spec.default!r})"
                )
