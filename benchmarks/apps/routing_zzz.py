"""The routing table as a Zzz app: three app-level plugs and typed handlers."""

from __future__ import annotations

from zzz.app import App
from zzz.conn import Conn
from zzz.router import Router, get, scope

from benchmarks.apps.routing_table import NESTED, PARAM, STATIC, WILDCARD


async def request_id(conn: Conn) -> None:
    """Plug 1: remember a request id."""
    conn.assigns["request_id"] = conn.headers.get("x-request-id", "none")


async def require_agent(conn: Conn) -> None:
    """Plug 2: read a header (never halts in the benchmark)."""
    if conn.headers.get("user-agent") == "blocked":
        conn.text("blocked", status=403).halt()


async def stamp(conn: Conn) -> None:
    """Plug 3: add a response header."""
    conn.put_resp_header("x-plugs", "3")


async def static_page(conn: Conn) -> None:
    """A static route."""
    conn.text("static")


async def item(conn: Conn, id: int) -> None:
    """A one-parameter route."""
    conn.text(f"item {id}")


async def file(conn: Conn, path: str) -> None:
    """A wildcard route."""
    conn.text(f"file {path}")


async def nested(conn: Conn, rid: int, sid: int) -> None:
    """A two-parameter route in a nested scope."""
    conn.text(f"nested {rid} {sid}")


def _routes() -> list[object]:
    entries: list[object] = [get(p, static_page) for p in STATIC]
    entries += [get(p + "/:id", item) for p in PARAM]
    entries += [get(p + "/*path", file) for p in WILDCARD]
    scopes: dict[str, list[object]] = {}
    for prefix, res in NESTED:
        scopes.setdefault(prefix, []).append(get(res + "/:rid/sub/:sid", nested))
    entries += [scope(prefix, routes=routes) for prefix, routes in scopes.items()]
    return entries


router = Router(*_routes())
app = App(router, plugs=[request_id, require_agent, stamp])
