"""Raw-byte checks applied to every request before a parser library sees it.

Both parser paths (h11 and httptools) sit behind these checks, so they accept
and reject exactly the same requests. h11 would otherwise normalise obs-fold,
bare LF and duplicate ``Content-Length`` before anyone could see them; llhttp
accepts request shapes h11 refuses and the other way around. Here the complete
head is validated in one regular-expression pass over its bytes, then one more
pass over the lower-cased head collects the few fields that decide framing,
keep-alive, ``Host``, ``Expect`` and ``Upgrade``. Chunked bodies are framed by
:class:`ChunkScanner` with the same strictness before their bytes are decoded.

Everything here is sans-IO and raises :class:`zzz.exceptions.ProtocolError`
with the status the server answers with (the connection is then closed).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from zzz.exceptions import ProtocolError
from zzz.server.limits import Limits

__all__ = [
    "ChunkScanner",
    "HeadInfo",
    "METHODS",
    "check_head",
    "check_partial_head",
]

#: Methods whose origin-form requests need no further target checks (the fast path).
_SIMPLE_METHODS = frozenset(
    (b"GET", b"POST", b"PUT", b"DELETE", b"PATCH", b"HEAD", b"OPTIONS", b"QUERY")
)

#: Request methods the server accepts (the HTTP methods llhttp knows, minus the
#: HTTP/2 preface ``PRI``). Any other method token is answered with 501.
METHODS: frozenset[bytes] = frozenset(
    b"ACL BIND CHECKOUT CONNECT COPY DELETE GET HEAD LINK LOCK M-SEARCH MERGE MKACTIVITY "
    b"MKCALENDAR MKCOL MOVE NOTIFY OPTIONS PATCH POST PROPFIND PROPPATCH PURGE PUT QUERY "
    b"REBIND REPORT SEARCH SOURCE SUBSCRIBE TRACE UNBIND UNLINK UNLOCK UNSUBSCRIBE".split()
)

_TOKEN = rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"
# field-value = *( field-vchar / SP / HTAB ); surrounding whitespace is stripped later.
_FIELD = _TOKEN + rb":[\t\x20-\x7e\x80-\xff]*\r\n"
_REQUEST_LINE_START = rb"(" + _TOKEN + rb") ([\x21-\x7e]+) HTTP/([0-9]\.[0-9])"
_REQUEST_LINE = _REQUEST_LINE_START + rb"\r\n"
_HEAD_RE = re.compile(_REQUEST_LINE + rb"(?:" + _FIELD + rb")*\r\n")
_REQUEST_LINE_RE = re.compile(_REQUEST_LINE)
_PARTIAL_REQUEST_LINE_RE = re.compile(_REQUEST_LINE_START)
_FIELD_RE = re.compile(_FIELD)
_BARE_CR_LF_RE = re.compile(rb"(?<!\r)\n|\r(?=[^\n])")
_ORIGIN_OR_ABSOLUTE_RE = re.compile(rb"/.*|[A-Za-z][A-Za-z0-9+.\-]*://[^/?#]+.*", re.DOTALL)
_AUTHORITY_RE = re.compile(rb"(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._~!$&'()*+,;=%]+):[0-9]{1,5}")
_HOST_RE = re.compile(rb"(?:\[[0-9a-f:.]+\]|[a-z0-9\-._~!$&'()*+,;=%]*)(?::[0-9]*)?")
# Chunk extensions without optional whitespace around ";" and "=" (as strict as llhttp).
_CHUNK_LINE_RE = re.compile(
    rb"([0-9A-Fa-f]+)(?:;"
    + _TOKEN
    + rb"(?:=(?:"
    + _TOKEN
    + rb'|"(?:[\t \x21\x23-\x5b\x5d-\x7e\x80-\xff]|\\[\t \x21-\x7e\x80-\xff])*"))?)*'
)
_MAX_CHUNK_LINE = 4096
_MAX_CHUNK_SIZE_DIGITS = 16  # leading zeros included (h11 allows at most 20)
#: Fields that must not appear in trailers (RFC 9110 section 6.5.1): framing, routing
#: and connection control. A proxy merging them into the head would be smuggled to.
_FORBIDDEN_TRAILERS = frozenset(
    b"content-length transfer-encoding host connection upgrade expect te trailer keep-alive".split()
)
_MAX_CONTENT_LENGTH_DIGITS = 18


_SPECIAL_RE = re.compile(
    rb"\n(host|content-length|transfer-encoding|connection|upgrade|expect):([^\r]*)"
)

_Fields = dict[bytes, list[bytes]]


def _special_fields(low: bytes) -> _Fields:
    """Collect the trimmed values of the fields the checks care about, in one pass."""
    fields: _Fields = {}
    for name, value in _SPECIAL_RE.findall(low):
        values = fields.get(name)
        if values is None:
            fields[name] = [value.strip(b" \t")]
        else:
            values.append(value.strip(b" \t"))
    return fields


@dataclass(frozen=True, slots=True)
class HeadInfo:
    """What the raw checks learned about a request head.

    Attributes:
        http_version: ``b"1.0"`` or ``b"1.1"``.
        keep_alive: Whether the connection may carry another request afterwards.
        content_length: The declared body length, or ``None``.
        chunked: Whether the body uses ``Transfer-Encoding: chunked``.
        expect_continue: Whether the client sent ``Expect: 100-continue``.
        upgrade: The lower-cased ``Upgrade`` value when the client asks to switch
            protocols (``Connection: upgrade`` plus an ``Upgrade`` field), else ``None``.
        connect: Whether this is a ``CONNECT`` request (no body; a tunnel follows).
    """

    http_version: bytes
    keep_alive: bool
    content_length: int | None
    chunked: bool
    expect_continue: bool
    upgrade: bytes | None
    connect: bool


def _diagnose_field(line: bytes) -> str:
    """Explain why a header field line is invalid (error path only)."""
    if line[:1] in (b" ", b"\t"):
        return "obsolete line folding (obs-fold) is not allowed"
    return "invalid header field line"


def _diagnose(head: bytes) -> str:
    """Explain why ``head`` failed the head grammar (error path only)."""
    if _BARE_CR_LF_RE.search(head):
        return "bare CR or LF in request head (lines must end with CRLF)"
    lines = head.split(b"\r\n")
    if b"\r\n" not in head or _HEAD_RE.match(lines[0] + b"\r\n\r\n") is None:
        return "malformed request line"
    for line in lines[1:-2]:
        if _FIELD_RE.fullmatch(line + b"\r\n") is None:
            return _diagnose_field(line)
    return "malformed request head"


def check_partial_head(buf: bytearray, start: int, scan: int, checked: int, limits: Limits) -> int:
    """Reject an incomplete request head early when it can never become valid.

    Complete lines are checked once each, so a head trickling in byte by byte
    costs linear time; the complete head is checked again by :func:`check_head`.

    Args:
        buf: The receive buffer.
        start: Where the head starts in ``buf``.
        scan: Where the bytes not scanned for bare CR/LF yet start.
        checked: Where the first line not checked yet starts (``start`` at first).
        limits: The limits to apply.

    Returns:
        The new ``checked`` position, to pass in on the next call.

    Raises:
        ProtocolError: 414 when the request line is already too long, 431 when the
            header block is, 400 on a malformed line or a bare CR or LF, 501/505
            as :func:`check_head` does.
    """
    end = len(buf)
    line_end = buf.find(b"\r\n", start, start + limits.max_request_line + 2)
    if line_end < 0:
        if end - start > limits.max_request_line + 1:
            raise ProtocolError(414, "request line too long")
    elif end - line_end - 2 > limits.max_header_bytes + 1:
        raise ProtocolError(431, "request header fields too large")
    if _BARE_CR_LF_RE.search(buf, max(scan - 1, start)) is not None:
        raise ProtocolError(400, "bare CR or LF in request head (lines must end with CRLF)")
    while (nl := buf.find(b"\r\n", checked)) >= 0:
        line = bytes(buf[checked : nl + 2])
        if checked == start:
            match = _REQUEST_LINE_RE.fullmatch(line)
            if match is None:
                raise ProtocolError(400, "malformed request line")
            _check_request_line(*match.groups())
        elif _FIELD_RE.fullmatch(line) is None:
            raise ProtocolError(400, _diagnose_field(line))
        elif line[:15].lower() == b"content-length:":
            _framing(_special_fields(bytes(buf[start : nl + 2]).lower()), True, limits)
        checked = nl + 2
    if checked == start:
        match = _PARTIAL_REQUEST_LINE_RE.match(buf, start)
        if match is not None:
            _check_request_line(*match.groups())
    elif checked < end and buf[checked] in b" \t":
        raise ProtocolError(400, _diagnose_field(bytes(buf[checked : checked + 1])))
    return checked


def _check_request_line(method: bytes, target: bytes, version: bytes) -> None:
    """Validate the method, target and version of a request line."""
    if version != b"1.1" and version != b"1.0":  # noqa: PLR1714 (faster than a tuple)
        raise ProtocolError(505, "HTTP version not supported (use HTTP/1.1 or HTTP/1.0)")
    if method not in METHODS:
        raise ProtocolError(501, "request method not implemented")
    if target[0] != 47 or method == b"CONNECT":  # 47: b"/" (origin-form)
        _check_target(method, target)


def _check_target(method: bytes, target: bytes) -> None:
    """Validate a request target that is not in origin-form (``/...``)."""
    if method == b"CONNECT":
        if _AUTHORITY_RE.fullmatch(target) is None:
            raise ProtocolError(400, "CONNECT needs an authority-form target (host:port)")
    elif target == b"*":
        if method != b"OPTIONS":
            raise ProtocolError(400, "asterisk-form target is only allowed with OPTIONS")
    elif _ORIGIN_OR_ABSOLUTE_RE.fullmatch(target) is None:
        raise ProtocolError(400, "invalid request target")


def _framing(fields: _Fields, http11: bool, limits: Limits) -> tuple[int | None, bool]:
    """Decide the body framing: ``(content_length, chunked)``; reject smuggling shapes."""
    lengths = fields.get(b"content-length")
    encodings = fields.get(b"transfer-encoding")
    if lengths is not None:
        if encodings is not None:
            raise ProtocolError(400, "both Content-Length and Transfer-Encoding")
        if len(lengths) != 1:
            raise ProtocolError(400, "duplicate Content-Length")
        value = lengths[0]
        if not value.isdigit() or not value.isascii():
            raise ProtocolError(400, "invalid Content-Length")
        if len(value) > _MAX_CONTENT_LENGTH_DIGITS or int(value) > limits.max_body_bytes:
            raise ProtocolError(413, "request body too large")
        return int(value), False
    if encodings is None:
        return None, False
    if not http11:
        raise ProtocolError(400, "Transfer-Encoding in an HTTP/1.0 request")
    if len(encodings) != 1:
        raise ProtocolError(400, "duplicate Transfer-Encoding")
    codings = [c.strip(b" \t") for c in encodings[0].split(b",")]
    if codings[-1] != b"chunked":
        raise ProtocolError(400, "chunked must be the final transfer coding")
    if len(codings) > 1:
        raise ProtocolError(501, "transfer coding not implemented (only chunked)")
    return None, True


_SIMPLE_CONNECTION: dict[bytes, frozenset[bytes]] = {
    value: frozenset({value}) for value in (b"keep-alive", b"close", b"upgrade")
}


def _connection_tokens(values: list[bytes]) -> frozenset[bytes]:
    """Return the lower-cased tokens of the ``Connection`` field values."""
    if len(values) == 1 and (simple := _SIMPLE_CONNECTION.get(values[0])) is not None:
        return simple
    return frozenset(t.strip(b" \t") for value in values for t in value.split(b","))


#: The facts of the most common request: HTTP/1.1, no body, keep-alive.
_PLAIN_11: Final = HeadInfo(b"1.1", True, None, False, False, None, False)


def check_head(head: bytes, limits: Limits) -> HeadInfo:
    """Validate a complete request head (request line to the empty line).

    Args:
        head: The head bytes, ending with ``b"\\r\\n\\r\\n"``, without leading CRLFs.
        limits: The limits to apply.

    Returns:
        The framing and connection facts both parser paths rely on.

    Raises:
        ProtocolError: 400 malformed or smuggling-shaped head, 413 declared body too
            large, 414 request line too long, 431 too many or too large header fields,
            501 unknown method or transfer coding, 505 unsupported HTTP version.
    """
    line_end = head.find(b"\r\n")
    if line_end > limits.max_request_line:
        raise ProtocolError(414, "request line too long")
    if len(head) - line_end - 4 > limits.max_header_bytes:
        raise ProtocolError(431, "request header fields too large")
    if head.count(b"\n") - 2 > limits.max_header_count:
        raise ProtocolError(431, "too many request header fields")
    match = _HEAD_RE.fullmatch(head)
    if match is None:
        raise ProtocolError(400, _diagnose(head))
    method, target, version = match.groups()
    http11 = version == b"1.1"
    if not (http11 and method in _SIMPLE_METHODS and target[0] == 47):  # 47: b"/"
        _check_request_line(method, target, version)
    fields = _special_fields(head.lower())
    hosts = fields.get(b"host")
    if hosts is not None or http11:
        if hosts is None or len(hosts) != 1:
            raise ProtocolError(400, "exactly one Host header is required")
        if _HOST_RE.fullmatch(hosts[0]) is None:
            raise ProtocolError(400, "invalid Host header")
        if len(fields) == 1 and http11 and method != b"CONNECT":
            return _PLAIN_11
    content_length, chunked = _framing(fields, http11, limits)
    connection = fields.get(b"connection")
    upgrade: bytes | None = None
    if connection is None:
        keep_alive = http11
    else:
        tokens = _connection_tokens(connection)
        keep_alive = b"close" not in tokens and (http11 or b"keep-alive" in tokens)
        upgrades = fields.get(b"upgrade")
        if upgrades is not None and upgrades[0] and b"upgrade" in tokens:
            upgrade = upgrades[0]
    expect = fields.get(b"expect")
    expect_continue = http11 and expect is not None and b"100-continue" in expect
    if method == b"CONNECT":
        return HeadInfo(version, keep_alive, None, False, expect_continue, upgrade, True)
    plain = content_length is None and not chunked and upgrade is None and expect is None
    if plain and keep_alive and http11:
        return _PLAIN_11
    return HeadInfo(version, keep_alive, content_length, chunked, expect_continue, upgrade, False)


_SIZE, _DATA, _DATA_CRLF, _TRAILER, _DONE = range(5)


class ChunkScanner:
    """Strict framing of a chunked request body, without copying the data.

    :meth:`scan` walks chunk-size lines, chunk data, the CRLF after each chunk and
    the trailer section, and tells how many bytes belong to the message so far.
    The parser then hands exactly those bytes to h11 or httptools to decode.

    Args:
        limits: ``max_body_bytes`` caps the sum of chunk sizes (413);
            ``max_header_bytes``/``max_header_count`` cap the trailers (431).
    """

    __slots__ = ("_left", "_limits", "_state", "_total", "_trailer_bytes", "_trailers")

    def __init__(self, limits: Limits) -> None:
        self._limits = limits
        self._state = _SIZE
        self._left = 0
        self._total = 0
        self._trailer_bytes = 0
        self._trailers = 0

    def scan(
        self, buf: bytearray, start: int, payload: list[bytes] | None = None
    ) -> tuple[int, bool]:
        """Advance over the chunked bytes available in ``buf[start:]``.

        Args:
            buf: The receive buffer.
            start: Where the unscanned body bytes start.
            payload: When given, the chunk data found is appended to it (used where
                no library decodes the body).

        Returns:
            ``(consumed, done)``: how many bytes from ``start`` belong to the body,
            and whether the final chunk and trailers are complete.

        Raises:
            ProtocolError: 400 on malformed framing, 413 when the chunk sizes add
                up to more than ``max_body_bytes``, 431 on oversized trailers.
        """
        end = len(buf)
        i = start
        while i < end:
            state = self._state
            if state == _DATA:
                step = min(self._left, end - i)
                if payload is not None:
                    payload.append(bytes(buf[i : i + step]))
                i += step
                self._left -= step
                if not self._left:
                    self._state = _DATA_CRLF
            elif state == _DATA_CRLF:
                if end - i < 2:
                    if buf[i] != 13:
                        raise ProtocolError(400, "chunk data not followed by CRLF")
                    break
                if buf[i : i + 2] != b"\r\n":
                    raise ProtocolError(400, "chunk data not followed by CRLF")
                i += 2
                self._state = _SIZE
            else:
                nl = buf.find(b"\r\n", i)
                if nl < 0:
                    if end - i > _MAX_CHUNK_LINE or _BARE_CR_LF_RE.search(buf, i):
                        raise ProtocolError(400, "invalid chunk framing")
                    break
                if state == _SIZE:
                    i = self._size_line(buf, i, nl)
                elif nl == i:
                    self._state = _DONE
                    return i + 2 - start, True
                else:
                    line = bytes(buf[i : nl + 2])
                    self._trailer_bytes += len(line)
                    self._trailers += 1
                    if (
                        self._trailer_bytes > self._limits.max_header_bytes
                        or self._trailers > self._limits.max_header_count
                    ):
                        raise ProtocolError(431, "chunked trailer section too large")
                    if _FIELD_RE.fullmatch(line) is None:
                        raise ProtocolError(400, "invalid trailer field line")
                    if line[: line.index(b":")].lower() in _FORBIDDEN_TRAILERS:
                        raise ProtocolError(400, "framing or routing field in chunked trailers")
                    i = nl + 2
        return i - start, self._state == _DONE

    def _size_line(self, buf: bytearray, i: int, nl: int) -> int:
        """Parse the chunk-size line ``buf[i:nl]``; return the index after its CRLF."""
        if nl - i > _MAX_CHUNK_LINE:
            raise ProtocolError(400, "chunk-size line too long")
        match = _CHUNK_LINE_RE.fullmatch(buf, i, nl)
        if match is None:
            raise ProtocolError(400, "invalid chunk-size line")
        digits = match.group(1)
        if len(digits) > _MAX_CHUNK_SIZE_DIGITS:
            raise ProtocolError(400, "chunk size has too many digits")
        size = int(digits, 16)
        self._total += size
        if self._total > self._limits.max_body_bytes:
            raise ProtocolError(413, "request body too large")
        if size:
            self._left = size
            self._state = _DATA
        else:
            self._state = _TRAILER
        return nl + 2
