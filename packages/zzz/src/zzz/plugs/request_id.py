"""The RequestId plug: give every request an id, echo it in the response.

An incoming ``X-Request-ID`` (from a load balancer) is reused when it is a short
token of safe characters; otherwise a fresh random id is generated. The id lands in
``conn.assigns["request_id"]`` (the Logger includes it) and in the response header.
"""

from __future__ import annotations

import re
import secrets
from typing import ClassVar, Final

from zzz.conn import Conn
from zzz.exceptions import ImproperlyConfigured
from zzz.http.headers import check_header_name

__all__ = ["RequestId", "new_request_id"]

_SAFE: Final = re.compile(r"[A-Za-z0-9._:@+=/-]{1,200}")


def new_request_id() -> str:
    """Return a fresh random request id (22 URL-safe characters, 128 bits)."""
    return secrets.token_urlsafe(16)


class RequestId:
    """Assign a request id and echo it back.

    Args:
        header: The request/response header carrying the id.
        trust_incoming: Reuse a well-formed incoming id (set ``False`` when the app
            is exposed directly to clients and ids must be server-generated).
        max_length: Longest incoming id accepted (1-200).
        assign_key: Where the id is put in ``conn.assigns``.

    Raises:
        ImproperlyConfigured: An invalid header name or length.
    """

    provides: ClassVar[frozenset[str]] = frozenset({"request_id"})
    requires: ClassVar[frozenset[str]] = frozenset()

    __slots__ = ("assign_key", "header", "max_length", "trust_incoming")

    def __init__(
        self,
        *,
        header: str = "x-request-id",
        trust_incoming: bool = True,
        max_length: int = 200,
        assign_key: str = "request_id",
    ) -> None:
        try:
            self.header = check_header_name(header)
        except ValueError as exc:
            raise ImproperlyConfigured(f"RequestId: {exc}") from None
        if not 1 <= max_length <= 200:
            raise ImproperlyConfigured("RequestId: max_length must be between 1 and 200")
        self.trust_incoming = trust_incoming
        self.max_length = max_length
        self.assign_key = assign_key

    def request_id(self, conn: Conn) -> str:
        """Return the id for ``conn``: a valid incoming one, or a new one."""
        if self.trust_incoming:
            incoming = conn.headers.get(self.header)
            if incoming and len(incoming) <= self.max_length and _SAFE.fullmatch(incoming):
                return incoming
        return new_request_id()

    async def __call__(self, conn: Conn) -> None:
        """Set ``conn.assigns[assign_key]`` and the response header."""
        rid = conn.assigns.get(self.assign_key)
        if not isinstance(rid, str):
            rid = self.request_id(conn)
            conn.assigns[self.assign_key] = rid
        header = self.header

        # Set just before sending (error pages reset headers). The id is header-safe:
        # generated URL-safe base64, or an incoming value that matched _SAFE.
        def echo(c: Conn) -> None:
            c.resp_headers.setdefault(header, rid)

        conn.register_before_send(echo)
