"""The application object: a Phoenix-style endpoint in front of a router.

For each request :class:`App` does, in order:

1. the allowed-hosts check (``settings.allowed_hosts``; 400 before anything else),
2. the app-level plugs (like a Phoenix endpoint; any may halt),
3. ``router.match`` -> 404, 405 + ``Allow``, automatic ``OPTIONS`` (204 + ``Allow``),
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

An :class:`App` is both a native app (the built-in server calls
:meth:`App.handle_http` directly) and an ASGI 3 app (``uvicorn module:app``).
"""

from __future__ import annotations

import functools
import html
import inspect
import logging
import traceback
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote

import anyio.to_thread
from pydantic import ValidationError

from zzz.conn import AlreadySentError, Conn, ConnConfig, json_dumps, parse_trusted_proxies
from zzz.exceptions import HTTPError, ImproperlyConfigured, ZzzError
from zzz.http.mime import preferred
from zzz.http.status import reason_phrase
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
    from zzz.router.signature import HandlerSignature
    from zzz.router.tree import Route

__all__ = ["App", "NoResponseError", "RequestValidationError"]

_logger = logging.getLogger("zzz.app")

#: Distinct ``Host`` header values whose allowed-hosts verdict is remembered.
_HOST_CACHE_SIZE = 256

Hook = Callable[[], "Awaitable[None] | None"]
Plug = Callable[[Conn], Awaitable[None]]


class NoResponseError(ZzzError, RuntimeError):
    """A handler returned, or a plug halted, without setting a response (a 500)."""


class RequestValidationError(HTTPError):
    """Request parameters failed validation (422); ``errors`` lists each field.

    Args:
        errors: ``[{"loc": [...], "msg": "...", "type": "..."}]``.
    """

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(422, "invalid request parameters")
        self.errors = errors


@dataclass(frozen=True, slots=True)
class _Extra:
    """A handler parameter bound per request from ``conn.params``."""

    name: str
    model: bool
    validate: Callable[[Any], Any] | None


@dataclass(frozen=True, slots=True)
class _Plan:
    """Everything needed to run one route, resolved at startup."""

    route: Route
    pipeline: tuple[Plug, ...]
    signature: HandlerSignature | None
    extras: tuple[_Extra, ...]
    needs_body: bool
    target: NativeApp | None


class _HostPolicy:
    """``ALLOWED_HOSTS`` matching: exact names, ``.suffix`` for subdomains, ``*``."""

    __slots__ = ("any", "exact", "suffixes")

    def __init__(self, hosts: Iterable[str]) -> None:
        hosts = [h.lower() for h in hosts]
        self.any = "*" in hosts
        self.exact = frozenset(h for h in hosts if not h.startswith("."))
        self.suffixes = tuple(h for h in hosts if h.startswith("."))

    def allows(self, host: str) -> bool:
        if self.any:
            return True
        host = host.rstrip(".")
        if host in self.exact:
            return True
        return bool(host) and any(host.endswith(s) or host == s[1:] for s in self.suffixes)


class _ReplayBody:
    """A body already read by a plug, replayed to a mounted app."""

    __slots__ = ("_data",)

    def __init__(self, data: bytes) -> None:
        self._data = data

    async def receive(self) -> bytes:
        data, self._data = self._data, b""
        return data


def _validator_for(annotation: Any) -> Callable[[Any], Any] | None:
    from pydantic import TypeAdapter

    try:
        return TypeAdapter(annotation).validate_python
    except Exception:  # noqa: BLE001 - a type pydantic cannot validate is simply not bound
        return None


def _has_body(conn: Conn) -> bool:
    """Whether the request announces a body (``Content-Length > 0`` or chunked)."""
    for name, value in conn.head.headers:
        if (name == b"content-length" and value.strip(b" 0")) or name == b"transfer-encoding":
            return True
    return False


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
        ImproperlyConfigured: A plug is not an async callable, or the settings
            are invalid.

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
        self.plugs: tuple[Plug, ...] = self._check_plugs(plugs)
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
        self._hosts = _HostPolicy(s.allowed_hosts)
        self._host_cache: dict[bytes, bool] = {}
        self._plans: dict[int, _Plan] = {}
        for route in getattr(router, "compiled_routes", ()):
            self._plans[id(route)] = self._plan(route)
        self._asgi: Any = None
        self._started: list[NativeApp] = []

    # ------------------------------------------------------------------ startup
    @staticmethod
    def _check_plugs(plugs: Iterable[Plug]) -> tuple[Plug, ...]:
        from zzz.router.signature import SignatureError, callable_location, check_plug

        checked = []
        for plug in plugs:
            try:
                check_plug(plug)
            except SignatureError as exc:
                raise ImproperlyConfigured(
                    f"App(plugs=...): {exc} (defined at {callable_location(plug)})"
                ) from None
            checked.append(plug)
        return tuple(checked)

    def _check_order(self, plugs: tuple[Plug, ...], where: str) -> None:
        """Validate ``provides``/``requires`` order (``zzz.plugs.check_order``), once per pipeline."""
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

    def _plan(self, route: Route) -> _Plan:
        self._check_order(
            self.plugs + tuple(route.pipeline),
            f"route {'|'.join(route.methods)} {route.path} (declared at {route.location}) "
            "with the app plugs before its pipeline",
        )
        target: NativeApp | None = None
        if route.kind == "forward":
            mounted = route.handler
            if isinstance(mounted, NativeApp):
                target = mounted
            else:
                from zzz.server.asgi import ASGIAdapter

                target = ASGIAdapter(mounted)
        extras: list[_Extra] = []
        signature = route.signature
        if signature is not None:
            for spec in signature.params:
                if spec.source == "model":
                    extras.append(_Extra(spec.name, True, spec.annotation.model_validate))
                elif spec.source == "default":
                    validate = _validator_for(spec.annotation)
                    if validate is not None:
                        extras.append(_Extra(spec.name, False, validate))
        needs_body = any(e.model for e in extras)
        return _Plan(route, tuple(route.pipeline), signature, tuple(extras), needs_body, target)

    async def startup(self) -> None:
        """Run the ``on_startup`` hooks, then start mounted native apps.

        Raises:
            Exception: Whatever a hook raises (the server refuses to start).
        """
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
                        if len(self._host_cache) < _HOST_CACHE_SIZE:
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

    def _enter_route(self, conn: Conn, found: Any) -> tuple[_Plan, dict[str, Any]]:
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
        if await self._run_pipeline(conn, plan.pipeline):
            return
        if plan.target is not None:
            await self._forward(conn, plan.target, found)
            return
        assert signature is not None
        if plan.extras:
            await self._bind(conn, plan, kwargs)
        if signature.is_async:
            result = await signature.handler(conn, **kwargs)
        else:
            call = functools.partial(signature.handler, conn, **kwargs)
            result = await anyio.to_thread.run_sync(call)
        self._use_result(conn, result, signature)

    async def _bind(self, conn: Conn, plan: _Plan, kwargs: dict[str, Any]) -> None:
        if plan.needs_body and conn.body_params is None and _has_body(conn):
            await conn.load_body_params()
        params = conn.params
        errors: list[dict[str, Any]] = []
        for extra in plan.extras:
            if extra.model:
                source: Any = params
            elif extra.name in params:
                source = params[extra.name]
            else:
                continue
            assert extra.validate is not None
            try:
                kwargs[extra.name] = extra.validate(source)
            except ValidationError as exc:
                for error in exc.errors(include_url=False, include_context=False):
                    loc = list(error["loc"])
                    errors.append(
                        {
                            "loc": loc if extra.model else [extra.name, *loc],
                            "msg": error["msg"],
                            "type": error["type"],
                        }
                    )
        if errors:
            raise RequestValidationError(errors)

    @staticmethod
    def _use_result(conn: Conn, result: Any, signature: HandlerSignature) -> None:
        if result is None or result is conn:
            if conn.state == "unset" and not conn.halted:
                from zzz.router.signature import describe_callable

                raise NoResponseError(
                    f"handler {describe_callable(signature.handler)} returned without "
                    "setting a response: return conn.json(...), conn.html(...), "
                    "conn.render(...), ... (or a dict/list/pydantic model for JSON)"
                )
            return
        if isinstance(result, dict | list) or hasattr(result, "model_dump"):
            conn.json(result)
            return
        from zzz.router.signature import describe_callable

        raise TypeError(
            f"handler {describe_callable(signature.handler)} returned a "
            f"{type(result).__name__}; return the conn, None, or a dict/list/pydantic "
            "model (sent as JSON)"
        )

    async def _forward(self, conn: Conn, target: NativeApp, found: Any) -> None:
        head = conn.head
        root = head.root_path + unquote(found.prefix)
        remaining = found.remaining or "/"
        sub_head = replace(
            head,
            root_path=root,
            path=root + unquote(remaining),
            raw_path=(quote(head.root_path) + found.prefix + remaining).encode("latin-1"),
            extensions=dict(head.extensions),
        )
        body: Body | None = conn._body_source
        if conn._body is not None:
            body = _ReplayBody(conn._body)
        elif conn._consumed or body is None:
            body = _ReplayBody(b"")  # a plug streamed the body away
        writer = conn._writer
        assert writer is not None
        await target.handle_http(sub_head, body, writer)
        conn._state = "sent"

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
        if isinstance(exc, HTTPError):
            status, detail = exc.status, exc.detail or reason_phrase(exc.status)
            for name, value in exc.headers.items():
                try:
                    conn.put_resp_header(name, value)
                except ValueError:
                    _logger.warning("dropped invalid header %r from %r", name, exc)
        else:
            status, detail = 500, "Internal Server Error"
        trace = ""
        if self.debug and not isinstance(exc, HTTPError):
            detail = f"{type(exc).__name__}: {exc}"
            trace = "".join(traceback.format_exception(exc))
        kind = preferred(
            conn.headers.get("accept"), ["application/json", "text/html", "text/plain"]
        )
        if kind == "application/json":
            payload: dict[str, Any] = {"detail": detail}
            if isinstance(exc, RequestValidationError):
                payload["fields"] = exc.errors
            conn.resp(status, json_dumps({"errors": payload}), "application/json")
        elif kind == "text/html":
            title = html.escape(f"{status} {reason_phrase(status)}")
            body = (
                f"<!doctype html><title>{title}</title><h1>{title}</h1><p>{html.escape(detail)}</p>"
            )
            if isinstance(exc, RequestValidationError):
                items = "".join(
                    f"<li>{html.escape('.'.join(map(str, e['loc'])))}: {html.escape(e['msg'])}</li>"
                    for e in exc.errors
                )
                body += f"<ul>{items}</ul>"
            if trace:
                body += f"<pre>{html.escape(trace)}</pre>"
            conn.resp(status, body, "text/html; charset=utf-8")
        else:
            text = detail
            if isinstance(exc, RequestValidationError):
                text += "".join(f"\n{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors)
            if trace:
                text += "\n\n" + trace
            conn.resp(status, text, "text/plain; charset=utf-8")
