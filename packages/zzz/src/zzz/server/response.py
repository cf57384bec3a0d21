"""Sans-IO serialisation of HTTP/1.1 responses.

:func:`build_head` turns an application's ``(status, headers)`` into the bytes of
a response head and decides the framing: ``content-length`` when the size is
known, ``transfer-encoding: chunked`` for a streamed HTTP/1.1 body, or
"close-delimited" for a streamed HTTP/1.0 body. It adds ``date`` (cached,
refreshed at most once per second) and ``server: zzz`` when the app did not set
them, adds ``connection: close``/``keep-alive`` when needed, suppresses the body
of ``HEAD`` requests and of 1xx/204/304 responses, and refuses header names or
values that would inject extra lines into the response (CR, LF, NUL).

Example:
    >>> head = build_head(200, [(b"content-type", b"text/plain")], content_length=5)
    >>> head.data.split(b"\\r\\n")[0]
    b'HTTP/1.1 200 OK'
    >>> head.keep_alive, head.chunked
    (True, False)
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from email.utils import formatdate
from http import HTTPStatus
from typing import Final

from zzz.exceptions import ZzzError

__all__ = [
    "CONTINUE_RESPONSE",
    "InvalidResponseHeader",
    "LAST_CHUNK",
    "ResponseHead",
    "build_head",
    "encode_chunk",
    "error_response",
    "http_date",
    "reason_phrase",
]

#: The interim response sent before reading a body announced with ``Expect: 100-continue``.
CONTINUE_RESPONSE: Final = b"HTTP/1.1 100 Continue\r\n\r\n"
#: The last chunk (and empty trailer section) ending a chunked body.
LAST_CHUNK: Final = b"0\r\n\r\n"

_REASONS: dict[int, bytes] = {s.value: s.phrase.encode("ascii") for s in HTTPStatus}
_STATUS_LINES: dict[tuple[bytes, int], bytes] = {
    (version, code): b"HTTP/%s %d %s\r\n" % (version, code, reason)
    for version in (b"1.1", b"1.0")
    for code, reason in _REASONS.items()
}
_TOKEN_RE = re.compile(rb"[!#$%&'*+\-.^_`|~0-9a-z]+")
_BAD_VALUE_RE = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]|^[ \t]|[ \t]$")
_CHECKED_NAMES: set[bytes] = {
    b"cache-control",
    b"content-type",
    b"content-encoding",
    b"etag",
    b"last-modified",
    b"location",
    b"set-cookie",
    b"vary",
}
_MAX_CHECKED_NAMES = 1024
_SPECIAL = frozenset({b"date", b"server", b"content-length", b"transfer-encoding", b"connection"})
_SERVER_LINE = b"server: zzz\r\n"
_date_cache: list[object] = [0, b""]


class InvalidResponseHeader(ZzzError, ValueError):
    """The application produced a header that cannot be sent safely.

    Raised for names that are not lower-case tokens, values containing CR, LF,
    NUL or other control characters (header injection), and framing headers that
    contradict the body (e.g. a wrong ``content-length``). The server answers
    500 instead.
    """


@dataclass(slots=True)
class ResponseHead:
    """A serialised response head and the framing it promised.

    Attributes:
        data: The status line and header block, ending with the empty line.
        chunked: Whether the body must be sent with :func:`encode_chunk` and
            terminated with :data:`LAST_CHUNK`.
        keep_alive: Whether the connection stays open after this response.
        body_allowed: Whether body bytes may be written at all (false for HEAD
            requests and 1xx/204/304 responses: drop the body silently).
        content_length: The promised body length, when framed by length.
    """

    data: bytes
    chunked: bool
    keep_alive: bool
    body_allowed: bool
    content_length: int | None


def reason_phrase(status: int) -> bytes:
    """Return the standard reason phrase of ``status`` (``b""`` when unknown).

    Args:
        status: An HTTP status code.

    Returns:
        For example ``b"Not Found"`` for 404.
    """
    return _REASONS.get(status, b"")


def http_date() -> bytes:
    """Return the current time as an IMF-fixdate, recomputed at most once per second.

    Returns:
        For example ``b"Wed, 25 Nov 2026 10:00:00 GMT"``.
    """
    now = int(time.time())
    cache = _date_cache
    if cache[0] != now:
        cache[1] = formatdate(now, usegmt=True).encode("ascii")
        cache[0] = now
    value = cache[1]
    assert isinstance(value, bytes)
    return value


def _status_line(status: int, http_version: bytes) -> bytes:
    line = _STATUS_LINES.get((http_version, status))
    if line is None:
        if not 100 <= status <= 999:
            raise InvalidResponseHeader(f"invalid status code {status!r}")
        line = b"HTTP/%s %d %s\r\n" % (http_version, status, reason_phrase(status))
    return line


def _check_name(name: bytes) -> None:
    if _TOKEN_RE.fullmatch(name) is None:
        raise InvalidResponseHeader(
            f"invalid response header name {name!r}: use a lower-case token such as b'x-id'"
        )
    if len(_CHECKED_NAMES) < _MAX_CHECKED_NAMES:
        _CHECKED_NAMES.add(name)


def build_head(
    status: int,
    headers: list[tuple[bytes, bytes]],
    *,
    http_version: bytes = b"1.1",
    keep_alive: bool = True,
    content_length: int | None = None,
    head_request: bool = False,
) -> ResponseHead:
    """Serialise a response head and decide how its body is framed.

    Args:
        status: The status code.
        headers: ``(name, value)`` pairs from the app; names lower-case bytes.
        http_version: The request's version (``b"1.1"`` or ``b"1.0"``); the
            response uses the same major/minor.
        keep_alive: Whether the request allows keeping the connection open.
        content_length: The body size when known (a one-shot response); ``None``
            for a streamed body (chunked, or an app-provided ``content-length``).
        head_request: Whether the request was ``HEAD`` (no body is sent, but the
            framing headers describe the body a ``GET`` would get).

    Returns:
        The head bytes and the framing decision.

    Raises:
        InvalidResponseHeader: A header name or value is unsafe, or a framing
            header contradicts ``content_length``.
    """
    parts = [_status_line(status, http_version)]
    append = parts.append
    has_date = has_server = False
    app_length: bytes | None = None
    app_te: bytes | None = None
    for name, value in headers:
        if name not in _CHECKED_NAMES:
            _check_name(name)
        if _BAD_VALUE_RE.search(value) is not None:
            raise InvalidResponseHeader(
                f"invalid value for response header {name.decode('latin-1')!r}: "
                "control characters (CR, LF, NUL) or surrounding whitespace"
            )
        if name in _SPECIAL:
            if name == b"content-length":
                app_length = value
                continue
            if name == b"transfer-encoding":
                app_te = value
                continue
            if name == b"connection":
                if b"close" in value.lower():
                    keep_alive = False
                continue
            if name == b"date":
                has_date = True
            else:
                has_server = True
        append(name)
        append(b": ")
        append(value)
        append(b"\r\n")
    if not has_date:
        append(b"date: ")
        append(http_date())
        append(b"\r\n")
    if not has_server:
        append(_SERVER_LINE)

    no_body_status = status < 200 or status in (204, 304)
    body_allowed = not (head_request or no_body_status)
    chunked = False
    length: int | None = None
    if app_te is not None and app_te.lower() != b"chunked":
        raise InvalidResponseHeader("only 'transfer-encoding: chunked' may be set by the app")
    if app_length is not None:
        if not app_length.isdigit():
            raise InvalidResponseHeader(f"invalid content-length {app_length!r}")
        length = int(app_length)
        if content_length is not None and length != content_length and body_allowed:
            raise InvalidResponseHeader(
                f"content-length {length} does not match the body size {content_length}"
            )
    elif content_length is not None:
        length = content_length
    if status < 200 or status == 204:
        length = None
    elif status == 304:
        if app_length is None:
            length = None
    elif length is None and body_allowed:
        if http_version == b"1.1":
            chunked = True
        else:
            keep_alive = False
    if length is not None:
        append(b"content-length: %d\r\n" % length)
    elif chunked:
        append(b"transfer-encoding: chunked\r\n")
    if not keep_alive:
        append(b"connection: close\r\n")
    elif http_version == b"1.0":
        append(b"connection: keep-alive\r\n")
    append(b"\r\n")
    return ResponseHead(b"".join(parts), chunked and body_allowed, keep_alive, body_allowed, length)


def encode_chunk(data: bytes) -> bytes:
    """Frame ``data`` as one chunk of a chunked body.

    Args:
        data: The payload; ``b""`` yields ``b""`` (an empty chunk would end the body).

    Returns:
        ``<hex size>\\r\\n<data>\\r\\n``.
    """
    if not data:
        return b""
    return b"%x\r\n%s\r\n" % (len(data), data)


def error_response(status: int, detail: str = "", *, http_version: bytes = b"1.1") -> bytes:
    """Build a complete plain-text error response that closes the connection.

    Used for requests rejected by the parser (:class:`zzz.exceptions.ProtocolError`).

    Args:
        status: The status code, e.g. 400.
        detail: A short client-safe explanation; the reason phrase when empty.
        http_version: The version for the status line.

    Returns:
        The response bytes (head and body).
    """
    text = detail or reason_phrase(status).decode("ascii") or str(status)
    body = (text + "\n").encode("utf-8", "replace")
    head = build_head(
        status,
        [(b"content-type", b"text/plain; charset=utf-8")],
        http_version=http_version,
        keep_alive=False,
        content_length=len(body),
    )
    return head.data + body
