"""The routing table in Litestar with pure ASGI middleware."""

from __future__ import annotations

from typing import Any

from litestar import Litestar, Router, get
from litestar.handlers import HTTPRouteHandler

from benchmarks.apps.routing_asgi_middleware import RequestId, RequireAgent, Stamp
from benchmarks.apps.routing_table import NESTED, PARAM, STATIC, WILDCARD


def _handlers() -> tuple[list[HTTPRouteHandler], dict[str, list[HTTPRouteHandler]]]:
    top: list[HTTPRouteHandler] = []
    for p in STATIC:

        async def static_page() -> str:
            return "static"

        top.append(get(p)(static_page))
    for p in PARAM:

        async def item(id: int) -> str:
            return f"item {id}"

        top.append(get(p + "/{id:int}")(item))
    for p in WILDCARD:

        async def file(path: str) -> str:
            return f"file {path}"

        top.append(get(p + "/{path:path}")(file))
    nested_routes: dict[str, list[HTTPRouteHandler]] = {}
    for prefix, res in NESTED:

        async def nested(rid: int, sid: int) -> str:
            return f"nested {rid} {sid}"

        nested_routes.setdefault(prefix, []).append(get(res + "/{rid:int}/sub/{sid:int}")(nested))
    return top, nested_routes


def _middleware(cls: Any) -> Any:
    def factory(app: Any) -> Any:
        return cls(app)

    return factory


_top, _nested = _handlers()
app = Litestar(
    route_handlers=[*_top, *(Router(path=p, route_handlers=h) for p, h in _nested.items())],
    middleware=[_middleware(RequestId), _middleware(RequireAgent), _middleware(Stamp)],
    openapi_config=None,
)
