"""Matching: priorities, backtracking, 404/405, HEAD/OPTIONS, trailing slash, decoding."""

from __future__ import annotations

import pytest
from zzz.exceptions import HTTPError
from zzz.router import (
    AutomaticOptions,
    Found,
    MethodNotAllowed,
    NotFound,
    Redirect,
    Router,
    delete,
    forward,
    get,
    head,
    match,
    options,
    post,
    put,
    websocket,
)


async def h(conn, **params): ...


async def h2(conn, **params): ...


async def asgi_app(scope, receive, send): ...


def found(router: Router, method: str, path: str) -> Found:
    result = router.match(method, path)
    assert isinstance(result, Found), (method, path, result)
    return result


def test_static_param_wildcard_priority():
    r = Router(
        get("/a/b", h, name="static"),
        get("/a/:x", h, name="param"),
        get("/a/*rest", h, name="wild"),
    )
    assert found(r, "GET", "/a/b").route.name == "static"
    assert found(r, "GET", "/a/c").route.name == "param"
    assert found(r, "GET", "/a/c").params == {"x": "c"}
    assert found(r, "GET", "/a/b/c").route.name == "wild"
    assert found(r, "GET", "/a/b/c").params == {"rest": "b/c"}


def test_backtracking_when_specific_branch_fails_deeper():
    r = Router(get("/a/b/d", h, name="abd"), get("/a/:x/c", h, name="axc"))
    assert found(r, "GET", "/a/b/d").route.name == "abd"
    assert found(r, "GET", "/a/b/c").route.name == "axc"
    assert found(r, "GET", "/a/b/c").params == {"x": "b"}
    assert isinstance(r.match("GET", "/a/b/e"), NotFound)


def test_backtracking_to_wildcard_after_param_fails():
    r = Router(get("/a/:x/c", h, name="p"), get("/a/*rest", h, name="w"))
    assert found(r, "GET", "/a/q/c").route.name == "p"
    assert found(r, "GET", "/a/q/d").route.name == "w"
    assert found(r, "GET", "/a/q/d").params == {"rest": "q/d"}


def test_backtracking_is_method_aware():
    r = Router(get("/a/b", h, name="get_static"), post("/a/:x", h, name="post_param"))
    assert found(r, "POST", "/a/b").route.name == "post_param"
    assert found(r, "GET", "/a/b").route.name == "get_static"
    assert isinstance(r.match("GET", "/a/zz"), MethodNotAllowed)


def test_param_names_belong_to_each_route():
    r = Router(get("/users/:id", h, name="show"), get("/users/:user_id/posts", h, name="posts"))
    assert found(r, "GET", "/users/3").params == {"id": "3"}
    assert found(r, "GET", "/users/3/posts").params == {"user_id": "3"}


def test_same_shape_different_methods_different_names():
    r = Router(get("/items/:id", h), delete("/items/:item_id", h2))
    assert found(r, "GET", "/items/1").params == {"id": "1"}
    assert found(r, "DELETE", "/items/1").params == {"item_id": "1"}


def test_404_and_405_with_allow():
    r = Router(get("/users", h), post("/users", h2), put("/users/:id", h))
    assert isinstance(r.match("GET", "/nope"), NotFound)
    result = r.match("DELETE", "/users")
    assert isinstance(result, MethodNotAllowed)
    assert result.allow == ("GET", "HEAD", "POST", "OPTIONS")
    result = r.match("GET", "/users/1")
    assert isinstance(result, MethodNotAllowed)
    assert result.allow == ("PUT", "OPTIONS")


def test_allow_is_the_union_over_matching_routes():
    r = Router(get("/a/b", h), post("/a/:x", h2), put("/a/*rest", h))
    result = r.match("DELETE", "/a/b")
    assert isinstance(result, MethodNotAllowed)
    assert result.allow == ("GET", "HEAD", "POST", "PUT", "OPTIONS")


def test_automatic_head_and_explicit_head():
    r = Router(get("/a", h, name="get_a"), get("/b", h, name="get_b"), head("/b", h2, name="hb"))
    assert found(r, "HEAD", "/a").route.name == "get_a"
    assert found(r, "HEAD", "/b").route.name == "hb"
    assert found(r, "GET", "/b").route.name == "get_b"


def test_automatic_and_explicit_options():
    r = Router(get("/a", h), post("/a", h), get("/b", h), options("/b", h2, name="ob"))
    result = r.match("OPTIONS", "/a")
    assert isinstance(result, AutomaticOptions)
    assert result.allow == ("GET", "HEAD", "POST", "OPTIONS")
    assert found(r, "OPTIONS", "/b").route.name == "ob"
    assert isinstance(r.match("OPTIONS", "/missing"), NotFound)


def test_match_star_and_custom_method():
    r = Router(match("*", "/any", h), match(["purge", "GET"], "/cache", h2))
    for method in ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"):
        assert found(r, method, "/any").route.handler is h
    assert found(r, "PURGE", "/cache").route.handler is h2


def test_trailing_slash_redirect_default():
    r = Router(get("/users", h), post("/users", h), get("/", h2), get("/:slug", h))
    assert r.match("GET", "/users/") == Redirect("/users", 301)
    assert r.match("POST", "/users/") == Redirect("/users", 308)
    assert r.match("GET", "/users//") == Redirect("/users", 301)
    assert isinstance(r.match("DELETE", "/missing/"), NotFound)
    assert found(r, "GET", "/").route.handler is h2


def test_trailing_slash_redirect_is_never_off_site():
    r = Router(get("/:slug", h))
    assert isinstance(r.match("GET", "//evil.example/"), NotFound)
    assert isinstance(r.match("GET", "/\\evil.example/"), NotFound)
    assert r.match("GET", "/ok/") == Redirect("/ok", 301)


def test_trailing_slash_strict():
    r = Router(get("/users", h), trailing_slash="strict")
    assert isinstance(r.match("GET", "/users/"), NotFound)
    assert isinstance(r.match("GET", "/users"), Found)


def test_route_paths_are_canonical_without_trailing_slash():
    r = Router(get("/users/", h, name="u"))
    assert r.compiled_routes[0].path == "/users"
    assert r.path("u") == "/users"


def test_percent_decoding_once_and_encoded_slash_stays_in_segment():
    r = Router(get("/tags/:tag", h), get("/files/*path", h2), get("/caf\u00e9", h, name="c"))
    assert found(r, "GET", "/tags/a%2Fb").params == {"tag": "a/b"}
    assert found(r, "GET", "/tags/100%25").params == {"tag": "100%"}
    assert found(r, "GET", "/tags/%2541").params == {"tag": "%41"}  # decoded once only
    assert found(r, "GET", "/caf%C3%A9").route.name == "c"
    assert found(r, "GET", "/caf\u00e9").route.name == "c"
    assert found(r, "GET", "/files/a/b").params == {"path": "a/b"}
    # an encoded slash can never forge extra segments inside a wildcard
    assert isinstance(r.match("GET", "/files/a%2F..%2Fetc"), NotFound)
    assert isinstance(r.match("GET", "/files/a%00b"), NotFound)


@pytest.mark.parametrize(
    "path",
    ["/files/../etc/passwd", "/files/%2e%2e/etc", "/files/a/./b", "/files/%2E", "/tags/..", "x"],
)
def test_dot_segments_and_relative_paths_never_match(path):
    r = Router(get("/tags/:tag", h), get("/files/*path", h2))
    assert isinstance(r.match("GET", path), NotFound)


def test_invalid_utf8_percent_escape_is_400():
    r = Router(get("/tags/:tag", h))
    with pytest.raises(HTTPError) as info:
        r.match("GET", "/tags/%ff")
    assert info.value.status == 400


def test_empty_segments_do_not_match_params():
    r = Router(get("/a/:x/b", h), get("/w/*rest", h))
    assert isinstance(r.match("GET", "/a//b"), NotFound)
    assert isinstance(r.match("GET", "/w/a//b"), NotFound)


def test_forward_prefix_and_remaining():
    r = Router(get("/", h), forward("/admin", asgi_app, name="admin"))
    result = found(r, "POST", "/admin/users/1")
    assert result.route.kind == "forward"
    assert (result.prefix, result.remaining) == ("/admin", "/users/1")
    result = found(r, "GET", "/admin")
    assert (result.prefix, result.remaining) == ("/admin", "")
    assert found(r, "GET", "/admin/").remaining == "/"
    assert found(r, "GET", "/adm%69n/x").prefix == "/adm%69n"
    assert found(r, "WEBSOCKET", "/admin/live").route.kind == "forward"
    assert isinstance(r.match("GET", "/administrator"), NotFound)
    assert r.path("admin") == "/admin"


def test_websocket_routes_use_the_websocket_pseudo_method():
    r = Router(websocket("/ws/:room", h, name="ws"), get("/ws/:room", h2))
    result = found(r, "WEBSOCKET", "/ws/lobby")
    assert result.route.kind == "websocket"
    assert result.params == {"room": "lobby"}
    assert found(r, "GET", "/ws/lobby").route.handler is h2
    assert isinstance(r.match("WEBSOCKET", "/ws/lobby/"), NotFound)  # never redirected
    only_ws = Router(websocket("/socket", h))
    assert isinstance(only_ws.match("GET", "/socket"), NotFound)
    assert isinstance(only_ws.match("WEBSOCKET", "/nope"), NotFound)


def test_static_fast_path_falls_back_for_other_methods():
    r = Router(get("/a/b", h), post("/a/:x", h2))
    assert found(r, "POST", "/a/b").params == {"x": "b"}


def test_root_only_router_and_empty_router():
    assert isinstance(Router().match("GET", "/"), NotFound)
    r = Router(get("/", h))
    assert found(r, "GET", "/").params == {}
    assert isinstance(r.match("GET", "/x"), NotFound)


def test_redirect_location_is_percent_encoded():
    r = Router(get("/:slug", h))
    assert r.match("GET", "/a b/") == Redirect("/a%20b", 301)
    assert r.match("GET", "/a%20b/") == Redirect("/a%20b", 301)
    result = r.match("GET", "/x\r\nSet-Cookie:1/")
    assert isinstance(result, Redirect)
    assert "\r" not in result.location
    assert "\n" not in result.location


def test_wildcard_with_trailing_slash_redirects():
    r = Router(get("/files/*path", h))
    assert r.match("GET", "/files/a/b/") == Redirect("/files/a/b", 301)
    assert isinstance(r.match("GET", "/files"), NotFound)
    assert isinstance(r.match("GET", "/files/"), NotFound)
