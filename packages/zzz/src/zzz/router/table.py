"""The route table as rows, for ``zzz routes`` and for tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from zzz.router.signature import describe_callable
from zzz.router.tree import RouteKind

__all__ = ["RouteInfo", "format_table", "routes"]


@dataclass(frozen=True, slots=True)
class RouteInfo:
    """One row of the route table (one per method).

    Attributes:
        method: ``"GET"``..., ``"*"`` for a forward, ``"WEBSOCKET"`` for a WebSocket.
        path: The full route path.
        handler: The handler's dotted name (the mounted app's for a forward).
        pipeline: Dotted names of the plugs that run first, in order.
        name: The route name, or ``None``.
        kind: ``"http"``, ``"forward"`` or ``"websocket"``.
        location: ``file:line`` of the declaration.
    """

    method: str
    path: str
    handler: str
    pipeline: tuple[str, ...]
    name: str | None
    kind: RouteKind
    location: str


def _router_of(obj: Any) -> Any:
    if hasattr(obj, "compiled_routes"):
        return obj
    inner = getattr(obj, "router", None)
    if inner is not None and hasattr(inner, "compiled_routes"):
        return inner
    return None


def _rows(router: Any, prefix: str, plugs: tuple[str, ...], seen: set[int]) -> list[RouteInfo]:
    seen = seen | {id(router)}
    rows: list[RouteInfo] = []
    for route in router.compiled_routes:
        path = (
            (prefix.rstrip("/") + route.path)
            if prefix and route.path != "/"
            else (prefix or route.path)
        )
        pipeline = plugs + tuple(describe_callable(p) for p in route.pipeline)
        rows.extend(
            RouteInfo(
                method,
                path,
                describe_callable(route.handler),
                pipeline,
                route.name,
                route.kind,
                route.location,
            )
            for method in route.methods
        )
        sub = _router_of(route.handler) if route.kind == "forward" else None
        if sub is not None and id(sub) not in seen:
            rows.extend(_rows(sub, path, pipeline, seen))
    return rows


def routes(app_or_router: Any) -> list[RouteInfo]:
    """List the route table of a ``Router`` or of an app that has a ``router``.

    Forwarded Zzz apps are listed too, below their prefix.

    Args:
        app_or_router: A ``Router``, or an object with a ``router`` attribute.

    Returns:
        One row per route and method, in declaration order.

    Raises:
        TypeError: The object has no route table.

    Example:
        >>> from zzz.router import Router, get
        >>> async def index(conn) -> None: ...
        >>> [(r.method, r.path) for r in routes(Router(get("/", index)))]
        [('GET', '/')]
    """
    router = _router_of(app_or_router)
    if router is None:
        raise TypeError(f"{app_or_router!r} is not a Router and has no router attribute")
    return _rows(router, "", (), set())


def format_table(rows: list[RouteInfo]) -> str:
    """Render rows as aligned text columns: name, method, path, handler, pipeline.

    Args:
        rows: Rows from :func:`routes`.

    Returns:
        The table, one line per row, without a trailing newline.
    """
    cells = [(r.name or "", r.method, r.path, r.handler, ", ".join(r.pipeline)) for r in rows]
    if not cells:
        return ""
    widths = [max(len(c[i]) for c in cells) for i in range(4)]
    return "\n".join(
        ("  ".join(c[i].ljust(widths[i]) for i in range(4)) + "  " + c[4]).rstrip() for c in cells
    )
