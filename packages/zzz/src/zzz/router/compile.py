"""Flattening scopes, pipelines and resources into routes, and startup validation.

``compile_routes`` collects *every* problem before raising one
``ImproperlyConfigured`` whose message names both places involved (the DSL call's
``file:line`` and the handler's or the other route's).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final

from zzz.exceptions import ImproperlyConfigured
from zzz.router.paths import PathSyntaxError, join_paths, parse_path
from zzz.router.signature import (
    HandlerSignature,
    SignatureError,
    analyse_handler,
    callable_location,
    check_plug,
    describe_callable,
)
from zzz.router.specs import Pipeline, ResourcesSpec, RouteSpec, ScopeSpec
from zzz.router.tree import Route

__all__ = ["compile_routes"]

_PLURAL: Final = (
    ("index", ("GET",), ""),
    ("new", ("GET",), "/new"),
    ("create", ("POST",), ""),
    ("show", ("GET",), "/:{param}"),
    ("edit", ("GET",), "/:{param}/edit"),
    ("update", ("PATCH", "PUT"), "/:{param}"),
    ("delete", ("DELETE",), "/:{param}"),
)
_SINGULAR: Final = (
    ("show", ("GET",), ""),
    ("new", ("GET",), "/new"),
    ("create", ("POST",), ""),
    ("edit", ("GET",), "/edit"),
    ("update", ("PATCH", "PUT"), ""),
    ("delete", ("DELETE",), ""),
)
_TOKEN: Final = frozenset("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")


@dataclass(frozen=True, slots=True)
class _Ctx:
    prefix: str
    plugs: tuple[tuple[Any, str], ...]  # (plug, where it was attached)
    name_prefix: str


@dataclass(frozen=True, slots=True)
class _Flat:
    spec: RouteSpec
    path: str
    plugs: tuple[tuple[Any, str], ...]
    name: str | None


def _singular(word: str) -> str:
    if word.endswith("ies") and len(word) > 3:
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "ches", "shes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def _plugs(pipe_through: Iterable[Any], where: str) -> tuple[tuple[Any, str], ...]:
    out: list[tuple[Any, str]] = []
    for item in pipe_through:
        if isinstance(item, Pipeline):
            label = f"pipeline {item.name!r}" if item.name else "pipeline"
            out.extend((plug, f"{label} declared at {item.location}") for plug in item.plugs)
        else:
            out.append((item, f"pipe_through at {where}"))
    return tuple(out)


def _join_name(prefix: str, name: str | None) -> str | None:
    return None if name is None else f"{prefix}{name}"


class _Compiler:
    def __init__(self) -> None:
        self.errors: list[str] = []
        self.flat: list[_Flat] = []
        self.instances: dict[int, Any] = {}

    def entry(self, entry: Any, ctx: _Ctx, where: str) -> None:
        if isinstance(entry, RouteSpec):
            plugs = ctx.plugs + _plugs(entry.pipe_through, entry.location)
            path = join_paths(ctx.prefix, entry.path) if isinstance(entry.path, str) else ""
            if not isinstance(entry.path, str) or not entry.path.startswith("/"):
                self.errors.append(
                    f"route path {entry.path!r} at {entry.location} must start with '/'"
                )
                return
            self.flat.append(_Flat(entry, path, plugs, _join_name(ctx.name_prefix, entry.name)))
        elif isinstance(entry, ScopeSpec):
            if not isinstance(entry.path, str) or not entry.path.startswith("/"):
                self.errors.append(
                    f"scope path {entry.path!r} at {entry.location} must start with '/'"
                )
                return
            inner = _Ctx(
                join_paths(ctx.prefix, entry.path),
                ctx.plugs + _plugs(entry.pipe_through, entry.location),
                f"{ctx.name_prefix}{entry.name}." if entry.name else ctx.name_prefix,
            )
            for child in entry.entries:
                self.entry(child, inner, entry.location)
        elif isinstance(entry, ResourcesSpec):
            self.resources(entry, ctx)
        else:
            self.errors.append(
                f"unknown route entry {entry!r} inside the declaration at {where}: use get(), "
                "post(), scope(), resources(), forward()..."
            )

    def controller(self, spec: ResourcesSpec) -> Any:
        controller = spec.controller
        if not isinstance(controller, type):
            return controller
        key = id(controller)
        if key not in self.instances:
            try:
                self.instances[key] = controller()
            except Exception as exc:  # noqa: BLE001 - reported with its place
                self.errors.append(
                    f"resources({spec.path!r}) at {spec.location}: cannot instantiate "
                    f"{describe_callable(controller)} ({callable_location(controller)}) with "
                    f"no arguments: {exc!r}"
                )
                self.instances[key] = None
        return self.instances[key]

    def resources(self, spec: ResourcesSpec, ctx: _Ctx) -> None:
        table = _SINGULAR if spec.singular else _PLURAL
        valid = [action for action, _, _ in table]
        where = f"resources({spec.path!r}) at {spec.location}"
        if not isinstance(spec.path, str) or not spec.path.startswith("/"):
            self.errors.append(f"{where}: the path must be a string starting with '/'")
            return
        requested = set(spec.only or ()) | set(spec.except_)
        unknown = sorted(requested - set(valid))
        if unknown:
            self.errors.append(
                f"{where}: unknown action(s) {', '.join(unknown)}; valid: {', '.join(valid)}"
            )
            return
        if spec.only is not None and spec.except_:
            self.errors.append(f"{where}: give only= or except_=, not both")
            return
        statics = [s for s in spec.path.strip("/").split("/") if s and s[0] not in ":*"]
        base = spec.name or (statics[-1].replace("-", "_") if statics else None)
        if base is None:
            self.errors.append(f"{where}: cannot derive a route name; pass name=")
            return
        instance = self.controller(spec)
        if instance is None:
            return
        full = f"{ctx.name_prefix}{base}"
        inner = _Ctx(
            join_paths(ctx.prefix, spec.path),
            ctx.plugs + _plugs(spec.pipe_through, spec.location),
            f"{full}.",
        )
        routed = 0
        for action, methods, suffix in table:
            if spec.only is not None and action not in spec.only:
                continue
            if action in spec.except_:
                continue
            handler = getattr(instance, action, None)
            if handler is None or not callable(handler):
                if spec.only is not None:
                    self.errors.append(
                        f"{where}: only= lists {action!r} but {describe_callable(instance)} "
                        f"({callable_location(instance)}) has no {action!r} method"
                    )
                continue
            routed += 1
            path = join_paths(inner.prefix, suffix.format(param=spec.param))
            route = RouteSpec("http", methods, "/", handler, None, (), spec.location, action)
            self.flat.append(_Flat(route, path, inner.plugs, f"{full}.{action}"))
        if routed == 0 and spec.only is None:
            self.errors.append(
                f"{where}: {describe_callable(instance)} ({callable_location(instance)}) "
                f"defines none of the actions {', '.join(valid)}"
            )
        if spec.entries:
            member = spec.nested_param or f"{_singular(base)}_{spec.param}"
            nested_prefix = inner.prefix if spec.singular else f"{inner.prefix}/:{member}"
            nested = _Ctx(join_paths(nested_prefix, "/"), inner.plugs, inner.name_prefix)
            for child in spec.entries:
                self.entry(child, nested, spec.location)

    def check_plugs(self, flat: _Flat, checked: set[int]) -> tuple[Any, ...]:
        for plug, attached in flat.plugs:
            if id(plug) in checked:
                continue
            checked.add(id(plug))
            if isinstance(plug, str):
                self.errors.append(
                    f"unknown plug {plug!r} ({attached}, used by {flat.path} at "
                    f"{flat.spec.location}): pass a pipeline(...) value or a plug, not a name"
                )
                continue
            try:
                check_plug(plug)
            except SignatureError as exc:
                self.errors.append(
                    f"invalid plug ({attached}, used by {flat.path}; plug defined at "
                    f"{callable_location(plug)}): {exc}"
                )
        return tuple(plug for plug, _ in flat.plugs)

    def build(self, flat: _Flat, checked: set[int]) -> Route | None:
        spec = flat.spec
        label = f"{'/'.join(spec.methods)} {flat.path} (declared at {spec.location})"
        plugs = self.check_plugs(flat, checked)
        try:
            parsed = parse_path(flat.path)
        except PathSyntaxError as exc:
            self.errors.append(f"invalid route path for {label}: {exc}")
            return None
        bad = [m for m in spec.methods if not m or not _TOKEN.issuperset(m)]
        if spec.kind == "http" and (bad or not spec.methods):
            self.errors.append(f"invalid method(s) {bad or '(none)'} for {label}")
            return None
        signature: HandlerSignature | None = None
        where = callable_location(spec.target)
        if spec.kind == "forward":
            if not parsed.is_static:
                self.errors.append(f"forward {label}: the prefix must be static (no :params)")
                return None
            if not (callable(spec.target) or hasattr(spec.target, "handle_http")):
                self.errors.append(
                    f"forward {label}: {spec.target!r} is not an app (an ASGI callable or an "
                    "object with handle_http); wrap a Router in App(router)"
                )
                return None
        else:
            try:
                signature = analyse_handler(spec.target, parsed.param_names)
            except SignatureError as exc:
                self.errors.append(f"{label}: {exc} (handler defined at {where})")
                return None
        return Route(
            methods=spec.methods,
            path=parsed.path,
            handler=spec.target,
            pipeline=plugs,
            name=flat.name,
            kind=spec.kind,
            signature=signature,
            location=spec.location,
            handler_location=where,
            parsed=parsed,
            action=spec.action,
        )

    def conflicts(self, routes: list[Route]) -> None:
        by_shape: dict[tuple[str, ...], dict[str, Route]] = {}
        forwards: list[Route] = []
        names: dict[str, Route] = {}
        for route in routes:
            slot = by_shape.setdefault(route.parsed.shape, {})
            if route.kind == "forward":
                if slot:
                    self.errors.append(
                        _clash("duplicate route", route, next(iter(slot.values())), None)
                    )
                slot["*"] = route
            else:
                for method in route.methods:
                    other = slot.get(method) or slot.get("*")
                    if other is not None:
                        self.errors.append(_clash("duplicate route", route, other, method))
                        break
                    slot[method] = route
            if route.kind == "forward":
                forwards.append(route)
            if route.name is not None:
                known = names.setdefault(route.name, route)
                if known is not route and known.path != route.path:
                    self.errors.append(
                        f"route name {route.name!r} is used by {known.path} (declared at "
                        f"{known.location}) and by {route.path} (declared at {route.location}): "
                        "give one of them another name="
                    )
        for fwd in forwards:
            prefix = fwd.parsed.shape
            for route in routes:
                shape = route.parsed.shape
                if shape[: len(prefix)] == prefix and shape != prefix:  # same: a duplicate
                    self.errors.append(_clash("route below a forward", route, fwd, None))
        self.shadowed(routes, by_shape)

    def shadowed(
        self, routes: list[Route], by_shape: dict[tuple[str, ...], dict[str, Route]]
    ) -> None:
        """Report wildcards that can never match: ``/a/:x`` + ``/a/:x/*r`` cover ``/a/*r``."""

        def accepts(shape: tuple[str, ...], method: str) -> Route | None:
            slot = by_shape.get(shape, {})
            route = slot.get(method)
            if route is None and method == "HEAD" and "HEAD" not in slot:
                route = slot.get("GET")  # the automatic HEAD of a GET route
            return route

        def covers(shape: tuple[str, ...], method: str) -> bool:
            # Does something beat a wildcard for every 1+ segments after ``shape``?
            if accepts((*shape, "*"), method) is not None:
                return True
            param = (*shape, ":")
            return accepts(param, method) is not None and covers(param, method)

        for route in routes:
            shape = route.parsed.shape
            if not shape or shape[-1] != "*" or route.kind == "forward":
                continue
            param = (*shape[:-1], ":")
            for method in route.methods:
                other = accepts(param, method)
                if by_shape[shape].get(method) is route and other and covers(param, method):
                    note = (
                        f"with the routes below {other.path}, every path the wildcard "
                        "would match has a more specific route"
                    )
                    self.errors.append(_clash("shadowed route", route, other, method, note))
                    break


def _describe(route: Route) -> str:
    return (
        f"{route.path} declared at {route.location} -> "
        f"{describe_callable(route.handler)} ({route.handler_location})"
    )


def _clash(what: str, route: Route, other: Route, method: str | None, note: str = "") -> str:
    shown = f" {method}" if method else ""
    if other.kind == "forward" or route.kind == "forward":
        fix = "the mounted app owns every path below its prefix: move the route there"
    elif what == "shadowed route":
        fix = "remove the wildcard route, or one of the routes that cover it"
    else:
        fix = "remove one, or change its method or path (parameter names do not count)"
    extra = f"\n    ({note})" if note else ""
    return (
        f"{what}{shown}: {_describe(route)}\n    conflicts with {_describe(other)}{extra}"
        f"\n    fix: {fix}"
    )


def compile_routes(
    entries: Iterable[Any], pipe_through: tuple[Any, ...], location: str
) -> list[Route]:
    """Flatten and validate route declarations into compiled routes.

    Args:
        entries: What was passed to ``Router(...)``.
        pipe_through: Router-wide pipelines or plugs.
        location: ``file:line`` of the ``Router(...)`` call.

    Returns:
        The routes, in declaration order.

    Raises:
        ImproperlyConfigured: Every problem found (one per line, numbered).
    """
    compiler = _Compiler()
    root = _Ctx("/", _plugs(pipe_through, location), "")
    for entry in entries:
        compiler.entry(entry, root, location)
    checked: set[int] = set()
    routes = [r for r in (compiler.build(f, checked) for f in compiler.flat) if r is not None]
    compiler.conflicts(routes)
    if compiler.errors:
        count = len(compiler.errors)
        body = "\n".join(f"{i}. {err}" for i, err in enumerate(compiler.errors, 1))
        raise ImproperlyConfigured(
            f"{count} routing error{'s' if count > 1 else ''} in the Router at {location}:\n{body}"
        )
    return routes
