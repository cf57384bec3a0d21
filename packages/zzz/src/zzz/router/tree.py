"""The compiled route table: a radix tree per path segment and the match results.

Per segment, a static child beats the parameter child, which beats a wildcard, and
the search backtracks when a more specific branch fails further down (``/a/b/d``
against ``/a/:x/c``). Routes are found for the request method during the walk, so a
``POST`` to ``/a/b`` reaches ``POST /a/:x`` even when ``GET /a/b`` exists. Fully
static paths are answered by one dict lookup.

Parameter *names* belong to each route (a route knows which segment positions are
its parameters), so ``/users/:id`` and ``/users/:user_id/posts`` share one tree node.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, Literal, TypeAlias
from urllib.parse import quote

from zzz.router.paths import ParsedPath, SegmentKind, params_extractor, split_request_path

if TYPE_CHECKING:
    from zzz.conn import Conn
    from zzz.router.signature import HandlerSignature

__all__ = [
    "AutomaticOptions",
    "Found",
    "MatchResult",
    "MethodNotAllowed",
    "NotFound",
    "Plug",
    "Redirect",
    "Route",
    "RouteKind",
    "RouteMatcher",
    "TrailingSlash",
]

#: A plug: an async function of the conn, or an object with ``async __call__(conn)``.
Plug: TypeAlias = Callable[["Conn"], Awaitable[None]]
RouteKind: TypeAlias = Literal["http", "forward", "websocket"]
TrailingSlash: TypeAlias = Literal["redirect", "strict"]

#: Pseudo-method under which WebSocket routes are matched: ``match("WEBSOCKET", path)``.
WEBSOCKET: Final = "WEBSOCKET"
#: Left as is in a redirect location: RFC 3986 path characters and existing escapes.
_LOCATION_SAFE: Final = "/%!$&'()*+,;=:@-._~"
_METHOD_ORDER: Final = {
    m: i for i, m in enumerate(("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"))
}


def _sort_methods(methods: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(set(methods), key=lambda m: (_METHOD_ORDER.get(m, 99), m)))


@dataclass(frozen=True, slots=True, eq=False)
class Route:
    """One compiled route.

    Attributes:
        methods: The request methods it answers (``("*",)`` for a forward, and
            ``("WEBSOCKET",)`` for a WebSocket route).
        path: The full canonical route path, e.g. ``"/api/users/:id"``.
        handler: The handler, or the mounted app for a forward route.
        pipeline: Every plug to run before the handler, flattened (outer scopes first).
        name: The route name for ``router.path()``, or ``None``.
        kind: ``"http"``, ``"forward"`` or ``"websocket"``.
        signature: The analysed handler signature (``None`` for forward routes).
        location: ``file:line`` of the DSL call that declared the route.
        handler_location: ``file:line`` where the handler (or app) is defined.
        parsed: The parsed path.
        action: The resource action (``"show"``...) for routes from ``resources()``.
    """

    methods: tuple[str, ...]
    path: str
    handler: Any
    pipeline: tuple[Plug, ...]
    name: str | None
    kind: RouteKind
    signature: HandlerSignature | None
    location: str
    handler_location: str
    parsed: ParsedPath
    action: str | None = None
    #: ``params_from(segments)``: the decoded parameter dict for a matched request.
    params_from: Callable[[list[str]], dict[str, str]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "params_from", params_extractor(self.parsed))

    def __repr__(self) -> str:
        """Show methods, path, name and handler (the full record is long)."""
        name = f" name={self.name!r}" if self.name else ""
        target = getattr(self.handler, "__qualname__", type(self.handler).__qualname__)
        return f"<Route {'|'.join(self.methods)} {self.path}{name} -> {target}>"


@dataclass(slots=True)
class Found:
    """A route matched.

    Attributes:
        route: The route.
        params: Decoded path parameters as text (cast them with
            ``route.signature.cast_path_params``).
        prefix: For a forward route: the raw path prefix owned by the mounted app.
        remaining: For a forward route: the raw rest of the path (``""`` when the
            request is the prefix itself; the mounted app should see ``"/"``).
    """

    route: Route
    params: dict[str, str]
    prefix: str = ""
    remaining: str = ""


@dataclass(frozen=True, slots=True)
class NotFound:
    """No route matches the path (answer 404)."""


@dataclass(frozen=True, slots=True)
class MethodNotAllowed:
    """Routes match the path but not the method (answer 405 with ``Allow``).

    Attributes:
        allow: The methods that would succeed, in conventional order.
    """

    allow: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AutomaticOptions:
    """An ``OPTIONS`` request for a path with no explicit OPTIONS route.

    Answer ``204`` with ``Allow: ", ".join(allow)``.

    Attributes:
        allow: The methods the path answers, ``OPTIONS`` included.
    """

    allow: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Redirect:
    """The path only matches with its trailing slash removed (policy ``"redirect"``).

    Attributes:
        location: The raw path to redirect to (append the query string, if any).
        status: 301 for GET/HEAD, 308 for other methods (keeps method and body).
    """

    location: str
    status: int


MatchResult: TypeAlias = Found | NotFound | MethodNotAllowed | AutomaticOptions | Redirect
_NOT_FOUND: Final = NotFound()


class _Endpoint:
    __slots__ = ("allow", "by_method", "routes")

    def __init__(self) -> None:
        self.by_method: dict[str, Route] = {}
        self.routes: list[Route] = []
        self.allow: tuple[str, ...] = ()

    def add(self, route: Route) -> None:
        self.routes.append(route)
        for method in route.methods:
            self.by_method[method] = route
        explicit = {m for r in self.routes for m in r.methods}
        if "GET" in explicit and "HEAD" not in explicit:
            self.by_method["HEAD"] = self.by_method["GET"]
        http = [m for m in self.by_method if m != WEBSOCKET]
        self.allow = _sort_methods([*http, "OPTIONS"]) if http else ()


class _Node:
    __slots__ = ("endpoint", "forward", "param", "static", "wildcard")

    def __init__(self) -> None:
        self.static: dict[str, _Node] = {}
        self.param: _Node | None = None
        self.wildcard: _Endpoint | None = None
        self.endpoint: _Endpoint | None = None
        self.forward: Route | None = None


def _wildcard_ok(rest: list[str]) -> bool:
    return all(seg and "/" not in seg and "\x00" not in seg for seg in rest)


def _find(node: _Node, segs: list[str], i: int, n: int, method: str) -> Route | None:
    if i == n:
        if node.endpoint is not None:
            route = node.endpoint.by_method.get(method)
            if route is not None:
                return route
        return node.forward
    seg = segs[i]
    child = node.static.get(seg)
    if child is not None:
        route = _find(child, segs, i + 1, n, method)
        if route is not None:
            return route
    if node.param is not None and seg:
        route = _find(node.param, segs, i + 1, n, method)
        if route is not None:
            return route
    if node.wildcard is not None:
        route = node.wildcard.by_method.get(method)
        if route is not None and _wildcard_ok(segs[i:]):
            return route
    return node.forward


def _allowed(node: _Node, segs: list[str], i: int, n: int, acc: set[str]) -> None:
    if i == n:
        if node.endpoint is not None:
            acc.update(node.endpoint.allow)
        return
    seg = segs[i]
    child = node.static.get(seg)
    if child is not None:
        _allowed(child, segs, i + 1, n, acc)
    if node.param is not None and seg:
        _allowed(node.param, segs, i + 1, n, acc)
    if node.wildcard is not None and _wildcard_ok(segs[i:]):
        acc.update(node.wildcard.allow)


def _raw_split(path: str, count: int) -> tuple[str, str]:
    index = 0
    for _ in range(count):
        index = path.find("/", index + 1)
        if index < 0:
            return path, ""
    return path[:index], path[index:]


def _redirect_location(path: str) -> str | None:
    if path[1:2] in ("/", "\\"):  # "//host" or "/\\host" would leave the site
        return None
    location = quote(path.rstrip("/"), safe=_LOCATION_SAFE)  # no raw spaces or CR/LF
    return location or None


class RouteMatcher:
    """Matches requests against compiled routes (the base of ``Router``).

    Args:
        routes: Validated routes (shape conflicts already rejected).
        trailing_slash: ``"redirect"`` (default) or ``"strict"``.
    """

    __slots__ = ("_root", "_static", "_trailing_slash")

    def __init__(self, routes: Iterable[Route], trailing_slash: TrailingSlash) -> None:
        self._trailing_slash = trailing_slash
        self._root = _Node()
        self._static: dict[str, _Endpoint] = {}
        for route in routes:
            self._insert(route)

    def _insert(self, route: Route) -> None:
        node = self._root
        for seg in route.parsed.segments:
            if seg.kind is SegmentKind.STATIC:
                node = node.static.setdefault(seg.value, _Node())
            elif seg.kind is SegmentKind.PARAM:
                if node.param is None:
                    node.param = _Node()
                node = node.param
            else:
                if node.wildcard is None:
                    node.wildcard = _Endpoint()
                node.wildcard.add(route)
                return
        if route.kind == "forward":
            node.forward = route
            return
        if node.endpoint is None:
            node.endpoint = _Endpoint()
            if route.parsed.is_static:
                self._static[route.parsed.path] = node.endpoint
        node.endpoint.add(route)

    def match(self, method: str, path: str) -> MatchResult:
        """Match a request.

        Args:
            method: The upper-case request method, or ``"WEBSOCKET"`` for a
                WebSocket handshake.
            path: The raw request path, still percent-encoded, without the query
                string (e.g. ``head.raw_path.decode("latin-1")``). It is split on
                ``/`` and each segment is decoded exactly once.

        Returns:
            ``Found``, ``NotFound``, ``MethodNotAllowed``, ``AutomaticOptions`` or
            ``Redirect``.

        Raises:
            HTTPError: 400 when a percent-escape is not valid UTF-8.

        Example:
            >>> from zzz.router import Router, get
            >>> async def show(conn, id: int) -> None: ...
            >>> Router(get("/users/:id", show)).match("GET", "/users/7").params
            {'id': '7'}
        """
        endpoint = self._static.get(path)
        if endpoint is not None:
            route = endpoint.by_method.get(method)
            if route is not None:
                return Found(route, {})
        if "%" in path or "/." in path or path[:1] != "/" or path == "/":
            segs = split_request_path(path)
            if segs is None:
                return _NOT_FOUND
        else:
            segs = path[1:].split("/")
        # Greedy descent (static first, else the parameter child): the first branch
        # the full backtracking search would explore, without recursion.
        node = self._root
        for i, seg in enumerate(segs):
            child = node.static.get(seg)
            if child is None:
                child = node.param
                if child is None or not seg:
                    wildcard = node.wildcard
                    if wildcard is not None:
                        route = wildcard.by_method.get(method)
                        if route is not None and _wildcard_ok(segs[i:]):
                            return Found(route, route.params_from(segs))
                    break
            node = child
        else:
            endpoint = node.endpoint
            if endpoint is not None:
                route = endpoint.by_method.get(method)
                if route is not None:
                    return Found(route, route.params_from(segs))
        n = len(segs)
        found = _find(self._root, segs, 0, n, method)
        if found is not None:
            if found.kind == "forward":
                prefix, remaining = _raw_split(path, len(found.parsed.segments))
                return Found(found, {}, prefix, remaining)
            return Found(found, found.params_from(segs))
        if method != WEBSOCKET:
            allow: set[str] = set()
            _allowed(self._root, segs, 0, n, allow)
            if allow:
                if method == "OPTIONS":
                    return AutomaticOptions(_sort_methods(allow))
                return MethodNotAllowed(_sort_methods(allow))
        if self._trailing_slash == "redirect" and n > 1 and not segs[-1] and method != WEBSOCKET:
            location = _redirect_location(path)
            if location is not None:
                result = self.match(method, location)
                if isinstance(result, Found | AutomaticOptions):
                    return Redirect(location, 301 if method in ("GET", "HEAD") else 308)
        return _NOT_FOUND
