"""Route path syntax, safe request-path splitting and verified path building.

Route paths are written decoded, one ``/`` between segments::

    /users                 static segments
    /users/:id             a named parameter: exactly one non-empty segment
    /files/*path           a wildcard: one or more segments, always the last one

Request paths are split on ``/`` *before* percent-decoding, and every segment is
decoded exactly once, so ``%2F`` never creates a segment boundary and a decoded ``.``
or ``..`` segment never reaches a handler (such paths match nothing).
"""

from __future__ import annotations

import enum
import keyword
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final
from urllib.parse import quote, unquote

from zzz.exceptions import HTTPError, ZzzError

__all__ = [
    "InvalidRouteParams",
    "ParsedPath",
    "PathSyntaxError",
    "Segment",
    "SegmentKind",
    "UnknownRoute",
    "build_path",
    "encode_param",
    "join_paths",
    "params_extractor",
    "parse_path",
    "split_request_path",
]

#: Characters left unescaped in a built path segment (RFC 3986 ``pchar`` minus ``%``).
_SAFE: Final = "-._~!$&'()*+,;=:@"
#: Characters a static route segment may not contain.
_FORBIDDEN_STATIC: Final = frozenset("/?#%\\")
_DOT_SEGMENTS: Final = frozenset({".", ".."})


class PathSyntaxError(ZzzError, ValueError):
    """A route path does not follow the path syntax (raised while compiling routes)."""


class UnknownRoute(ZzzError, LookupError):
    """``router.path()`` was called with a name no route has.

    The message lists the valid names (closest matches first).
    """


class InvalidRouteParams(ZzzError, ValueError):
    """``router.path()`` got missing, unexpected or unusable parameters for a route."""


class SegmentKind(enum.Enum):
    """What a route path segment matches."""

    #: Literal text, compared with the decoded request segment.
    STATIC = "static"
    #: ``:name`` — exactly one non-empty segment.
    PARAM = "param"
    #: ``*name`` — the rest of the path (one or more segments).
    WILDCARD = "wildcard"


@dataclass(frozen=True, slots=True)
class Segment:
    """One parsed segment of a route path.

    Attributes:
        kind: Static text, parameter or wildcard.
        value: The literal text (static) or the parameter name.
    """

    kind: SegmentKind
    value: str

    def __str__(self) -> str:
        """Render the segment back in route syntax."""
        if self.kind is SegmentKind.PARAM:
            return f":{self.value}"
        if self.kind is SegmentKind.WILDCARD:
            return f"*{self.value}"
        return self.value


@dataclass(frozen=True, slots=True)
class ParsedPath:
    """A validated route path.

    Attributes:
        path: The canonical path text (no trailing slash except for ``/``).
        segments: The parsed segments (empty for ``/``).
        param_names: Names of ``:param`` and ``*wildcard`` segments, in order.
    """

    path: str
    segments: tuple[Segment, ...]
    param_names: tuple[str, ...]

    @property
    def is_static(self) -> bool:
        """Whether the path has no parameters or wildcard."""
        return not self.param_names

    @property
    def shape(self) -> tuple[str, ...]:
        """The path with parameter names erased: two routes of one shape collide.

        Static segments keep their text (which never starts with ``:`` or ``*``);
        parameters become ``":"`` and a wildcard ``"*"``.
        """
        return tuple(
            seg.value
            if seg.kind is SegmentKind.STATIC
            else (":" if seg.kind is SegmentKind.PARAM else "*")
            for seg in self.segments
        )

    @property
    def wildcard(self) -> str | None:
        """The wildcard's name, if the path ends in one."""
        if self.segments and self.segments[-1].kind is SegmentKind.WILDCARD:
            return self.segments[-1].value
        return None


def join_paths(prefix: str, path: str) -> str:
    """Join a scope prefix and a route path with exactly one ``/`` between them.

    Args:
        prefix: The enclosing scope's path, e.g. ``"/api"`` or ``"/"``.
        path: The route's own path, e.g. ``"/users"`` or ``"/"``.

    Returns:
        The joined path, without a trailing slash unless it is ``"/"``.

    Example:
        >>> join_paths("/api/", "/users/")
        '/api/users'
    """
    joined = prefix.rstrip("/") + "/" + path.lstrip("/")
    return joined.rstrip("/") or "/"


def _check_name(name: str, path: str) -> None:
    if not name.isidentifier() or keyword.iskeyword(name) or name.startswith("_"):
        raise PathSyntaxError(
            f"invalid parameter name {name!r} in {path!r}: parameter names must be Python "
            "identifiers, not keywords, not starting with '_'"
        )


def parse_path(path: str) -> ParsedPath:
    """Parse and validate a route path.

    Args:
        path: A route path such as ``"/users/:id"`` or ``"/files/*path"``.

    Returns:
        The parsed path.

    Raises:
        PathSyntaxError: The path is not valid route syntax (the message says why).

    Example:
        >>> parse_path("/users/:id").param_names
        ('id',)
    """
    if not isinstance(path, str) or not path.startswith("/"):
        raise PathSyntaxError(f"route path {path!r} must be a string starting with '/'")
    canonical = path.rstrip("/") or "/"
    if canonical == "/":
        return ParsedPath("/", (), ())
    segments: list[Segment] = []
    names: list[str] = []
    parts = canonical[1:].split("/")
    for index, part in enumerate(parts):
        if not part:
            raise PathSyntaxError(f"empty segment ('//') in route path {path!r}")
        if part[0] in ":*":
            name = part[1:]
            _check_name(name, path)
            if name in names:
                raise PathSyntaxError(
                    f"parameter {name!r} appears twice in route path {path!r}: "
                    "rename one of them (each parameter needs its own name)"
                )
            names.append(name)
            if part[0] == "*":
                if index != len(parts) - 1:
                    raise PathSyntaxError(
                        f"wildcard '*{name}' must be the last segment of route path {path!r}"
                    )
                segments.append(Segment(SegmentKind.WILDCARD, name))
            else:
                segments.append(Segment(SegmentKind.PARAM, name))
            continue
        bad = sorted(_FORBIDDEN_STATIC.intersection(part))
        if bad or part in _DOT_SEGMENTS or not part.isprintable() or " " in part:
            raise PathSyntaxError(
                f"invalid static segment {part!r} in route path {path!r}: write paths decoded, "
                "without '?', '#', '%', '\\', spaces, control characters or '.'/'..' segments"
            )
        segments.append(Segment(SegmentKind.STATIC, part))
    return ParsedPath(canonical, tuple(segments), tuple(names))


def params_extractor(parsed: ParsedPath) -> Callable[[list[str]], dict[str, str]]:
    """Build a specialised ``segments -> params`` function for one route (at startup).

    Args:
        parsed: The route's parsed path.

    Returns:
        A function taking the request's decoded segments (already matched against
        the route) and returning its parameters; a wildcard's segments are joined
        with ``/``.
    """
    slots = tuple(
        (seg.value, index)
        for index, seg in enumerate(parsed.segments)
        if seg.kind is SegmentKind.PARAM
    )
    if parsed.wildcard is not None:
        wname, windex = parsed.wildcard, len(parsed.segments) - 1

        def with_wildcard(segs: list[str]) -> dict[str, str]:
            params = {name: segs[index] for name, index in slots}
            params[wname] = "/".join(segs[windex:])
            return params

        return with_wildcard
    if not slots:
        return lambda segs: {}
    if len(slots) == 1:
        ((name0, index0),) = slots
        return lambda segs: {name0: segs[index0]}
    if len(slots) == 2:
        (name0, index0), (name1, index1) = slots
        return lambda segs: {name0: segs[index0], name1: segs[index1]}
    if len(slots) == 3:
        (name0, index0), (name1, index1), (name2, index2) = slots
        return lambda segs: {name0: segs[index0], name1: segs[index1], name2: segs[index2]}
    return lambda segs: {name: segs[index] for name, index in slots}


def split_request_path(path: str) -> list[str] | None:
    """Split a raw request path into decoded segments, safely.

    The path is split on ``/`` first and each segment is percent-decoded once, so an
    encoded ``%2F`` stays inside its segment. ``"/"`` gives ``[]``; a trailing slash
    gives a final empty segment.

    Args:
        path: The raw (still percent-encoded) request path, without the query string.

    Returns:
        The decoded segments, or ``None`` when the path cannot match any route
        (it does not start with ``/`` or has a ``.``/``..`` segment, raw or decoded).

    Raises:
        HTTPError: 400 when a percent-escape decodes to invalid UTF-8.
    """
    if not path.startswith("/"):
        return None
    if path == "/":
        return []
    segments = path[1:].split("/")
    if "%" in path:
        try:
            segments = [unquote(seg, errors="strict") if "%" in seg else seg for seg in segments]
        except UnicodeDecodeError:
            raise HTTPError(400, "invalid percent-encoding in the request path") from None
    if "." in path or "%" in path:
        for seg in segments:
            if seg in _DOT_SEGMENTS:
                return None
    return segments


def encode_param(value: object) -> str:
    """Turn a parameter value into its path text (before percent-encoding).

    Enums use their ``value``, booleans become ``"true"``/``"false"``, anything else
    uses ``str()``, so ``router.path()`` output casts back to the same value.

    Args:
        value: The parameter value.

    Returns:
        The decoded text of the segment.
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, enum.Enum):
        return encode_param(value.value)
    return str(value)


def _encode_segment(text: str, name: str, route: str) -> str:
    if not text or text in _DOT_SEGMENTS:
        raise InvalidRouteParams(
            f"parameter {name!r} of route {route!r} cannot be {text!r}: "
            "path parameters must be non-empty and not '.' or '..'"
        )
    return quote(text, safe=_SAFE)


def build_path(parsed: ParsedPath, params: Mapping[str, object], route_name: str) -> str:
    """Build a request path for a parsed route from parameter values.

    Args:
        parsed: The route's parsed path.
        params: One value per parameter; a wildcard takes a ``"a/b"`` string or a
            sequence of segments.
        route_name: The route's name, used in error messages.

    Returns:
        The percent-encoded path.

    Raises:
        InvalidRouteParams: A parameter is missing, unexpected or unusable.
    """
    expected = set(parsed.param_names)
    given = set(params)
    if given != expected:
        missing = sorted(expected - given)
        extra = sorted(given - expected)
        wanted = ", ".join(parsed.param_names) or "none"
        raise InvalidRouteParams(
            f"route {route_name!r} ({parsed.path}) takes parameters: {wanted}"
            + (f"; missing: {', '.join(missing)}" if missing else "")
            + (f"; unexpected: {', '.join(extra)}" if extra else "")
        )
    if not parsed.segments:
        return "/"
    out: list[str] = []
    for seg in parsed.segments:
        if seg.kind is SegmentKind.STATIC:
            out.append(quote(seg.value, safe=_SAFE))
        elif seg.kind is SegmentKind.PARAM:
            out.append(_encode_segment(encode_param(params[seg.value]), seg.value, route_name))
        else:
            value = params[seg.value]
            parts: Sequence[object]
            if isinstance(value, str):
                parts = value.split("/")
            elif isinstance(value, list | tuple):
                parts = value
            else:
                parts = [value]
            if not parts:
                raise InvalidRouteParams(
                    f"wildcard {seg.value!r} of route {route_name!r} needs at least one segment"
                )
            for part in parts:
                text = encode_param(part)
                if "/" in text:
                    raise InvalidRouteParams(
                        f"wildcard {seg.value!r} of route {route_name!r}: a segment cannot "
                        f"contain '/' ({text!r})"
                    )
                out.append(_encode_segment(text, seg.value, route_name))
    return "/" + "/".join(out)
