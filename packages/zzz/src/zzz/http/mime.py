"""MIME types: guessing from file names, parsing ``Content-Type`` and ``Accept``.

The extension table is built in (the system ``mimetypes`` database differs between
machines), with the standard library as a fallback for rarer extensions.
"""

from __future__ import annotations

import mimetypes
from pathlib import PurePath

__all__ = ["accepts", "guess_type", "parse_content_type", "preferred"]

_TYPES: dict[str, str] = {
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
    ".webmanifest": "application/manifest+json",
    ".txt": "text/plain; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
    ".csv": "text/csv; charset=utf-8",
    ".xml": "application/xml",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".ico": "image/vnd.microsoft.icon",
    ".bmp": "image/bmp",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".eot": "application/vnd.ms-fontobject",
    ".pdf": "application/pdf",
    ".zip": "application/zip",
    ".gz": "application/gzip",
    ".tar": "application/x-tar",
    ".wasm": "application/wasm",
    ".mp3": "audio/mpeg",
    ".ogg": "audio/ogg",
    ".wav": "audio/wav",
    ".mp4": "video/mp4",
    ".webm": "video/webm",
    ".yaml": "application/yaml",
    ".yml": "application/yaml",
}

_DEFAULT = "application/octet-stream"


def guess_type(path: str | PurePath, default: str = _DEFAULT) -> str:
    """Guess the ``Content-Type`` of a file from its extension.

    Text types carry ``charset=utf-8``.

    Args:
        path: A file name or path.
        default: What to return for an unknown extension.

    Returns:
        The content type.

    Example:
        >>> guess_type("static/app.css")
        'text/css; charset=utf-8'
    """
    suffix = PurePath(path).suffix.lower()
    found = _TYPES.get(suffix)
    if found is not None:
        return found
    guessed, _ = mimetypes.guess_type(f"x{suffix}") if suffix else (None, None)
    if guessed is None:
        return default
    if guessed.startswith("text/"):
        return f"{guessed}; charset=utf-8"
    return guessed


def parse_content_type(value: str) -> tuple[str, dict[str, str]]:
    """Split a ``Content-Type`` value into the lower-cased media type and parameters.

    Args:
        value: E.g. ``'multipart/form-data; boundary="xyz"'``.

    Returns:
        ``("multipart/form-data", {"boundary": "xyz"})``; parameter names are
        lower-cased, quoted values unquoted.
    """
    media, _, rest = value.partition(";")
    params: dict[str, str] = {}
    for item in rest.split(";"):
        key, sep, val = item.partition("=")
        key = key.strip().lower()
        if not sep or not key:
            continue
        val = val.strip()
        if len(val) >= 2 and val[0] == '"' and val[-1] == '"':
            val = val[1:-1].replace('\\"', '"')
        params[key] = val
    return media.strip().lower(), params


def _parse_accept(header: str) -> list[tuple[str, float, int]]:
    entries: list[tuple[str, float, int]] = []
    for position, item in enumerate(header.split(",")):
        media, params = parse_content_type(item)
        if not media:
            continue
        try:
            q = float(params.get("q", "1"))
        except ValueError:
            q = 0.0
        entries.append((media, max(0.0, min(q, 1.0)), position))
    return entries


def _quality(entries: list[tuple[str, float, int]], offer: str) -> tuple[float, int, int]:
    """(q, specificity, -position) of the best Accept entry matching ``offer``."""
    main = offer.partition("/")[0]
    best = (-1.0, -1, 0)
    for media, q, position in entries:
        m_main, _, m_sub = media.partition("/")
        if media == offer:
            spec = 2
        elif m_sub == "*" and m_main == main:
            spec = 1
        elif media in ("*/*", "*"):
            spec = 0
        else:
            continue
        if (spec, q) > (best[1], best[0]):
            best = (q, spec, -position)
    return best


def preferred(header: str | None, offers: list[str]) -> str | None:
    """Pick the offer the client prefers according to an ``Accept`` header.

    Ties go to the earlier offer; a missing or empty header accepts the first.

    Args:
        header: The ``Accept`` header value, or ``None``.
        offers: Media types the server can produce, in server preference order.

    Returns:
        The chosen media type, or ``None`` when none is acceptable.

    Example:
        >>> preferred("text/html,application/json;q=0.9", ["application/json", "text/html"])
        'text/html'
    """
    if not offers:
        return None
    if not header or not header.strip():
        return offers[0]
    entries = _parse_accept(header)
    best: str | None = None
    best_q = 0.0
    for offer in offers:
        q = _quality(entries, offer)[0]
        if q > best_q:
            best, best_q = offer, q
    return best


def accepts(header: str | None, media_type: str) -> bool:
    """Tell whether an ``Accept`` header accepts ``media_type`` (q > 0).

    Args:
        header: The ``Accept`` header value, or ``None`` (accepts everything).
        media_type: E.g. ``"application/json"``.

    Returns:
        Whether the type is acceptable.
    """
    return preferred(header, [media_type]) is not None
