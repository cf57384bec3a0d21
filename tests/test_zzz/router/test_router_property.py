"""Property tests: the radix tree agrees with a brute-force matcher; path() round-trips."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, unquote

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from zzz.exceptions import ImproperlyConfigured
from zzz.router import (
    AutomaticOptions,
    Found,
    MethodNotAllowed,
    NotFound,
    Redirect,
    Router,
    match,
)

METHODS = ("GET", "POST", "DELETE", "HEAD", "OPTIONS")
STATICS = ("a", "b", "c")
PARAM_NAMES = ("x", "y", "z", "id")
RANK = {"static": 0, "param": 1, "wildcard": 2}


async def handler(conn, **params): ...


# A generated route: (methods, segments) where a segment is ("static", text),
# ("param", name) or ("wildcard", name).
segment = st.one_of(
    st.sampled_from(STATICS).map(lambda s: ("static", s)),
    st.sampled_from(PARAM_NAMES).map(lambda n: ("param", n)),
)


@st.composite
def route_defs(draw):
    segs = draw(st.lists(segment, max_size=4))
    if draw(st.booleans()) and draw(st.booleans()):
        segs.append(("wildcard", draw(st.sampled_from(("rest", "x")))))
    methods = tuple(sorted(draw(st.sets(st.sampled_from(METHODS), min_size=1, max_size=2))))
    return methods, tuple(segs)


def path_of(segs) -> str:
    prefix = {"static": "", "param": ":", "wildcard": "*"}
    return "/" + "/".join(prefix[kind] + value for kind, value in segs)


def valid(defs) -> bool:
    seen: set[tuple[object, str]] = set()
    for methods, segs in defs:
        names = [v for k, v in segs if k != "static"]
        if len(names) != len(set(names)):
            return False
        shape = tuple(v if k == "static" else k for k, v in segs)
        for method in methods:
            if (shape, method) in seen:
                return False
            seen.add((shape, method))
    return not any(shadowed(defs, index) for index in range(len(defs)))


def shadowed(defs, index: int) -> bool:
    """Brute force: can the wildcard route ``index`` win for each of its methods?

    Fresh segment values ("zz", never a static) give the wildcard its best chance;
    beyond the longest route only wildcards can match, so longer paths add nothing.
    """
    methods, segs = defs[index]
    if not segs or segs[-1][0] != "wildcard":
        return False
    prefix = [value if kind == "static" else "zz" for kind, value in segs[:-1]]
    longest = max(len(s) for _, s in defs)
    for method in methods:
        wins = False
        for extra in range(1, longest + 2):
            path = "/" + "/".join(prefix + ["zz"] * extra)
            got = reference(defs, method, path)
            if got[0] == "found" and got[1] == index:
                wins = True
                break
        if not wins:
            return True
    return False


def matches_path(segs, request: list[str]) -> dict[str, str] | None:
    params: dict[str, str] = {}
    for index, (kind, value) in enumerate(segs):
        if kind == "wildcard":
            rest = request[index:]
            if not rest or any(not s or "/" in s or "\x00" in s for s in rest):
                return None
            params[value] = "/".join(rest)
            return params
        if index >= len(request):
            return None
        seg = request[index]
        if kind == "static" and seg != value:
            return None
        if kind == "param":
            if not seg:
                return None
            params[value] = seg
    return params if len(segs) == len(request) else None


def accepts(defs, index: int, method: str) -> bool:
    methods, segs = defs[index]
    if method in methods:
        return True
    if method != "HEAD" or "GET" not in methods:
        return False
    shape = tuple(v if k == "static" else k for k, v in segs)
    return not any(
        "HEAD" in m and tuple(v if k == "static" else k for k, v in s) == shape for m, s in defs
    )


def reference(defs, method: str, path: str):
    """Brute force over every route with the documented priority rules."""
    if not path.startswith("/"):
        return ("404",)
    request = [] if path == "/" else [unquote(s) for s in path[1:].split("/")]
    if any(s in (".", "..") for s in request):
        return ("404",)
    candidates = []
    allow: set[str] = set()
    for index, (methods, segs) in enumerate(defs):
        params = matches_path(segs, request)
        if params is None:
            continue
        allow.update(m for m in METHODS if accepts(defs, index, m) and m != "OPTIONS")
        allow.update(methods)
        if accepts(defs, index, method):
            candidates.append((tuple(RANK[k] for k, _ in segs), index, params))
    if candidates:
        _, index, params = min(candidates)
        return ("found", index, params)
    if allow:
        allow.add("OPTIONS")
        return ("options" if method == "OPTIONS" else "405", frozenset(allow))
    if len(request) > 1 and request[-1] == "":
        stripped = path.rstrip("/")
        if stripped[1:2] not in ("/", "\\") and reference(defs, method, stripped)[0] in (
            "found",
            "options",
        ):
            return ("redirect", quote(stripped, safe="/%!$&'()*+,;=:@-._~"))
    return ("404",)


def observed(router: Router, method: str, path: str):
    result = router.match(method, path)
    if isinstance(result, Found):
        assert result.route.name is not None
        return ("found", int(result.route.name[1:]), result.params)
    if isinstance(result, MethodNotAllowed):
        return ("405", frozenset(result.allow))
    if isinstance(result, AutomaticOptions):
        return ("options", frozenset(result.allow))
    if isinstance(result, Redirect):
        return ("redirect", result.location)
    assert isinstance(result, NotFound)
    return ("404",)


def build(defs) -> Router:
    return Router(
        *(match(list(m), path_of(s), handler, name=f"r{i}") for i, (m, s) in enumerate(defs))
    )


request_segment = st.sampled_from(
    ["a", "b", "c", "d", "%61", "a%2Fb", "", "..", "%2e", "x y", "%C3%A9"]
)
request_path = st.lists(request_segment, max_size=6).map(lambda segs: "/" + "/".join(segs))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    defs=st.lists(route_defs(), max_size=10),
    requests=st.lists(st.tuples(st.sampled_from(METHODS), request_path), min_size=1, max_size=8),
)
def test_tree_agrees_with_brute_force(defs, requests):
    try:
        router = build(defs)
    except ImproperlyConfigured:
        assert not valid(defs)
        return
    assert valid(defs)
    for method, path in requests:
        assert observed(router, method, path) == reference(defs, method, path), (method, path)


param_text = st.text(
    alphabet=st.sampled_from("ab/%? .#é\u2603-_~+&="), min_size=1, max_size=6
).filter(lambda t: t not in (".", ".."))
wildcard_parts = st.lists(
    st.text(alphabet=st.sampled_from("ab%? .é"), min_size=1, max_size=4).filter(
        lambda t: t not in (".", "..")
    ),
    min_size=1,
    max_size=3,
)


@settings(max_examples=200, deadline=None)
@given(defs=st.lists(route_defs(), min_size=1, max_size=8), data=st.data())
def test_path_then_match_round_trips(defs, data):
    if not valid(defs):
        return
    router = build(defs)
    for index, (methods, segs) in enumerate(defs):
        params: dict[str, Any] = {}
        for kind, name in segs:
            if kind == "param":
                params[name] = data.draw(param_text)
            elif kind == "wildcard":
                params[name] = data.draw(wildcard_parts)
        built = router.path(f"r{index}", **params)
        method = methods[0]
        got = observed(router, method, built)
        assert got == reference(defs, method, built)
        if got[0] == "found" and got[1] == index:
            expected = {k: "/".join(v) if isinstance(v, list) else v for k, v in params.items()}
            assert got[2] == expected
        else:  # a more specific route legitimately wins
            assert got[0] == "found"
            rank = tuple(RANK[k] for k, _ in defs[got[1]][1])
            assert rank < tuple(RANK[k] for k, _ in segs)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=30))
def test_parse_path_accepts_or_raises_path_syntax_error(text):
    from zzz.router.paths import PathSyntaxError, parse_path

    try:
        parsed = parse_path(text)
    except PathSyntaxError:
        return
    assert parse_path(parsed.path) == parsed  # canonical form is stable


def match_or_error(router: Router, method: str, path: str):
    from zzz.exceptions import HTTPError

    try:
        return router.match(method, path)
    except HTTPError as exc:
        return exc


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet=st.sampled_from("/%.aF2E0\x00 \\?é"), max_size=20), st.sampled_from(METHODS)
)
def test_match_never_crashes_on_arbitrary_paths(path, method):
    from zzz.exceptions import HTTPError

    async def files(conn, path: str): ...

    router = Router(match("*", "/:a/:b", handler), match("*", "/f/*path", files))
    result = match_or_error(router, method, path)
    if isinstance(result, HTTPError):
        assert result.status == 400  # invalid UTF-8 in a percent-escape
        return
    if isinstance(result, Found):
        for value in result.params.values():
            assert value not in ("", ".", "..")
        if "path" in result.params:
            assert all(seg not in ("", ".", "..") for seg in result.params["path"].split("/"))
            assert "\x00" not in result.params["path"]
