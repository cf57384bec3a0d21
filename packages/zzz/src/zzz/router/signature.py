"""Handler and plug analysis, done once at startup.

A handler's first parameter receives the Conn; every other parameter is either a
path parameter (cast by its annotation), a pydantic model (bound from
``conn.params`` by the app, 422 on invalid input) or has a default. The analysis
produces a :class:`HandlerSignature` whose :meth:`~HandlerSignature.cast_path_params`
turns the router's decoded strings into handler keyword arguments with no
per-request introspection.
"""

from __future__ import annotations

import functools
import inspect
import sys
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from zzz.exceptions import HTTPError
from zzz.router._casts import caster_for

__all__ = [
    "HandlerSignature",
    "ParamSpec",
    "PathParamError",
    "SignatureError",
    "analyse_handler",
    "callable_location",
    "check_plug",
    "describe_callable",
]

Caster = Callable[[str], Any]
_EMPTY: Final = inspect.Parameter.empty


class PathParamError(HTTPError):
    """A path parameter did not cast to the handler's annotation: answered with 404.

    A path that does not fit the route's types names no resource, so this is a
    *Not Found* (as in Phoenix and Django converters), not a 422.

    Args:
        name: The parameter name.
        value: The decoded text from the path.
        expected: A description of the expected type.
    """

    def __init__(self, name: str, value: str, expected: str) -> None:
        super().__init__(404, f"path parameter {name!r} must be {expected}")
        self.name = name
        self.value = value
        self.expected = expected


class SignatureError(ValueError):
    """A handler or plug cannot be used; ``str()`` is the reason (wrapped by the compiler)."""


@dataclass(frozen=True, slots=True)
class ParamSpec:
    """One handler parameter after analysis.

    Attributes:
        name: The parameter name.
        annotation: The resolved annotation (``str`` when there was none).
        source: ``"path"`` (from the route path), ``"model"`` (a pydantic model bound
            from ``conn.params``) or ``"default"`` (not in the path: keeps its default
            unless the app binds it, e.g. from the query string).
        cast: Turns the text into the annotated type (``None``: keep the string).
        default: The default value, or ``inspect.Parameter.empty``.
    """

    name: str
    annotation: Any
    source: Literal["path", "model", "default"]
    cast: Caster | None
    default: Any = _EMPTY


@dataclass(frozen=True, slots=True)
class HandlerSignature:
    """What the app needs to call a handler, precomputed at startup.

    Attributes:
        handler: The callable.
        is_async: ``True`` for coroutine functions; plain ``def`` handlers are
            accepted and must be run in a worker thread by the app.
        conn_param: Name of the first parameter (receives the Conn positionally).
        params: Every other parameter, in order.
        accepts_kwargs: The handler has ``**kwargs`` (receives every path param).
    """

    handler: Callable[..., Any]
    is_async: bool
    conn_param: str
    params: tuple[ParamSpec, ...]
    accepts_kwargs: bool
    _plan: tuple[tuple[str, Caster | None, str], ...] = field(repr=False, compare=False)

    @property
    def model_params(self) -> tuple[ParamSpec, ...]:
        """Parameters annotated with a pydantic model (bound by the app → 422)."""
        return tuple(p for p in self.params if p.source == "model")

    @property
    def path_params(self) -> tuple[ParamSpec, ...]:
        """Parameters filled from the route path."""
        return tuple(p for p in self.params if p.source == "path")

    def cast_path_params(self, raw: Mapping[str, str]) -> dict[str, Any]:
        """Turn decoded path parameters into handler keyword arguments.

        Args:
            raw: ``Found.params`` from the router.

        Returns:
            Keyword arguments for the handler (path params only; models are bound
            by the app).

        Raises:
            PathParamError: A value does not cast (the app answers 404).
        """
        out: dict[str, Any] = {}
        for name, cast, expected in self._plan:
            value = raw[name]
            if cast is None:
                out[name] = value
            else:
                try:
                    out[name] = cast(value)
                except (ValueError, TypeError, KeyError, OverflowError):
                    raise PathParamError(name, value, expected) from None
        return out


def describe_callable(obj: object) -> str:
    """A readable dotted name for a handler, plug or app (``module.qualname``)."""
    target = obj.func if isinstance(obj, functools.partial) else obj
    if isinstance(target, types.MethodType):
        target = target.__func__
    qualname = getattr(target, "__qualname__", None)
    if qualname is None:  # an instance: name its class
        qualname = type(target).__qualname__
        module = type(target).__module__
    else:
        module = getattr(target, "__module__", None) or "?"
    return f"{module}.{qualname}"


def callable_location(obj: object) -> str:
    """``file:line`` where a handler, plug or app is defined, or ``<unknown>``."""
    target: Any = obj.func if isinstance(obj, functools.partial) else obj
    target = inspect.unwrap(target) if callable(target) else target
    if isinstance(target, types.MethodType):
        target = target.__func__
    if not isinstance(target, types.FunctionType | type):
        call = getattr(type(target), "__call__", None)  # noqa: B004 - the method, not callable()
        target = call if isinstance(call, types.FunctionType) else type(target)
    if isinstance(target, types.FunctionType):
        code = target.__code__
        return f"{code.co_filename}:{code.co_firstlineno}"
    try:
        filename = inspect.getsourcefile(target) or inspect.getfile(target)
        _, line = inspect.getsourcelines(target)
    except (OSError, TypeError):
        return "<unknown>"
    return f"{filename}:{line}"


def _is_async_callable(obj: object) -> bool:
    if inspect.iscoroutinefunction(obj):
        return True
    if isinstance(obj, type) or inspect.isfunction(obj) or inspect.ismethod(obj):
        return False
    return inspect.iscoroutinefunction(getattr(type(obj), "__call__", None))  # noqa: B004


def check_plug(plug: object) -> None:
    """Check that ``plug`` can be used as a plug: an async callable taking the Conn.

    Args:
        plug: A coroutine function or an instance with ``async def __call__(self, conn)``.

    Raises:
        SignatureError: With the reason and the fix.
    """
    if isinstance(plug, type):
        raise SignatureError(
            f"{plug.__qualname__} is a class, not a plug instance: write {plug.__qualname__}()"
        )
    if not callable(plug):
        raise SignatureError(
            f"{plug!r} is not a plug: a plug is an async function taking the conn or an "
            "object with 'async def __call__(self, conn)'"
        )
    if not _is_async_callable(plug):
        raise SignatureError(f"plug {describe_callable(plug)} is not async: declare it 'async def'")
    try:
        inspect.signature(plug).bind(object())
    except TypeError:
        raise SignatureError(
            f"plug {describe_callable(plug)} must accept exactly one argument (the conn)"
        ) from None
    except ValueError:  # no signature available (builtins): trust it
        return


def _resolve(annotation: Any, globalns: dict[str, Any]) -> Any:
    if not isinstance(annotation, str):
        return annotation
    holder = types.SimpleNamespace(__annotations__={"x": annotation})
    return typing.get_type_hints(holder, globalns=globalns, include_extras=True)["x"]


def _model_base() -> type | None:
    pydantic = sys.modules.get("pydantic")  # no model can exist unless pydantic is loaded
    base = getattr(pydantic, "BaseModel", None) if pydantic is not None else None
    return base if isinstance(base, type) else None


def _model_fields(model: type) -> set[str]:
    names: set[str] = set()
    for name, info in getattr(model, "model_fields", {}).items():
        names.add(name)
        alias = getattr(info, "alias", None)
        if isinstance(alias, str):
            names.add(alias)
    return names


def analyse_handler(handler: object, path_params: tuple[str, ...]) -> HandlerSignature:
    """Analyse a handler for a route with the given path parameters.

    Args:
        handler: The handler (function, bound method or callable instance).
        path_params: Parameter names of the route path, in order.

    Returns:
        The precomputed signature.

    Raises:
        SignatureError: The handler cannot serve the route (the message says why and
            how to fix it).
    """
    name = describe_callable(handler)
    if isinstance(handler, type) or not callable(handler):
        raise SignatureError(
            f"handler {handler!r} is not a function or callable instance"
            + (f": did you mean {handler.__qualname__}()?" if isinstance(handler, type) else "")
        )
    if inspect.isasyncgenfunction(handler) or inspect.isgeneratorfunction(handler):
        raise SignatureError(f"handler {name} is a generator; declare it 'async def'")
    try:
        sig = inspect.signature(handler)
    except (TypeError, ValueError) as exc:
        raise SignatureError(f"cannot read the signature of handler {name}: {exc}") from None
    params = list(sig.parameters.values())
    if not params or params[0].kind not in (
        inspect.Parameter.POSITIONAL_ONLY,
        inspect.Parameter.POSITIONAL_OR_KEYWORD,
    ):
        raise SignatureError(
            f"handler {name} must take the conn as its first positional parameter, "
            f"e.g. 'async def {getattr(handler, '__name__', 'handler')}(conn, ...)'"
        )
    func: Any = handler.func if isinstance(handler, functools.partial) else handler
    if not inspect.isfunction(func) and not inspect.ismethod(func):
        func = getattr(type(func), "__call__", func)  # noqa: B004
    globalns: dict[str, Any] = getattr(inspect.unwrap(func), "__globals__", {})
    model_base = _model_base()
    accepts_kwargs = False
    specs: list[ParamSpec] = []
    receivable: set[str] = set()
    for param in params[1:]:
        if param.kind is inspect.Parameter.VAR_KEYWORD:
            accepts_kwargs = True
            continue
        if param.kind in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.POSITIONAL_ONLY):
            raise SignatureError(
                f"handler {name}: parameter {param.name!r} cannot be passed by keyword; "
                "only the conn may be positional"
            )
        try:
            annotation = _resolve(param.annotation, globalns)
        except Exception as exc:  # noqa: BLE001 - any failure to evaluate is reported
            raise SignatureError(
                f"handler {name}: cannot resolve the annotation of {param.name!r} "
                f"({param.annotation!r}): {exc}"
            ) from None
        annotation = str if annotation is _EMPTY else annotation
        if (
            model_base is not None
            and isinstance(annotation, type)
            and issubclass(annotation, model_base)
        ):
            specs.append(ParamSpec(param.name, annotation, "model", None, param.default))
            receivable |= _model_fields(annotation)
            continue
        if param.name in path_params:
            try:
                cast = caster_for(annotation)
            except TypeError as exc:
                raise SignatureError(
                    f"handler {name}: path parameter {param.name!r} {exc}"
                ) from None
            specs.append(ParamSpec(param.name, annotation, "path", cast[0], param.default))
            receivable.add(param.name)
            continue
        if param.default is _EMPTY:
            raise SignatureError(
                f"handler {name}: required parameter {param.name!r} has no source: the route "
                f"path has no ':{param.name}' and it is not a pydantic model; add "
                f"':{param.name}' to the path or give the parameter a default"
            )
        try:
            cast = caster_for(annotation)
        except TypeError:
            cast = (None, "")
        specs.append(ParamSpec(param.name, annotation, "default", cast[0], param.default))
    missing = [p for p in path_params if p not in receivable]
    if missing and not accepts_kwargs:
        raise SignatureError(
            f"handler {name} cannot receive path parameter(s) {', '.join(missing)}: add "
            f"{', '.join(repr(m) for m in missing)} to its parameters (or **params)"
        )
    by_name = {s.name: s for s in specs if s.source == "path"}
    plan: list[tuple[str, Caster | None, str]] = []
    for param_name in path_params:
        spec = by_name.get(param_name)
        if spec is not None:
            plan.append((param_name, spec.cast, caster_for(spec.annotation)[1]))
        elif accepts_kwargs:
            plan.append((param_name, None, "text"))
    return HandlerSignature(
        handler=handler,
        is_async=_is_async_callable(handler),
        conn_param=params[0].name,
        params=tuple(specs),
        accepts_kwargs=accepts_kwargs,
        _plan=tuple(plan),
    )
