"""Startup validation: every error names the places involved (file:line)."""

from __future__ import annotations

import re

import pytest
from zzz.exceptions import ImproperlyConfigured
from zzz.router import Router, delete, forward, get, pipeline, post, resources, scope, websocket

THIS = __file__


async def show(conn, id: int): ...


async def show_other(conn, user_id: int): ...


async def index(conn): ...


async def plug(conn): ...


def lines_of(message: str) -> list[int]:
    return [int(n) for n in re.findall(re.escape(THIS) + r":(\d+)", message)]


def error_for(*entries, **kwargs) -> str:
    with pytest.raises(ImproperlyConfigured) as info:
        Router(*entries, **kwargs)
    return str(info.value)


def test_duplicate_route_names_both_declarations_and_handlers():
    line = 1 + __import__("inspect").currentframe().f_lineno
    message = error_for(get("/users/:id", show), get("/users/:user_id", show_other))
    assert "duplicate route GET" in message
    assert f"{THIS}:{line}" in message
    assert "show_other" in message
    assert f"{THIS}:{show.__code__.co_firstlineno}" in message
    assert f"{THIS}:{show_other.__code__.co_firstlineno}" in message


def test_duplicate_through_scopes_and_match_overlap():
    message = error_for(
        scope("/api", routes=[get("/x", index)]),
        get("/api/x", index),
    )
    assert "duplicate route GET: /api/x" in message
    message = error_for(get("/y", index), post("/y", index), delete("/y", index), get("/y", index))
    assert message.count("duplicate route") == 1


def test_errors_are_all_collected():
    message = error_for(get("users", index), get("/a/:id", index), post("/a/:b/:b", index))
    assert message.startswith("3 routing errors in the Router at")
    assert "must start with '/'" in message
    assert "cannot receive path parameter(s) id" in message
    assert "appears twice" in message


def test_repeated_param_across_nested_scope():
    message = error_for(scope("/users/:id", routes=[get("/posts/:id", show)]))
    assert "parameter 'id' appears twice in route path '/users/:id/posts/:id'" in message


@pytest.mark.parametrize(
    ("path", "fragment"),
    [
        ("/a//b", "empty segment"),
        ("/*rest/x", "must be the last segment"),
        ("/:1abc", "invalid parameter name"),
        ("/:class", "invalid parameter name"),
        ("/:_private", "invalid parameter name"),
        ("/a?b", "invalid static segment"),
        ("/a%20b", "invalid static segment"),
        ("/../x", "invalid static segment"),
        ("/a b", "invalid static segment"),
    ],
)
def test_invalid_path_syntax(path, fragment):
    async def handler(conn, **params): ...

    message = error_for(get(path, handler))
    assert "invalid route path" in message
    assert fragment in message


def test_handler_not_async_callable_or_bad_signature():
    class NotCallable:
        pass

    message = error_for(get("/a", NotCallable()))
    assert "is not a function or callable instance" in message
    message = error_for(get("/a", NotCallable))
    assert "did you mean" in message

    async def no_conn(): ...

    assert "first positional parameter" in error_for(get("/a", no_conn))

    async def gen(conn):
        yield 1

    assert "is a generator" in error_for(get("/a", gen))

    async def star(conn, *args): ...

    assert "cannot be passed by keyword" in error_for(get("/a", star))


def test_handler_param_that_no_path_param_provides():
    async def needs_q(conn, q: str): ...

    message = error_for(get("/search", needs_q))
    assert "required parameter 'q' has no source" in message
    assert f"{THIS}:{needs_q.__code__.co_firstlineno}" in message


def test_path_param_the_handler_cannot_receive():
    message = error_for(get("/users/:id/posts/:post_id", show))
    assert "cannot receive path parameter(s) post_id" in message


def test_unsupported_annotation_for_path_param():
    async def bad(conn, id: list[int]): ...

    message = error_for(get("/x/:id", bad))
    assert "path parameter 'id' cannot be annotated" in message


def test_unresolvable_annotation():
    async def bad(conn, id: Missing): ...  # type: ignore[name-defined] # noqa: F821

    message = error_for(get("/x/:id", bad))
    assert "cannot resolve the annotation of 'id'" in message


def test_invalid_plugs_name_pipeline_and_plug_locations():
    def sync_plug(conn): ...

    class PlugClass:
        async def __call__(self, conn): ...

    async def two_args(conn, other): ...

    line = 1 + __import__("inspect").currentframe().f_lineno
    pipe = pipeline(sync_plug, PlugClass, two_args, name="browser")  # type: ignore[arg-type]
    message = error_for(scope("/", pipe_through=[pipe, "auth"], routes=[get("/", index)]))
    assert "is not async" in message
    assert "is a class, not a plug instance: write " in message
    assert "must accept exactly one argument" in message
    assert "unknown plug 'auth'" in message
    assert f"pipeline 'browser' declared at {THIS}:{line}" in message
    assert f"{THIS}:{sync_plug.__code__.co_firstlineno}" in message


def test_valid_plug_kinds():
    class Plug:
        def __init__(self, flag: bool) -> None:
            self.flag = flag

        async def __call__(self, conn) -> None: ...

    router = Router(get("/", index, pipe_through=[pipeline(Plug(True)), plug]))
    assert len(router.compiled_routes[0].pipeline) == 2


def test_forward_rules():
    async def app(scope, receive, send): ...

    message = error_for(forward("/admin", app), get("/admin/users", index))
    assert "route below a forward" in message
    assert "mounted app owns every path below its prefix" in message
    message = error_for(forward("/admin", app), forward("/admin", app))
    assert "duplicate route" in message
    assert "must be static" in error_for(forward("/o/:id", app))
    assert "is not an app" in error_for(forward("/x", object()))
    message = error_for(forward("/admin", app), get("/admin", index))
    assert "duplicate route" in message


def test_conflicting_route_names():
    async def other(conn): ...

    message = error_for(get("/a", index, name="x"), get("/b", other, name="x"))
    assert "route name 'x' is used by /a" in message
    # the same name for several methods of one path is fine (like Phoenix helpers)
    Router(get("/login", index, name="login"), post("/login", other, name="login"))


def test_resources_errors():
    class Ctl:
        async def index(self, conn): ...

    class Empty:
        pass

    class Broken:
        def __init__(self, needed): ...

        async def index(self, conn): ...

    assert "unknown action(s) destroy" in error_for(resources("/p", Ctl, only=["destroy"]))
    message = error_for(resources("/p", Ctl, only=["index", "show"]))
    assert "only= lists 'show'" in message
    assert "has no 'show' method" in message
    assert "defines none of the actions" in error_for(resources("/p", Empty))
    assert "give only= or except_=" in error_for(
        resources("/p", Ctl, only=["index"], except_=["show"])
    )
    assert "cannot instantiate" in error_for(resources("/p", Broken))
    assert "pass name=" in error_for(resources("/:x", Ctl))
    assert "must be a string starting with '/'" in error_for(resources("posts", Ctl))
    assert "scope path 'api'" in error_for(scope("api", get("/", index)))


def test_unknown_entry_and_bad_trailing_slash():
    assert "unknown route entry" in error_for("not a route")
    with pytest.raises(ImproperlyConfigured, match="use 'redirect' or 'strict'"):
        Router(trailing_slash="sometimes")  # type: ignore[arg-type]


def test_invalid_method_token():
    from zzz.router import match

    assert "invalid method(s)" in error_for(match(["GE T"], "/a", index))


def test_websocket_handler_is_validated_like_http():
    async def ws(socket, room: int): ...

    assert "required parameter 'room' has no source" in error_for(websocket("/ws/:name", ws))


def test_shadowed_wildcard_route():
    async def h(conn, **params): ...

    message = error_for(get("/a/*rest", h), get("/a/:x", h), get("/a/:x/*more", h))
    assert "shadowed route GET: /a/*rest" in message
    assert "conflicts with /a/:x declared at" in message
    deep = error_for(get("/b/*rest", h), get("/b/:x", h), get("/b/:x/:y", h), get("/b/:x/:y/*z", h))
    assert "shadowed route GET: /b/*rest" in deep
    # not shadowed: two segments are still the wildcard's
    Router(get("/c/*rest", h), get("/c/:x", h), get("/c/:x/:y/*z", h))
    # not shadowed for POST
    Router(post("/d/*rest", h), get("/d/:x", h), get("/d/:x/*z", h))
    # a literal static segment named like a kind does not collide with a parameter
    Router(get("/param", h), get("/:x", h), get("/wildcard", h), get("/*rest", h))
