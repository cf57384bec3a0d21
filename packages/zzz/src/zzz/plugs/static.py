"""The Static plug: serve files from a directory under a URL prefix.

GET/HEAD requests below ``at`` are answered from ``directory``; anything else
passes through (a missing file falls through to the router, as in Phoenix's
``Plug.Static``). Features: MIME types, ``ETag`` + ``Last-Modified`` with 304,
``Cache-Control`` (``immutable`` for fingerprinted names such as
``app-3f2a9c1d.js``), single ``Range`` requests (206/416), precompressed ``.br`` /
``.gz`` siblings chosen by ``Accept-Encoding``, and zero-copy sending through
``conn.send_file``.

Hostile paths are answered with 400 (NUL bytes, backslashes, ``..`` or ``.``
segments, drive letters) or 404 (hidden files, symlinks leading outside the
directory, anything that is not a regular file).
"""

from __future__ import annotations

import os
import re
import stat
from typing import ClassVar, Final

from zzz.conn import Conn
from zzz.exceptions import HTTPError, ImproperlyConfigured
from zzz.http.mime import guess_type
from zzz.plugs._negotiate import (
    RangeNotSatisfiable,
    choose_encoding,
    etag_for,
    http_date,
    if_none_match_hits,
    not_modified_since,
    parse_range,
)

__all__ = ["Static"]

#: A name containing a hex/base32 hash of 8+ characters between dots or a dash.
FINGERPRINT: Final = re.compile(r"[.-][0-9a-fA-F]{8,}\.[A-Za-z0-9]+$")
_SUFFIX: Final = {"br": ".br", "gzip": ".gz"}


class Static:
    """Serve static files.

    Args:
        directory: The directory to serve (must exist).
        at: The URL prefix (``"/static"``; ``"/"`` for the root).
        cache_control: ``Cache-Control`` for ordinary files.
        immutable_cache_control: ``Cache-Control`` for fingerprinted names.
        precompressed: Encodings whose siblings (``file.br``, ``file.gz``) are served.
        allow_hidden: Serve dot-files (off: ``.env`` and friends stay private).
        follow_symlinks: Serve symlinks pointing **outside** ``directory`` (off by
            default; links inside the directory always work).

    Raises:
        ImproperlyConfigured: The directory does not exist, or a bad prefix/encoding.

    Example:
        >>> Static("priv/static", at="/static")  # doctest: +SKIP
    """

    provides: ClassVar[frozenset[str]] = frozenset()
    requires: ClassVar[frozenset[str]] = frozenset()

    __slots__ = (
        "_prefix",
        "_root",
        "allow_hidden",
        "cache_control",
        "follow_symlinks",
        "immutable_cache_control",
        "precompressed",
    )

    def __init__(
        self,
        directory: str | os.PathLike[str],
        *,
        at: str = "/static",
        cache_control: str = "public, max-age=3600",
        immutable_cache_control: str = "public, max-age=31536000, immutable",
        precompressed: tuple[str, ...] = ("br", "gzip"),
        allow_hidden: bool = False,
        follow_symlinks: bool = False,
    ) -> None:
        root = os.path.realpath(os.fspath(directory))
        if not os.path.isdir(root):
            raise ImproperlyConfigured(
                f"Static: directory {os.fspath(directory)!r} does not exist or is not a "
                "directory (paths are relative to the working directory)"
            )
        if not at.startswith("/"):
            raise ImproperlyConfigured(f"Static: at={at!r} must start with '/'")
        unknown = set(precompressed) - set(_SUFFIX)
        if unknown:
            raise ImproperlyConfigured(f"Static: unknown precompressed encodings {sorted(unknown)}")
        self._root = root if root.endswith(os.sep) else root + os.sep
        self._prefix = at.rstrip("/") + "/"
        self.cache_control = cache_control
        self.immutable_cache_control = immutable_cache_control
        self.precompressed = precompressed
        self.allow_hidden = allow_hidden
        self.follow_symlinks = follow_symlinks

    def _resolve(self, rel: str) -> str | None:
        """Map a URL path below the prefix to a file path, or ``None`` (404)."""
        if "\x00" in rel or "\\" in rel:
            raise HTTPError(400, "invalid static file path")
        segments = rel.split("/")
        for seg in segments:
            if seg in ("", ".", "..") or (len(seg) >= 2 and seg[1] == ":"):
                raise HTTPError(400, "invalid static file path")
            if seg.startswith(".") and not self.allow_hidden:
                return None
        full = os.path.join(self._root, *segments)
        if not self.follow_symlinks and not os.path.realpath(full).startswith(self._root):
            return None
        return full

    async def __call__(self, conn: Conn) -> None:
        """Serve the file for ``conn.path`` when it is below the prefix and exists."""
        path = conn.path
        prefix = self._prefix
        if not path.startswith(prefix) or conn.method not in ("GET", "HEAD"):
            return
        full = self._resolve(path[len(prefix) :])
        if full is None:
            raise HTTPError(404, "not found")
        try:
            st = os.stat(full)
        except (OSError, ValueError):
            return
        if not stat.S_ISREG(st.st_mode):
            return
        self._serve(conn, full, st)
        conn.halt()

    def _sibling(self, conn: Conn, full: str) -> tuple[str, str] | None:
        coding = choose_encoding(conn.headers.get("accept-encoding"), self.precompressed)
        if coding is None:
            return None
        sibling = full + _SUFFIX[coding]
        try:
            sibling_st = os.stat(sibling)
        except (OSError, ValueError):
            return None
        if not stat.S_ISREG(sibling_st.st_mode):
            return None
        if not self.follow_symlinks and not os.path.realpath(sibling).startswith(self._root):
            return None
        return sibling, coding

    def _serve(self, conn: Conn, full: str, st: os.stat_result) -> None:
        headers = conn.headers
        range_header = headers.get("range")
        sibling = self._sibling(conn, full) if self.precompressed and range_header is None else None
        etag = etag_for(st.st_size, st.st_mtime_ns)
        if sibling is not None:
            etag = f'{etag[:-1]}-{sibling[1]}"'
        name = os.path.basename(full)
        cache = self.immutable_cache_control if FINGERPRINT.search(name) else self.cache_control
        resp = conn.resp_headers
        resp["etag"] = etag
        resp["last-modified"] = http_date(st.st_mtime)
        resp["cache-control"] = cache
        resp["accept-ranges"] = "bytes"
        if self.precompressed:
            conn.add_resp_header("vary", "Accept-Encoding")
        inm = headers.get("if-none-match")
        ims = headers.get("if-modified-since")
        if (inm is not None and if_none_match_hits(inm, etag)) or (
            inm is None and ims is not None and not_modified_since(ims, st.st_mtime)
        ):
            conn.resp(304, b"")
            return
        content_type = guess_type(full)
        if range_header is not None:
            if_range = headers.get("if-range")
            if if_range is None or if_range.strip() == etag:
                try:
                    selected = parse_range(range_header, st.st_size)
                except RangeNotSatisfiable:
                    resp["content-range"] = f"bytes */{st.st_size}"
                    conn.text("range not satisfiable", 416)
                    return
                if selected is not None:
                    start, end = selected
                    resp["content-range"] = f"bytes {start}-{end}/{st.st_size}"
                    conn.send_file(
                        full,
                        status=206,
                        content_type=content_type,
                        offset=start,
                        count=end - start + 1,
                    )
                    return
        if sibling is not None:
            resp["content-encoding"] = sibling[1]
            conn.send_file(sibling[0], content_type=content_type)
            return
        conn.send_file(full, content_type=content_type)
