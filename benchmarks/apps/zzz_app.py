"""The same two endpoints as ``raw_asgi`` written as a Zzz app (router + Conn)."""

from __future__ import annotations

from zzz.app import App
from zzz.conn import Conn
from zzz.router import Router, get


async def plaintext(conn: Conn) -> None:
    """``Hello, World!`` as text/plain."""
    conn.text("Hello, World!")


async def json_hello(conn: Conn) -> None:
    """``{"message":"Hello, World!"}``."""
    conn.json({"message": "Hello, World!"})


app = App(Router(get("/", plaintext), get("/json", json_hello)))
