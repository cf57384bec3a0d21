"""HTTP building blocks: headers, cookies, query strings, status codes and MIME types.

Pure functions and small value types with no I/O, used by :class:`zzz.conn.Conn`,
the plugs and the test client.
"""

from __future__ import annotations

from zzz.http.cookies import build_set_cookie, parse_cookie_header
from zzz.http.headers import Headers, parse_host
from zzz.http.mime import guess_type, parse_content_type, preferred
from zzz.http.query import QueryError, QueryParams, parse_nested, parse_pairs
from zzz.http.status import reason_phrase

__all__ = [
    "Headers",
    "QueryError",
    "QueryParams",
    "build_set_cookie",
    "guess_type",
    "parse_content_type",
    "parse_cookie_header",
    "parse_host",
    "parse_nested",
    "parse_pairs",
    "preferred",
    "reason_phrase",
]
