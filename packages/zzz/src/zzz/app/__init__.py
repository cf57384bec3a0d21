"""The application object: a Phoenix-style endpoint in front of a router.

For each request :class:`App` does, in order:

1. the allowed-hosts check (``settings.allowed_hosts``; 400 before anything else),
2. the app-level plugs (like a Phoenix endpoint; any may halt),
3. ``router.match`` -> 404, 405 + ``Allow``, automatic ``OPTIONS`` (204 + ``Allow``;
   a CORS preflight first runs the pipeline of the route it asks about),
   trailing-slash redirect (301/308), or the route:
4. the route's pipeline (flattened at startup), then the handler with its path
   params cast, its pydantic model parameters validated from ``conn.params``
   (422 with field errors) and its other declared parameters bound from the
   query/body when present,
5. the before-send callbacks, then the response.

``HTTPError`` becomes its status; any other exception becomes a 500 that leaks
nothing unless ``settings.debug`` (an ``ErrorHandler`` plug registered with
``conn.register_error_handler`` renders error pages when present). ``forward``
routes hand the request to the mounted app (native or ASGI) with ``root_path``
extended by the mount prefix.

The private modules next to this one hold the pieces: ``_plan`` (per-route
plans and parameter binding), ``_errors`` (exceptions, default error bodies),
``_hosts`` (allowed hosts) and ``_forward`` (mounted apps).

An :class:`App` is both a native app (the built-in server calls
:meth:`App.handle_http` directly) and an ASGI 3 app (``uvicorn module:app``).
"""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import anyio.to_thread

from zzz.app._errors import NoResponseError, RequestValidationError, set_error_response
from zzz.app._forward import forward
from zzz.app._hosts import HOST_CACHE_SIZE, HostPolicy
from zzz.app._plan import Plug, RoutePlan, bind_params, check_plugs, make_plan, use_result
from zzz.conn import AlreadySentError, Conn, ConnConfig, parse_trusted_proxies
from zzz.exceptions import HTTPError, ImproperlyConfigured
from zzz.router.tree import AutomaticOptions, Found, MethodNotAllowed, Redirect
from zzz.settings import Settings
from zzz.types import (
    ASGIReceive,
    ASGIScope,
    ASGISend,
    Body,
    NativeApp,
    RequestHead,
    ResponseWriter,
)

if TYPE_CHECKING:
    from zzz.conn import TemplateRenderer
    from zzz.router.dsl import Router
    from zzz.router.tree import Route

__all__ = ["App", "NoResponseError", "RequestValidationError"]

_logger = logging.getLogger("zzz.app")

Hook = Callable[[], "Awaitable[None] | None"]


async def _call_hook(hook: Hook) -> None:
    result = hook()
    if inspect.isawaitable(result):
        await result


class App:
    """A Zzz application: settings, app-level plugs, a router, templates and hooks.

    Args:
        router: The compiled :class:`~zzz.router.Router`.
        settings: The settings (default: ``Settings()`` from the environment).
        plugs: App-level plugs, run for every request before routing.
        templates: The template engine used by ``conn.render()``.
        on_startup: Functions (sync or async) run by :meth:`startup`.
        on_shutdown: Functions run by :meth:`shutdown`, in reverse order.

    Raises:
        ImproperlyConfigured: A plug is not an async callable, a plug comes
            before the plug it ``requires`` (app plugs, then each route's
            pipeline; see ``zzz.plugs.check_order``), a plug that must run before
            routing (``before_routing = True``, e.g. ``MethodOverride``) is in a
            route pipeline, or the settings are invalid.

    Example:
        >>> from zzz.router import Router, get
        >>> async def hello(conn):
        ...     return conn.text("hello")
        >>> app = App(Router(get("/", hello)))  # then: uvicorn module:app
    """

    def __init__(
        self,
        router: Router,
        *,
        settings: Settings | None = None,
        plugs: Iterable[Plug] = (),
        templates: TemplateRenderer | None = None,
        on_startup: Iterable[Hook] = (),
        on_shutdown: Iterable[Hook] = (),
    ) -> None:
        self.router = router
        self.settings = settings if settings is not None else Settings()
        self.templates = templates
        self.on_startup: list[Hook] = list(on_startup)
        self.on_shutdown: list[Hook] = list(on_shutdown)
        self.plugs: tuple[Plug, ...] = check_plugs(plugs)
        s = self.settings
        self.debug = bool(s.debug)
        self.config = ConnConfig(
            max_body_size=s.max_body_size,
            max_params=s.max_query_params,
            max_depth=s.max_query_depth,
            trusted_proxies=parse_trusted_proxies(s.trusted_proxies),
            secure_cookies=s.secure_cookies,
            debug=self.debug,
        )
        self._checked_orders: set[tuple[int, ...]] = set()
        self._check_order(self.plugs, "App(plugs=...)")
        self._hosts = HostPolicy(s.allowed_hosts)
        self._host_cache: dict[bytes, bool] = {}
        self._plans: dict[int, RoutePlan] = {}
        for route in getattr(router, "compiled_routes", ()):
            self._plans[id(route)] = self._plan(route)
        self._asgi: Any = None
        self._started: list[NativeApp] = []

    # ------------------------------------------------------------------ startup
    def _check_order(self, plugs: tuple[Plug, ...], where: str) -> None:
        """Check ``provides``/``requires`` order (``zzz.plugs.check_order``) once per pipeline."""
        key = tuple(map(id, plugs))
        if key in self._checked_orders:
            return
        self._checked_orders.add(key)
        if not any(getattr(plug, "requires", None) for plug in plugs):
            return  # nothing to check: avoid importing zzz.plugs at all
        from zzz.plugs import check_order

        try:
            check_order(plugs)
        except ImproperlyConfigured as exc:
            raise ImproperlyConfigured(f"{where}: {exc}") from None

    def _plan(self, route: Route) -> RoutePlan:
        where = f"route {'|'.join(route.methods)} {route.path} (declared at {route.location})"
        for plug in route.pipeline:
            if getattr(plug, "before_routing", False):
                name = type(plug).__name__
                raise ImproperlyConfigured(
                    f"{where}: plug {name} changes how requests are routed, so it cannot run "
                    f"in a route pipeline (routing is already done there); fix: make it an "
                    f"app-level plug, App(router, plugs=[..., {name}()])"
                )
        self._check_order(
            self.plugs + tuple(route.pipeline), f"{where} with the app plugs before its pipeline"
        )
        return make_plan(route)

    async def startup(self) -> None:
        """Compile the templates, run the ``on_startup`` hooks, then start mounted apps.

        Templates (when the app has them and they offer ``compile_all()``, as
        ``zzz.templates.Templates`` does) are compiled first, in a worker thread,
        so a broken template stops the server before any hook has side effects.

        Raises:
            zzz.templates.TemplateError: A template does not compile (an
                ``ImproperlyConfigured`` naming the file, line and column).
            Exception: Whatever a hook raises (the server refuses to start).
        """
        compile_all = getattr(self.templates, "compile_all", None)
        if compile_all is not None:
            await anyio.to_thread.run_sync(compile_all)
        for hook in self.on_startup:
            await _call_hook(hook)
        for plan in self._plans.values():
            target = plan.target
            if target is not None and target not in self._started:
                await target.startup()
                self._started.append(target)

    async def shutdown(self) -> None:
        """Stop mounted apps and run the ``on_shutdown`` hooks (all of them, in reverse).

        Raises:
            Exception: The first error a hook raised, after every hook ran.
        """
        first: BaseException | None = None
        hooks: list[Callable[[], Any]] = [t.shutdown for t in reversed(self._started)]
        hooks += list(reversed(self.on_shutdown))
        self._started = []
        for hook in hooks:
            try:
                await _call_hook(hook)
            except Exception as exc:
                _logger.exception("shutdown hook %r failed", hook)
                first = first or exc
        if first is not None:
            raise first

    # ----------------------------------------------------------------- requests
    async def __call__(self, scope: ASGIScope, receive: ASGIReceive, send: ASGISend) -> None:
        """Serve the app over ASGI 3 (HTTP and lifespan), e.g. under uvicorn."""
        if self._asgi is None:
            from zzz.server.asgi import asgi_to_native

            self._asgi = asgi_to_native(self)
        await self._asgi(scope, receive, send)

    async def handle_http(self, head: RequestHead, body: Body, response: ResponseWriter) -> None:
        """Handle one request (the native interface the built-in server calls).

        Args:
            head: The request head.
            body: The request body stream.
            response: Where the response is written.
        """
        conn = Conn(head, body, response, app=self, config=self.config)
        try:
            await self._run(conn)
            await self._finish(conn)
        except Exception as exc:  # noqa: BLE001 - every failure becomes an error response
            await self._fail(conn, exc)

    @staticmethod
    async def _finish(conn: Conn) -> None:
        state = conn.state
        if state == "chunked":
            await conn.finish()
        elif state == "unset":
            raise NoResponseError(f"no response was set for {conn.method} {conn.path}")
        elif state != "sent":
            await conn.send_resp()

    @staticmethod
    def _route_path(head: RequestHead) -> str:
        raw = head.raw_path.decode("latin-1") or "/"
        root = head.root_path
        if root:
            for prefix in (root, quote(root)):
                if raw.startswith(prefix) and raw[len(prefix) : len(prefix) + 1] in ("", "/"):
                    return raw[len(prefix) :] or "/"
        return raw

    def _host_allowed(self, conn: Conn) -> bool:
        if not self.config.trusted_proxies:
            for name, value in conn.head.headers:
                if name == b"host":
                    cached = self._host_cache.get(value)
                    if cached is None:
                        cached = self._hosts.allows(conn.host)
                        if len(self._host_cache) < HOST_CACHE_SIZE:
                            self._host_cache[value] = cached
                    return cached
        return self._hosts.allows(conn.host)

    async def _run(self, conn: Conn) -> None:
        if not self._host_allowed(conn):
            raise HTTPError(
                400,
                f"host {conn.host!r} is not allowed (add it to ZZZ_ALLOWED_HOSTS)"
                if self.debug
                else "invalid Host header",
            )
        for plug in self.plugs:
            await plug(conn)
            if conn.halted:
                self._check_halted(conn, plug)
                return
        result = self.router.match(conn.method, self._route_path(conn.head))
        if isinstance(result, Found):
            await self._run_route(conn, result)
        elif isinstance(result, AutomaticOptions):
            await self._automatic_options(conn, result)
        elif isinstance(result, MethodNotAllowed):
            raise HTTPError(405, "Method Not Allowed", {"allow": ", ".join(result.allow)})
        elif isinstance(result, Redirect):
            location = quote(conn.root_path) + result.location
            if conn.head.query_string:
                location += "?" + conn.query_string
            conn.resp(result.status, b"").put_resp_header("location", location)
        else:
            raise HTTPError(404, "Not Found")

    @staticmethod
    def _check_halted(conn: Conn, plug: object) -> None:
        if conn.state == "unset":
            from zzz.router.signature import describe_callable

            raise NoResponseError(
                f"plug {describe_callable(plug)} halted the conn without setting a response "
                "(call e.g. conn.text(...) or conn.put_status(...).resp(...) before halt())"
            )

    async def _automatic_options(self, conn: Conn, result: AutomaticOptions) -> None:
        """Answer ``OPTIONS`` for a path without an OPTIONS route (204 + ``Allow``).

        A CORS preflight (``Access-Control-Request-Method``) first runs the
        pipeline of the route it asks about, so a route-level ``CORS`` plug
        answers it; if no plug responds, the plain 204 is sent.
        """
        requested = conn.headers.get("access-control-request-method")
        if requested:
            found = self.router.match(requested.strip().upper(), self._route_path(conn.head))
            if isinstance(found, Found):
                plan, _ = self._enter_route(conn, found)
                if await self._run_pipeline(conn, plan.pipeline) or conn.state != "unset":
                    return
        conn.put_resp_header("allow", ", ".join(result.allow)).resp(204, b"")

    def _enter_route(self, conn: Conn, found: Any) -> tuple[RoutePlan, dict[str, Any]]:
        route = found.route
        plan = self._plans.get(id(route))
        if plan is None:
            plan = self._plans[id(route)] = self._plan(route)
        conn.route = route
        signature = plan.signature
        kwargs: dict[str, Any] = {}
        if signature is not None:
            raw = found.params
            if raw:
                kwargs = signature.cast_path_params(raw)
                conn.set_path_params({**raw, **kwargs})
        return plan, kwargs

    async def _run_pipeline(self, conn: Conn, pipeline: tuple[Plug, ...]) -> bool:
        """Run plugs in order; return whether one halted."""
        for plug in pipeline:
            await plug(conn)
            if conn.halted:
                self._check_halted(conn, plug)
                return True
        return False

    async def _run_route(self, conn: Conn, found: Any) -> None:
        plan, kwargs = self._enter_route(conn, found)
        signature = plan.signature
        for plug in plan.pipeline:  # inlined (not _run_pipeline): the hot path
            await plug(conn)
            if conn.halted:
                self._check_halted(conn, plug)
                return
        if plan.target is not None:
            await forward(conn, plan.target, found)
            return
        assert signature is not None
        if plan.extras:
            await bind_params(conn, plan, kwargs)
        if signature.is_async:
            result = await signature.handler(conn, **kwargs)
        else:
            call = functools.partial(signature.handler, conn, **kwargs)
            result = await anyio.to_thread.run_sync(call)
        use_result(conn, result, signature)

    # ------------------------------------------------------------------- errors
    async def _fail(self, conn: Conn, exc: Exception) -> None:
        if conn.state in ("sent", "chunked"):
            if not isinstance(exc, HTTPError | OSError):
                _logger.error(
                    "error after the response started: %s %s", conn.method, conn.path, exc_info=exc
                )
            raise exc
        conn.reset_response()
        for handler in reversed(conn.error_handlers):
            try:
                await handler(conn, exc)
            except Exception:
                _logger.exception("error handler %r failed", handler)
                conn.reset_response()
                break
            if conn.state != "unset":
                await self._send_error(conn, exc)
                return
        if not isinstance(exc, HTTPError):
            _logger.error("unhandled exception in %s %s", conn.method, conn.path, exc_info=exc)
        self.error_response(conn, exc)
        await self._send_error(conn, exc)

    async def _send_error(self, conn: Conn, exc: Exception) -> None:
        try:
            await conn.send_resp()
        except AlreadySentError:
            raise exc from None
        except Exception as second:
            if conn.state == "sent":
                raise
            # A before-send callback failed on the error response: send it bare.
            _logger.exception("before-send callback failed", exc_info=second)
            conn.before_send.clear()
            conn.reset_response()
            self.error_response(conn, second)
            await conn.send_resp()

    def error_response(self, conn: Conn, exc: BaseException) -> None:
        """Set the default error response for ``exc`` on ``conn``.

        ``HTTPError`` keeps its status, detail and headers; anything else is a
        500 whose body names the exception only in debug mode. The body is JSON
        (``{"errors": {"detail": ...}}``), HTML or text, by the ``Accept`` header.

        Args:
            conn: The conn (its response must be unset).
            exc: The exception.
        """
        set_error_response(conn, exc, debug=self.debug)
