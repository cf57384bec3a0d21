"""The DSL: scopes, pipelines, resources, names, verified paths and the route table."""

from __future__ import annotations

import enum
import uuid

import pytest
from zzz.router import (
    Found,
    InvalidRouteParams,
    Router,
    UnknownRoute,
    format_table,
    forward,
    get,
    patch,
    pipeline,
    post,
    put,
    resources,
    routes,
    scope,
    websocket,
)


async def p1(conn): ...


async def p2(conn): ...


async def p3(conn): ...


async def p4(conn): ...


async def index(conn): ...


async def show(conn, id: int): ...


class PostController:
    async def index(self, conn): ...

    async def new(self, conn): ...

    async def create(self, conn): ...

    async def show(self, conn, id: int): ...

    async def edit(self, conn, id: int): ...

    async def update(self, conn, id: int): ...

    async def delete(self, conn, id: int): ...


class CommentController:
    instances = 0

    def __init__(self) -> None:
        CommentController.instances += 1

    async def index(self, conn, post_id: int): ...

    async def show(self, conn, post_id: int, id: int): ...


class ProfileController:
    async def show(self, conn): ...

    async def edit(self, conn): ...

    async def update(self, conn): ...


def table(router: Router) -> set[tuple[str, str, str | None]]:
    return {(row.method, row.path, row.name) for row in routes(router)}


def test_scopes_nest_paths_pipelines_and_names():
    outer = pipeline(p1, p2, name="browser")
    router = Router(
        scope(
            "/admin",
            pipe_through=[outer],
            name="admin",
            routes=[
                scope("/reports", get("/:id", show, name="report"), pipe_through=[p3]),
                get("/", index, name="home", pipe_through=[p4]),
            ],
        ),
        pipe_through=[pipeline(p4)],
    )
    report, home = router.compiled_routes
    assert report.path == "/admin/reports/:id"
    assert report.name == "admin.report"
    assert report.pipeline == (p4, p1, p2, p3)
    assert home.path == "/admin"
    assert home.pipeline == (p4, p1, p2, p4)
    assert router.path("admin.report", id=4) == "/admin/reports/4"


def test_pipelines_flatten_nested_pipelines():
    inner = pipeline(p1, p2)
    outer = pipeline(inner, p3, name="x")
    assert outer.plugs == (p1, p2, p3)
    assert outer.location.endswith(f"{__file__.rsplit('/', 1)[-1]}:{outer_line()}")


def outer_line() -> int:
    import inspect

    source, start = inspect.getsourcelines(test_pipelines_flatten_nested_pipelines)
    return start + next(i for i, line in enumerate(source) if "outer = pipeline" in line)


def test_resources_generate_the_seven_actions():
    router = Router(resources("/posts", PostController))
    assert table(router) == {
        ("GET", "/posts", "posts.index"),
        ("GET", "/posts/new", "posts.new"),
        ("POST", "/posts", "posts.create"),
        ("GET", "/posts/:id", "posts.show"),
        ("GET", "/posts/:id/edit", "posts.edit"),
        ("PATCH", "/posts/:id", "posts.update"),
        ("PUT", "/posts/:id", "posts.update"),
        ("DELETE", "/posts/:id", "posts.delete"),
    }
    result = router.match("GET", "/posts/new")
    assert isinstance(result, Found)
    assert result.route.action == "new"
    result = router.match("GET", "/posts/12")
    assert isinstance(result, Found)
    assert result.route.action == "show"
    assert result.params == {"id": "12"}


def test_resources_only_and_except():
    only = Router(resources("/posts", PostController, only=["index", "show"]))
    assert {name for _, _, name in table(only)} == {"posts.index", "posts.show"}
    rest = Router(resources("/posts", PostController, except_=["delete", "edit", "new"]))
    assert {name for _, _, name in table(rest)} == {
        "posts.index",
        "posts.create",
        "posts.show",
        "posts.update",
    }


def test_only_existing_actions_are_routed_and_controller_is_instantiated_once():
    CommentController.instances = 0
    router = Router(
        scope(
            "/posts/:post_id",
            resources("/comments", CommentController),
            resources("/replies", CommentController, name="replies"),
        )
    )
    assert CommentController.instances == 1
    assert {name for _, _, name in table(router)} == {
        "comments.index",
        "comments.show",
        "replies.index",
        "replies.show",
    }
    route = next(r for r in router.compiled_routes if r.name == "comments.show")
    assert isinstance(route.handler.__self__, CommentController)


def test_nested_and_singular_resources():
    router = Router(
        scope(
            "/api",
            name="api",
            routes=[
                resources(
                    "/posts",
                    PostController,
                    only=["show"],
                    routes=[resources("/comments", CommentController)],
                ),
                resources("/profile", ProfileController, singular=True),
            ],
        )
    )
    assert table(router) == {
        ("GET", "/api/posts/:id", "api.posts.show"),
        ("GET", "/api/posts/:post_id/comments", "api.posts.comments.index"),
        ("GET", "/api/posts/:post_id/comments/:id", "api.posts.comments.show"),
        ("GET", "/api/profile", "api.profile.show"),
        ("GET", "/api/profile/edit", "api.profile.edit"),
        ("PATCH", "/api/profile", "api.profile.update"),
        ("PUT", "/api/profile", "api.profile.update"),
    }
    assert router.path("api.posts.comments.show", post_id=1, id=2) == "/api/posts/1/comments/2"


def test_nested_param_is_singularised_or_explicit():
    class Cat:
        async def index(self, conn, category_id: int): ...

    class Box:
        async def index(self, conn, box_id: int): ...

    class Item:
        async def index(self, conn, owner: str): ...

    router = Router(
        resources("/categories", PostController, only=["index"], routes=[resources("/c", Cat)]),
        resources("/boxes", PostController, only=["index"], routes=[resources("/b", Box)]),
        resources(
            "/owners",
            PostController,
            only=["index"],
            nested_param="owner",
            routes=[resources("/i", Item)],
        ),
    )
    paths = {row.path for row in routes(router)}
    assert {"/categories/:category_id/c", "/boxes/:box_id/b", "/owners/:owner/i"} <= paths


def test_verified_path_errors_list_valid_names_and_params():
    router = Router(
        get("/users/:id", show, name="user"),
        get("/", index, name="home"),
        resources("/posts", PostController, only=["show"]),
    )
    with pytest.raises(UnknownRoute) as info:
        router.path("usr", id=1)
    assert "Did you mean: user" in str(info.value)
    assert "Valid names: home, posts.show, user" in str(info.value)
    with pytest.raises(InvalidRouteParams, match=r"takes parameters: id; missing: id"):
        router.path("user")
    with pytest.raises(InvalidRouteParams, match=r"unexpected: page"):
        router.path("user", id=1, page=2)
    with pytest.raises(InvalidRouteParams, match=r"cannot be ''"):
        router.path("user", id="")
    with pytest.raises(InvalidRouteParams, match=r"cannot be '..'"):
        router.path("user", id="..")
    router.check_path("user", ["id"])
    with pytest.raises(InvalidRouteParams):
        router.check_path("user", ["id", "x"])
    with pytest.raises(UnknownRoute):
        router.check_path("nope", [])
    assert isinstance(UnknownRoute("x"), LookupError)
    assert isinstance(InvalidRouteParams("x"), ValueError)


class Kind(enum.Enum):
    BIG = "big one"


def test_path_encoding_and_query_and_url_for():
    async def files(conn, path: str): ...

    async def tag(conn, kind: Kind, flag: bool, ident: uuid.UUID, name: str): ...

    router = Router(
        get("/files/*path", files, name="files"),
        get("/t/:kind/:flag/:ident/:name", tag, name="tag"),
        get("/", index, name="home"),
    )
    assert router.path("files", path="a b/c%d") == "/files/a%20b/c%25d"
    assert router.path("files", path=("x", 3)) == "/files/x/3"
    with pytest.raises(InvalidRouteParams, match="cannot contain '/'"):
        router.path("files", path=["x/y"])
    ident = uuid.UUID(int=9)
    built = router.path("tag", kind=Kind.BIG, flag=False, ident=ident, name="a/b?")
    assert built == f"/t/big%20one/false/{ident}/a%2Fb%3F"
    assert router.path("home", _query={"q": "x y", "tag": ["a", "b"]}) == "/?q=x+y&tag=a&tag=b"
    assert router.url_for("home", _base="https://example.com/") == "https://example.com/"
    assert router.url_for("tag", "https://h", kind="big one", flag=True, ident=ident, name="n") == (
        f"https://h/t/big%20one/true/{ident}/n"
    )
    assert router.names == ("files", "home", "tag")


def test_routes_table_and_format():
    async def app(scope, receive, send): ...

    class SubApp:
        def __init__(self, router: Router) -> None:
            self.router = router

        async def __call__(self, scope, receive, send): ...

    sub = SubApp(Router(get("/stats", index, name="stats")))
    router = Router(
        scope("/", pipe_through=[pipeline(p1)], routes=[get("/", index, name="home")]),
        forward("/admin", sub, pipe_through=[p2]),
        forward("/asgi", app),
        websocket("/ws", index),
        put("/x", index),
        patch("/x", index),
        post("/x", index),
    )
    rows = routes(router)
    assert [(r.method, r.path, r.name) for r in rows] == [
        ("GET", "/", "home"),
        ("*", "/admin", None),
        ("GET", "/admin/stats", "stats"),
        ("*", "/asgi", None),
        ("WEBSOCKET", "/ws", None),
        ("PUT", "/x", None),
        ("PATCH", "/x", None),
        ("POST", "/x", None),
    ]
    assert rows[0].handler.endswith("index")
    assert rows[0].pipeline == (f"{__name__}.p1",)
    assert rows[2].pipeline == (f"{__name__}.p2",)
    assert rows[0].location.startswith(__file__)
    assert routes(sub)[0].path == "/stats"
    assert router.routes == rows
    text = format_table(rows)
    assert text.splitlines()[0].split() == [
        "home",
        "GET",
        "/",
        rows[0].handler,
        rows[0].pipeline[0],
    ]
    assert all(line == line.rstrip() for line in text.splitlines())
    assert format_table([]) == ""
    with pytest.raises(TypeError):
        routes(object())


def test_route_repr_is_short():
    router = Router(get("/users/:id", show, name="user"))
    assert repr(router.compiled_routes[0]) == "<Route GET /users/:id name='user' -> show>"
