"""Zzz: a Phoenix-inspired, batteries-included web framework on anyio.

The names most apps need are importable from here::

    from zzz import App, Conn, Router, get, post, scope, resources, pipeline

    async def hello(conn: Conn) -> None:
        conn.html("<h1>Hello</h1>")

    app = App(Router(scope("/", routes=[get("/", hello)])))

Everything else lives in its module: ``zzz.server`` (the HTTP server), ``zzz.plugs`` (built-in
plugs), ``zzz.templates``, ``zzz.htmx``, ``zzz.testing`` and ``zzz.http``.
"""

from __future__ import annotations

from zzz.app import App
from zzz.conn import Conn
from zzz.exceptions import (
    HTTPError,
    ImproperlyConfigured,
    MissingDependency,
    ProtocolError,
    ZzzError,
)
from zzz.router import (
    Router,
    delete,
    forward,
    get,
    head,
    options,
    patch,
    pipeline,
    post,
    put,
    resources,
    routes,
    scope,
)
from zzz.settings import Settings

__version__ = "0.1.0"

__all__ = [
    "App",
    "Conn",
    "HTTPError",
    "ImproperlyConfigured",
    "MissingDependency",
    "ProtocolError",
    "Router",
    "Settings",
    "ZzzError",
    "delete",
    "forward",
    "get",
    "head",
    "options",
    "patch",
    "pipeline",
    "post",
    "put",
    "resources",
    "routes",
    "scope",
]
