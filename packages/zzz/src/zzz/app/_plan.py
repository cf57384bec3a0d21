"""Per-route plans resolved at startup, and binding handler parameters per request."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from zzz.app._errors import NoResponseError, RequestValidationError
from zzz.exceptions import ImproperlyConfigured
from zzz.types import NativeApp

if TYPE_CHECKING:
    from zzz.conn import Conn
    from zzz.router.signature import HandlerSignature
    from zzz.router.tree import Route

__all__ = [
    "Extra",
    "Plug",
    "RoutePlan",
    "bind_params",
    "check_plugs",
    "has_body",
    "make_plan",
    "use_result",
]

#: A plug: ``async (conn) -> None``.
Plug = Callable[["Conn"], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Extra:
    """A handler parameter bound per request from ``conn.params``."""

    name: str
    model: bool
    validate: Callable[[Any], Any] | None


@dataclass(frozen=True, slots=True)
class RoutePlan:
    """Everything needed to run one route, resolved at startup."""

    route: Route
    pipeline: tuple[Plug, ...]
    signature: HandlerSignature | None
    extras: tuple[Extra, ...]
    needs_body: bool
    target: NativeApp | None


def _validator_for(annotation: Any) -> Callable[[Any], Any] | None:
    from pydantic import TypeAdapter

    try:
        return TypeAdapter(annotation).validate_python
    except Exception:  # noqa: BLE001 - a type pydantic cannot validate is simply not bound
        return None


def has_body(conn: Conn) -> bool:
    """Whether the request announces a body (``Content-Length > 0`` or chunked)."""
    for name, value in conn.head.headers:
        if (name == b"content-length" and value.strip(b" 0")) or name == b"transfer-encoding":
            return True
    return False


def check_plugs(plugs: Iterable[Plug]) -> tuple[Plug, ...]:
    """Check that each app-level plug is an async callable.

    Args:
        plugs: The ``App(plugs=...)`` argument.

    Returns:
        The plugs as a tuple.

    Raises:
        ImproperlyConfigured: A plug is not an async callable (names where it is defined).
    """
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


def make_plan(route: Route) -> RoutePlan:
    """Resolve how to run ``route``: its mounted app, or its handler's bound parameters.

    Args:
        route: A compiled route.

    Returns:
        The plan.
    """
    target: NativeApp | None = None
    if route.kind == "forward":
        mounted = route.handler
        if isinstance(mounted, NativeApp):
            target = mounted
        else:
            from zzz.server.asgi import ASGIAdapter

            target = ASGIAdapter(mounted)
    extras: list[Extra] = []
    signature = route.signature
    if signature is not None:
        for spec in signature.params:
            if spec.source == "model":
                extras.append(Extra(spec.name, True, spec.annotation.model_validate))
            elif spec.source == "default":
                validate = _validator_for(spec.annotation)
                if validate is not None:
                    extras.append(Extra(spec.name, False, validate))
    needs_body = any(e.model for e in extras)
    return RoutePlan(route, tuple(route.pipeline), signature, tuple(extras), needs_body, target)


async def bind_params(conn: Conn, plan: RoutePlan, kwargs: dict[str, Any]) -> None:
    """Validate the handler's extra parameters from ``conn.params`` into ``kwargs``.

    Args:
        conn: The conn (its body is read and parsed first when a model needs it).
        plan: The route's plan.
        kwargs: The handler's keyword arguments, updated in place.

    Raises:
        RequestValidationError: (422) one or more parameters are invalid.
    """
    if plan.needs_body and conn.body_params is None and has_body(conn):
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


def use_result(conn: Conn, result: Any, signature: HandlerSignature) -> None:
    """Turn a handler's return value into the response (a dict/list/model is JSON).

    Args:
        conn: The conn.
        result: What the handler returned.
        signature: The handler's signature (for error messages).

    Raises:
        NoResponseError: The handler set no response.
        TypeError: The handler returned something that is not a response.
    """
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
