"""The routing DSL: ``Router``, ``scope``, verbs, ``resources``, ``forward``, ``pipeline``.

Every function here only *records* what was declared (and where: file and line);
``Router(...)`` compiles and validates everything at once.

Example:
    >>> from zzz.router import Router, get, scope
    >>> async def index(conn) -> None: ...
    >>> async def show(conn, id: int) -> None: ...
    >>> router = Router(scope("/users", routes=[get("/", index), get("/:id", show, name="user")]))
    >>> router.path("user", id=3)
    '/users/3'
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final
from urllib.parse import urlencode

from zzz.exceptions import ImproperlyConfigured
from zzz.router.paths import InvalidRouteParams, UnknownRoute, build_path
from zzz.router.specs import Pipeline, ResourcesSpec, RouteSpec, ScopeSpec
from zzz.router.table import RouteInfo, routes
from zzz.router.tree import WEBSOCKET, Plug, Route, RouteKind, RouteMatcher, TrailingSlash

__all__ = [
    "HTTP_METHODS",
    "Router",
    "delete",
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
    "scope",
    "websocket",
]

#: The methods ``match("*", ...)`` answers.
HTTP_METHODS: Final = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def _caller(depth: int = 2) -> str:
    frame = sys._getframe(depth)
    return f"{frame.f_code.co_filename}:{frame.f_lineno}"


def pipeline(*plugs: Plug | Pipeline, name: str | None = None) -> Pipeline:
    """Compose plugs into a pipeline (nested pipelines are flattened).

    Args:
        *plugs: Plugs (async callables taking the conn) or other pipelines.
        name: A label for ``zzz routes`` (e.g. ``"browser"``).

    Returns:
        The pipeline; it is validated when a ``Router`` using it is built.

    Example:
        >>> async def auth(conn) -> None: ...
        >>> pipeline(auth, name="api").plugs == (auth,)
        True
    """
    flat: list[Any] = []
    for plug in plugs:
        flat.extend(plug.plugs if isinstance(plug, Pipeline) else (plug,))
    return Pipeline(tuple(flat), _caller(), name)


def _route(  # noqa: PLR0917 - private helper mirroring RouteSpec's fields
    kind: RouteKind,
    methods: tuple[str, ...],
    path: str,
    target: Any,
    name: str | None,
    pipe_through: Iterable[Any],
) -> RouteSpec:
    return RouteSpec(kind, methods, path, target, name, tuple(pipe_through), _caller(3))


def get(
    path: str, handler: Any, *, name: str | None = None, pipe_through: Iterable[Any] = ()
) -> RouteSpec:
    """Route ``GET`` (and automatically ``HEAD``) requests for ``path`` to ``handler``.

    Args:
        path: The route path, e.g. ``"/users/:id"``.
        handler: ``async def handler(conn, ...)``; other parameters are path params,
            pydantic models, or have defaults.
        name: The route name for ``router.path(name, ...)``.
        pipe_through: Pipelines or plugs for this route only (after the scope's).

    Returns:
        The route declaration.
    """
    return _route("http", ("GET",), path, handler, name, pipe_through)


def post(
    path: str, handler: Any, *, name: str | None = None, pipe_through: Iterable[Any] = ()
) -> RouteSpec:
    """Route ``POST`` requests (see :func:`get` for the arguments)."""
    return _route("http", ("POST",), path, handler, name, pipe_through)


def put(
    path: str, handler: Any, *, name: str | None = None, pipe_through: Iterable[Any] = ()
) -> RouteSpec:
    """Route ``PUT`` requests (see :func:`get` for the arguments)."""
    return _route("http", ("PUT",), path, handler, name, pipe_through)


def patch(
    path: str, handler: Any, *, name: str | None = None, pipe_through: Iterable[Any] = ()
) -> RouteSpec:
    """Route ``PATCH`` requests (see :func:`get` for the arguments)."""
    return _route("http", ("PATCH",), path, handler, name, pipe_through)


def delete(
    path: str, handler: Any, *, name: str | None = None, pipe_through: Iterable[Any] = ()
) -> RouteSpec:
    """Route ``DELETE`` requests (see :func:`get` for the arguments)."""
    return _route("http", ("DELETE",), path, handler, name, pipe_through)


def head(
    path: str, handler: Any, *, name: str | None = None, pipe_through: Iterable[Any] = ()
) -> RouteSpec:
    """Route ``HEAD`` explicitly (overrides the automatic HEAD of a GET route)."""
    return _route("http", ("HEAD",), path, handler, name, pipe_through)


def options(
    path: str, handler: Any, *, name: str | None = None, pipe_through: Iterable[Any] = ()
) -> RouteSpec:
    """Route ``OPTIONS`` explicitly (overrides the automatic OPTIONS answer)."""
    return _route("http", ("OPTIONS",), path, handler, name, pipe_through)


def match(
    methods: str | Sequence[str],
    path: str,
    handler: Any,
    *,
    name: str | None = None,
    pipe_through: Iterable[Any] = (),
) -> RouteSpec:
    """Route several methods (or ``"*"``: every method in ``HTTP_METHODS``) to a handler.

    Args:
        methods: A method, a list of methods, or ``"*"``.
        path: The route path.
        handler: The handler.
        name: The route name.
        pipe_through: Pipelines or plugs for this route only.

    Returns:
        The route declaration.
    """
    if isinstance(methods, str):
        methods = HTTP_METHODS if methods == "*" else (methods,)
    return _route("http", tuple(m.upper() for m in methods), path, handler, name, pipe_through)


def forward(
    path: str, app: Any, *, name: str | None = None, pipe_through: Iterable[Any] = ()
) -> RouteSpec:
    """Mount an app (a Zzz ``App`` or any ASGI 3 app) at a static path prefix.

    Every method and every path at or below ``path`` goes to ``app``; the scope's
    pipelines run first. No other route may live below a forward.

    Args:
        path: A static prefix such as ``"/admin"``.
        app: The app to call with the rest of the path.
        name: A route name (``router.path(name)`` gives the prefix).
        pipe_through: Pipelines or plugs to run before forwarding.

    Returns:
        The route declaration.
    """
    return _route("forward", ("*",), path, app, name, pipe_through)


def websocket(
    path: str, handler: Any, *, name: str | None = None, pipe_through: Iterable[Any] = ()
) -> RouteSpec:
    """Route WebSocket handshakes for ``path`` (matched with method ``"WEBSOCKET"``).

    Args:
        path: The route path (parameters allowed, as for HTTP routes).
        handler: ``async def handler(socket, ...)`` analysed like an HTTP handler.
        name: The route name.
        pipe_through: Pipelines or plugs to run before the handler.

    Returns:
        The route declaration.
    """
    return _route("websocket", (WEBSOCKET,), path, handler, name, pipe_through)


def scope(
    path: str,
    *entries: Any,
    routes: Iterable[Any] = (),
    pipe_through: Iterable[Any] = (),
    name: str | None = None,
) -> ScopeSpec:
    """Group routes under a path prefix, pipelines and a name prefix (nests freely).

    Args:
        path: The prefix, e.g. ``"/api/v1"`` (may contain ``:params``).
        *entries: Routes, scopes and resources (or pass them as ``routes=``).
        routes: Routes, scopes and resources.
        pipe_through: Pipelines or plugs run, in order, before every route inside.
        name: Prefix for the names of routes inside (``"admin"`` gives ``"admin.x"``).

    Returns:
        The scope declaration.
    """
    return ScopeSpec(path, (*entries, *routes), tuple(pipe_through), name, _caller())


def resources(
    path: str,
    controller: Any,
    *,
    only: Iterable[str] | None = None,
    except_: Iterable[str] = (),
    singular: bool = False,
    name: str | None = None,
    param: str = "id",
    nested_param: str | None = None,
    routes: Iterable[Any] = (),
    pipe_through: Iterable[Any] = (),
) -> ResourcesSpec:
    """Generate the REST routes of a controller.

    Plural resources (``/posts``): ``index`` GET /posts, ``new`` GET /posts/new,
    ``create`` POST /posts, ``show`` GET /posts/:id, ``edit`` GET /posts/:id/edit,
    ``update`` PATCH+PUT /posts/:id, ``delete`` DELETE /posts/:id. Singular resources
    (``singular=True``, e.g. ``/profile``) have no index and no ``:id``.

    Args:
        path: The collection path.
        controller: A class (instantiated once, with no arguments) or an object
            whose methods are the actions; only the actions it defines are routed.
        only: Route exactly these actions (each must exist on the controller).
        except_: Route every defined action but these.
        singular: A singular resource (no index, no id).
        name: The name prefix (default: the last static segment, ``"posts"``);
            routes are named ``"posts.index"``, ``"posts.show"``...
        param: The member parameter name (``:id``).
        nested_param: The parameter nested routes see (default ``"post_id"``).
        routes: Nested routes, scopes and resources below ``/posts/:post_id``.
        pipe_through: Pipelines or plugs for all these routes.

    Returns:
        The resources declaration.
    """
    return ResourcesSpec(
        path,
        controller,
        tuple(only) if only is not None else None,
        tuple(except_),
        singular,
        name,
        param,
        nested_param,
        tuple(routes),
        tuple(pipe_through),
        _caller(),
    )


class Router(RouteMatcher):
    """A compiled, validated route table.

    Args:
        *entries: Routes, scopes and resources.
        trailing_slash: ``"redirect"`` (default: ``/users/`` redirects to ``/users``)
            or ``"strict"`` (``/users/`` is 404).
        pipe_through: Pipelines or plugs for every route.

    Raises:
        ImproperlyConfigured: Every problem found, each naming the file and line.
    """

    __slots__ = ("_names", "_routes")

    def __init__(
        self,
        *entries: Any,
        trailing_slash: TrailingSlash = "redirect",
        pipe_through: Iterable[Any] = (),
    ) -> None:
        from zzz.router.compile import compile_routes

        if trailing_slash not in ("redirect", "strict"):
            raise ImproperlyConfigured(
                f"Router(trailing_slash={trailing_slash!r}) at {_caller()}: "
                "use 'redirect' or 'strict'"
            )
        routes = compile_routes(entries, tuple(pipe_through), _caller())
        super().__init__(routes, trailing_slash)
        self._routes = tuple(routes)
        self._names: dict[str, Route] = {r.name: r for r in routes if r.name is not None}

    def __repr__(self) -> str:
        """Summarise the table: ``<Router 12 routes, 5 named>``."""
        return f"<Router {len(self._routes)} routes, {len(self._names)} named>"

    @property
    def compiled_routes(self) -> tuple[Route, ...]:
        """Every compiled route, in declaration order."""
        return self._routes

    @property
    def routes(self) -> list[RouteInfo]:
        """The route table as ``RouteInfo`` rows (what ``zzz routes`` prints)."""
        return routes(self)

    @property
    def names(self) -> tuple[str, ...]:
        """Every route name, sorted."""
        return tuple(sorted(self._names))

    def _named(self, name: str) -> Route:
        route = self._names.get(name)
        if route is None:
            import difflib  # only on this error path

            close = difflib.get_close_matches(name, self._names, n=3)
            hint = f" Did you mean: {', '.join(close)}?" if close else ""
            shown = ", ".join(sorted(self._names)[:60]) or "(no named routes)"
            raise UnknownRoute(f"no route named {name!r}.{hint} Valid names: {shown}")
        return route

    def check_path(self, name: str, params: Iterable[str]) -> None:
        """Check that ``path(name, **params)`` would work (for template compilers).

        Args:
            name: The route name.
            params: The parameter names a template passes.

        Raises:
            UnknownRoute: No route has that name.
            InvalidRouteParams: The parameter names do not fit the route.
        """
        route = self._named(name)
        given, wanted = set(params), set(route.parsed.param_names)
        if given != wanted:
            raise InvalidRouteParams(
                f"route {name!r} ({route.path}) takes parameters: "
                f"{', '.join(route.parsed.param_names) or 'none'}; got: "
                f"{', '.join(sorted(given)) or 'none'}"
            )

    def path(self, name: str, /, _query: Mapping[str, Any] | None = None, **params: Any) -> str:
        """Build the path of a named route.

        Args:
            name: The route name, e.g. ``"posts.show"``.
            _query: Optional query parameters (lists repeat the key).
            **params: One value per path parameter.

        Returns:
            The percent-encoded path (with ``?query`` when given).

        Raises:
            UnknownRoute: No route has that name (the message lists valid names).
            InvalidRouteParams: Missing or unexpected parameters (lists valid ones).

        Example:
            >>> async def show(conn, id: int) -> None: ...
            >>> Router(get("/posts/:id", show, name="post")).path("post", id=5, _query={"a": 1})
            '/posts/5?a=1'
        """
        route = self._named(name)
        built = build_path(route.parsed, params, name)
        return f"{built}?{urlencode(_query, doseq=True)}" if _query else built

    def url_for(
        self,
        name: str,
        /,
        _base: str = "",
        _query: Mapping[str, Any] | None = None,
        **params: Any,
    ) -> str:
        """Like :meth:`path`, prefixed with a base URL (``"https://example.com"``).

        Args:
            name: The route name.
            _base: Scheme, host and mount prefix to put in front of the path.
            _query: Optional query parameters.
            **params: One value per path parameter.

        Returns:
            The URL.

        Raises:
            UnknownRoute: No route has that name.
            InvalidRouteParams: Missing or unexpected parameters.
        """
        return _base.rstrip("/") + self.path(name, _query, **params)
