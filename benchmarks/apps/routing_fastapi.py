"""The routing table in FastAPI with pure ASGI middleware."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.responses import PlainTextResponse

from benchmarks.apps.routing_asgi_middleware import RequestId, RequireAgent, Stamp
from benchmarks.apps.routing_table import NESTED, PARAM, STATIC, WILDCARD


async def static_page() -> PlainTextResponse:
    return PlainTextResponse("static")


async def item(id: int) -> PlainTextResponse:
    return PlainTextResponse(f"item {id}")


async def file(path: str) -> PlainTextResponse:
    return PlainTextResponse(f"file {path}")


async def nested(rid: int, sid: int) -> PlainTextResponse:
    return PlainTextResponse(f"nested {rid} {sid}")


app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
for p in STATIC:
    app.add_api_route(p, static_page, methods=["GET"])
for p in PARAM:
    app.add_api_route(p + "/{id}", item, methods=["GET"])
for p in WILDCARD:
    app.add_api_route(p + "/{path:path}", file, methods=["GET"])
routers: dict[str, APIRouter] = {}
for prefix, res in NESTED:
    routers.setdefault(prefix, APIRouter()).add_api_route(
        res + "/{rid}/sub/{sid}", nested, methods=["GET"]
    )
for prefix, r in routers.items():
    app.include_router(r, prefix=prefix)
app.add_middleware(Stamp)
app.add_middleware(RequireAgent)
app.add_middleware(RequestId)
