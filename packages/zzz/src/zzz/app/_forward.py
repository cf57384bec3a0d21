"""Handing a request to an app mounted with ``forward()`` (native or ASGI)."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote

if TYPE_CHECKING:
    from zzz.conn import Conn
    from zzz.types import Body, NativeApp

__all__ = ["ReplayBody", "forward"]


class ReplayBody:
    """A body already read by a plug, replayed to a mounted app."""

    __slots__ = ("_data",)

    def __init__(self, data: bytes) -> None:
        self._data = data

    async def receive(self) -> bytes:
        data, self._data = self._data, b""
        return data


async def forward(conn: Conn, target: NativeApp, found: Any) -> None:
    """Run ``target`` for this request under the mount prefix of ``found``.

    ``root_path`` is extended by the prefix; a body a plug already read is replayed.

    Args:
        conn: The conn (its response is marked sent: the mounted app answers).
        target: The mounted native app.
        found: The router's ``Found`` for the forward route (prefix, remaining path).
    """
    head = conn.head
    root = head.root_path + unquote(found.prefix)
    remaining = found.remaining or "/"
    sub_head = replace(
        head,
        root_path=root,
        path=root + unquote(remaining),
        raw_path=(quote(head.root_path) + found.prefix + remaining).encode("latin-1"),
        extensions=dict(head.extensions),
    )
    body: Body | None = conn._body_source
    if conn._body is not None:
        body = ReplayBody(conn._body)
    elif conn._consumed or body is None:
        body = ReplayBody(b"")  # a plug streamed the body away
    writer = conn._writer
    assert writer is not None
    await target.handle_http(sub_head, body, writer)
    conn._state = "sent"
