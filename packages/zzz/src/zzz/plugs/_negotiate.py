"""Sans-IO HTTP helpers shared by the plugs: content negotiation, ranges, validators.

Nothing here does I/O; every function takes header values (``bytes`` or ``str``)
and returns plain data, and never raises on hostile input except where documented.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from email.utils import formatdate, parsedate_to_datetime
from typing import Final

__all__ = [
    "RangeNotSatisfiable",
    "choose_encoding",
    "etag_for",
    "http_date",
    "if_none_match_hits",
    "not_modified_since",
    "parse_qvalues",
    "parse_range",
    "prefers_json",
]

#: Header values longer than this are ignored by the parsers below (treated as absent).
MAX_HEADER_VALUE: Final = 4096


class RangeNotSatisfiable(ValueError):
    """A syntactically valid ``Range`` that selects no byte of the representation (416)."""


def _text(value: bytes | str) -> str:
    return value.decode("latin-1") if isinstance(value, bytes) else value


def parse_qvalues(value: bytes | str) -> dict[str, float]:
    """Parse an ``Accept*``-style header into ``{token: q}`` (tokens lower-cased).

    Malformed q-values count as ``q=0`` (ignored), an over-long header as absent.

    Example:
        >>> parse_qvalues("gzip;q=0.5, br")
        {'gzip': 0.5, 'br': 1.0}
    """
    text = _text(value)
    result: dict[str, float] = {}
    if len(text) > MAX_HEADER_VALUE:
        return result
    for item in text.split(","):
        token, _, params = item.partition(";")
        token = token.strip().lower()
        if not token:
            continue
        q = 1.0
        for param in params.split(";"):
            name, _, raw = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(raw.strip())
                except ValueError:
                    q = 0.0
                if not 0.0 <= q <= 1.0:
                    q = 0.0
        result[token] = max(q, result.get(token, 0.0))
    return result


def choose_encoding(accept_encoding: bytes | str | None, available: Sequence[str]) -> str | None:
    """Pick the best content-coding from ``available`` (server preference breaks ties).

    Args:
        accept_encoding: The request's ``Accept-Encoding`` value, or ``None``.
        available: Codings the server can produce, most preferred first (``"br"``, ``"gzip"``).

    Returns:
        A coding from ``available``, or ``None`` for identity.
    """
    if not accept_encoding:
        return None
    q = parse_qvalues(accept_encoding)
    star = q.get("*", 0.0)
    best: str | None = None
    best_q = 0.0
    for coding in available:
        weight = q.get(coding, star if coding not in q else 0.0)
        if weight > best_q:
            best, best_q = coding, weight
    return best


def prefers_json(accept: bytes | str | None) -> bool:
    """Whether a client prefers JSON over HTML (``Accept``-based, for error pages)."""
    if not accept:
        return False
    q = parse_qvalues(accept)
    json_q = max(
        [q.get("application/json", 0.0), *(v for k, v in q.items() if k.endswith("+json"))]
    )
    html_q = max(q.get("text/html", 0.0), q.get("application/xhtml+xml", 0.0))
    return json_q > html_q


def etag_for(size: int, mtime_ns: int) -> str:
    """A strong-enough validator for a static file from its size and modification time."""
    digest = hashlib.blake2b(f"{size}:{mtime_ns}".encode(), digest_size=8).hexdigest()
    return f'"{digest}"'


def http_date(timestamp: float) -> str:
    """Format a Unix time as an IMF-fixdate (``Last-Modified``)."""
    return formatdate(timestamp, usegmt=True)


def if_none_match_hits(header: bytes | str, etag: str) -> bool:
    """Whether ``If-None-Match`` matches ``etag`` (weak comparison, ``*`` matches)."""
    text = _text(header)
    if len(text) > MAX_HEADER_VALUE:
        return False
    bare = etag.removeprefix("W/")
    for item in text.split(","):
        candidate = item.strip()
        if candidate == "*" or candidate.removeprefix("W/") == bare:
            return True
    return False


def not_modified_since(header: bytes | str, mtime: float) -> bool:
    """Whether ``If-Modified-Since`` is at or after ``mtime`` (invalid dates: ``False``)."""
    text = _text(header)
    if len(text) > 64:
        return False
    try:
        since = parsedate_to_datetime(text).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return False
    return int(mtime) <= since


def parse_range(header: bytes | str, size: int) -> tuple[int, int] | None:
    """Parse a ``Range: bytes=...`` header against a representation of ``size`` bytes.

    Only single ranges are served as 206; anything else that is not an error is
    ignored (the full representation is sent), which RFC 9110 allows.

    Returns:
        ``(start, end)`` inclusive, or ``None`` to ignore the header (malformed,
        other unit, several ranges).

    Raises:
        RangeNotSatisfiable: A valid single range that starts beyond the end (416).
    """
    text = _text(header).strip()
    if len(text) > 200 or not text.lower().startswith("bytes="):
        return None
    spec = text[6:].strip()
    if "," in spec:
        return None
    first, dash, last = spec.partition("-")
    first, last = first.strip(), last.strip()
    if not dash or not (first.isdigit() or first == "") or not (last.isdigit() or last == ""):
        return None
    if first == "":
        if last == "":
            return None
        suffix = int(last)
        if suffix == 0 or size == 0:
            raise RangeNotSatisfiable(f"bytes */{size}")
        return max(size - suffix, 0), size - 1
    start = int(first)
    end = size - 1 if last == "" else int(last)
    if last != "" and end < start:
        return None
    if start >= size:
        raise RangeNotSatisfiable(f"bytes */{size}")
    return start, min(end, size - 1)
