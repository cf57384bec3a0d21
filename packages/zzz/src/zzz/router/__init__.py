"""The router: a compiled radix tree with scopes, pipelines, resources and verified paths.

Pure and usable on its own (no server, no I/O)::

    from zzz.router import Router, get, scope

    router = Router(scope("/api", routes=[get("/users/:id", show, name="user")]))
    router.match("GET", "/api/users/3")      # Found(route, {"id": "3"})
    router.path("user", id=3)                # "/api/users/3"
"""

from __future__ import annotations

from zzz.router.dsl import (
    HTTP_METHODS,
    Router,
    delete,
    forward,
    get,
    head,
    match,
    options,
    patch,
    pipeline,
    post,
    put,
    resources,
    scope,
    websocket,
)
from zzz.router.paths import InvalidRouteParams, PathSyntaxError, UnknownRoute
from zzz.router.signature import HandlerSignature, ParamSpec, PathParamError
from zzz.router.specs import Pipeline, ResourcesSpec, RouteSpec, ScopeSpec
from zzz.router.table import RouteInfo, format_table, routes
from zzz.router.tree import (
    WEBSOCKET,
    AutomaticOptions,
    Found,
    MatchResult,
    MethodNotAllowed,
    NotFound,
    Plug,
    Redirect,
    Route,
)

__all__ = [
    "AutomaticOptions",
    "Found",
    "HTTP_METHODS",
    "HandlerSignature",
    "InvalidRouteParams",
    "MatchResult",
    "MethodNotAllowed",
    "NotFound",
    "ParamSpec",
    "PathParamError",
    "PathSyntaxError",
    "Pipeline",
    "Plug",
    "Redirect",
    "ResourcesSpec",
    "Route",
    "RouteInfo",
    "RouteSpec",
    "Router",
    "ScopeSpec",
    "UnknownRoute",
    "WEBSOCKET",
    "delete",
    "format_table",
    "forward",
    "get",
    "head",
    "match",
    "options",
    "patch",
    "pipeline",
    "post",
    "put",
    "resources",
    "routes",
    "scope",
    "websocket",
]
