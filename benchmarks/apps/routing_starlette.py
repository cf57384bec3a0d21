"""The routing table in Starlette with pure ASGI middleware."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import BaseRoute, Mount, Route

from benchmarks.apps.routing_asgi_middleware import RequestId, RequireAgent, Stamp
from benchmarks.apps.routing_table import NESTED, PARAM, STATIC, WILDCARD


async def static_page(request: Request) -> PlainTextResponse:
    return PlainTextResponse("static")


async def item(request: Request) -> PlainTextResponse:
    return PlainTextResponse(f"item {request.path_params['id']}")


async def file(request: Request) -> PlainTextResponse:
    return PlainTextResponse(f"file {request.path_params['path']}")


async def nested(request: Request) -> PlainTextResponse:
    p = request.path_params
    return PlainTextResponse(f"nested {p['rid']} {p['sid']}")


routes: list[BaseRoute] = [Route(p, static_page) for p in STATIC]
routes += [Route(p + "/{id:int}", item) for p in PARAM]
routes += [Route(p + "/{path:path}", file) for p in WILDCARD]
mounts: dict[str, list[BaseRoute]] = {}
for prefix, res in NESTED:
    mounts.setdefault(prefix, []).append(Route(res + "/{rid:int}/sub/{sid:int}", nested))
routes += [Mount(prefix, routes=r) for prefix, r in mounts.items()]

app = Starlette(
    routes=routes,
    middleware=[Middleware(RequestId), Middleware(RequireAgent), Middleware(Stamp)],
)
