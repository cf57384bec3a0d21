"""App dispatch: routing outcomes, plugs and pipelines, handlers, HEAD/OPTIONS/redirects."""

from __future__ import annotations

import threading

import pytest
from zzz.app import App
from zzz.exceptions import ImproperlyConfigured
from zzz.router import Router, get, pipeline, post, scope
from zzz.settings import Settings
from zzz.testing import TestClient

pytestmark = pytest.mark.anyio


def make_app(*entries, plugs=(), debug=False, **kw) -> App:
    settings = Settings(env="test", secret_key="k" * 32, debug=debug)
    return App(Router(*entries, **kw), settings=settings, plugs=plugs)


async def hello(conn):
    return conn.text("hello")


async def show(conn, id: int):
    return {"id": id, "params": conn.params}


async def create(conn):
    return conn.put_status(201).json({"created": True})


async def test_basic_routes() -> None:
    client = TestClient(make_app(get("/", hello), get("/users/:id", show), post("/users", create)))
    await (
        client.get("/")
        .expect_status(200)
        .expect_body_contains("hello")
        .expect_header("content-type", "text/plain; charset=utf-8")
    )
    await (
        client.get("/users/7?x=1")
        .expect_status(200)
        .expect_json({"id": 7, "params": {"x": "1", "id": 7}})
    )
    await client.post("/users").expect_status(201).expect_json_path("$.created", True)


async def test_not_found_and_cast_failure() -> None:
    client = TestClient(make_app(get("/users/:id", show)))
    resp = await client.get("/nope").expect_status(404)
    assert resp.json() == {"errors": {"detail": "Not Found"}}
    await (
        client.get("/users/abc")
        .expect_status(404)
        .expect_json_path("$.errors.detail", "path parameter 'id' must be an integer")
    )


async def test_method_not_allowed_and_options() -> None:
    client = TestClient(make_app(get("/users", hello), post("/users", create)))
    await (
        client.delete("/users")
        .expect_status(405)
        .expect_header("allow", "GET, HEAD, POST, OPTIONS")
    )
    resp = await client.options("/users").expect_status(204)
    assert resp.headers["allow"] == "GET, HEAD, POST, OPTIONS"
    assert resp.body == b""


async def test_head_runs_get_without_body() -> None:
    client = TestClient(make_app(get("/", hello)))
    resp = await client.head("/").expect_status(200)
    assert resp.body == b""


async def test_trailing_slash_redirect_keeps_query() -> None:
    client = TestClient(make_app(get("/users", hello), post("/users", create)))
    await client.get("/users/?a=1").expect_status(301).expect_header("location", "/users?a=1")
    await client.post("/users/").expect_status(308).expect_header("location", "/users")
    strict = TestClient(make_app(get("/users", hello), trailing_slash="strict"))
    await strict.get("/users/").expect_status(404)


async def test_app_plugs_run_before_routing_and_may_halt() -> None:
    seen: list[str] = []

    async def tag(conn):
        seen.append(conn.path)
        conn.assigns["tag"] = "t"

    async def gate(conn):
        if conn.headers.get("x-block"):
            conn.text("blocked", status=403).halt()

    async def uses_tag(conn):
        return conn.text(conn.assigns["tag"])

    client = TestClient(make_app(get("/", uses_tag), plugs=[tag, gate]))
    await client.get("/").expect_status(200).expect_body_contains("t")
    await client.get("/missing", headers={"x-block": "1"}).expect_status(403)
    assert seen == ["/", "/missing"]


async def test_route_pipelines_in_order() -> None:
    order: list[str] = []

    class Mark:
        def __init__(self, name: str) -> None:
            self.name = name

        async def __call__(self, conn) -> None:
            order.append(self.name)

    async def auth(conn):
        if "token" not in conn.query_params:
            conn.put_status(401).json({"error": "no token"}).halt()

    async def secret(conn):
        order.append("handler")
        return conn.text("secret")

    app = make_app(
        scope(
            "/api", pipe_through=[pipeline(Mark("a"), Mark("b")), auth], routes=[get("/s", secret)]
        ),
        plugs=[Mark("app")],
    )
    client = TestClient(app)
    await client.get("/api/s").expect_status(401)
    assert order == ["app", "a", "b"]
    order.clear()
    await client.get("/api/s?token=1").expect_status(200)
    assert order == ["app", "a", "b", "handler"]


async def test_plug_halting_without_response_is_500() -> None:
    async def bad(conn):
        conn.halt()

    resp = await TestClient(make_app(get("/", hello), plugs=[bad], debug=True)).get("/")
    resp.expect_status(500).expect_body_contains("halted the conn without setting a response")


async def test_sync_handler_runs_in_a_worker_thread() -> None:
    loop_thread = threading.get_ident()

    def blocking(conn):
        return conn.json({"other_thread": threading.get_ident() != loop_thread})

    await TestClient(make_app(get("/", blocking))).get("/").expect_json({"other_thread": True})


async def test_handler_without_response_is_500_and_named_in_debug() -> None:
    async def forgot(conn):
        conn.assigns["x"] = 1

    await (
        TestClient(make_app(get("/", forgot)))
        .get("/")
        .expect_status(500)
        .expect_json({"errors": {"detail": "Internal Server Error"}})
    )
    await (
        TestClient(make_app(get("/", forgot), debug=True))
        .get("/")
        .expect_status(500)
        .expect_body_contains("returned without setting a response")
    )


async def test_handler_bad_return_type() -> None:
    async def odd(conn):
        return 42

    await (
        TestClient(make_app(get("/", odd), debug=True))
        .get("/")
        .expect_status(500)
        .expect_body_contains("returned a int")
    )


async def test_handler_returning_model_is_json() -> None:
    from pydantic import BaseModel

    class Out(BaseModel):
        name: str

    async def one(conn):
        return Out(name="x")

    async def many(conn):
        return [1, 2]

    client = TestClient(make_app(get("/one", one), get("/many", many)))
    await client.get("/one").expect_json({"name": "x"})
    await client.get("/many").expect_json([1, 2])


async def test_responding_twice_is_a_clear_500() -> None:
    async def plug(conn):
        conn.text("from plug")  # forgot halt()

    resp = await TestClient(make_app(get("/", hello), plugs=[plug], debug=True)).get("/")
    resp.expect_status(500).expect_body_contains("should call conn.halt()")


async def test_bad_app_plug_fails_at_startup() -> None:
    def not_async(conn):
        return None

    with pytest.raises(ImproperlyConfigured, match="not async"):
        make_app(get("/", hello), plugs=[not_async])


async def test_streaming_and_chunked_handlers() -> None:
    async def stream(conn):
        async def gen():
            yield b"a"
            yield b"b"

        return conn.send_stream(gen(), content_type="text/plain")

    async def chunked(conn):
        await conn.send_chunked(200)
        await conn.chunk("x")
        await conn.chunk("y")

    client = TestClient(make_app(get("/s", stream), get("/c", chunked)))
    assert (await client.get("/s")).body == b"ab"
    assert (await client.get("/c")).body == b"xy"


async def test_send_file_handler(tmp_path) -> None:
    (tmp_path / "a.json").write_text('{"a": 1}')

    async def download(conn):
        return conn.send_file(tmp_path / "a.json")

    resp = await TestClient(make_app(get("/f", download))).get("/f")
    resp.expect_status(200).expect_header("content-type", "application/json").expect_json({"a": 1})


class PostController:
    def __init__(self) -> None:
        self.posts = {1: "first"}

    async def index(self, conn):
        return conn.json(sorted(self.posts))

    async def show(self, conn, id: int):
        if id not in self.posts:
            from zzz.exceptions import HTTPError

            raise HTTPError(404, "no such post")
        return {"id": id, "title": self.posts[id]}

    def create(self, conn):  # a plain def action runs in a worker thread
        self.posts[2] = "second"
        return conn.put_status(201).json({"id": 2})

    async def delete(self, conn, id: int):
        self.posts.pop(id, None)
        return conn.resp(204, b"")


async def test_controller_class_resources() -> None:
    from zzz.router import resources

    client = TestClient(make_app(resources("/posts", PostController)))
    await client.get("/posts").expect_json([1])
    await client.get("/posts/1").expect_json({"id": 1, "title": "first"})
    await (
        client.get("/posts/9")
        .expect_status(404)
        .expect_json_path("$.errors.detail", "no such post")
    )
    await client.post("/posts").expect_status(201)
    await client.get("/posts").expect_json([1, 2])
    resp = await client.delete("/posts/1").expect_status(204)
    assert resp.body == b""
    await (
        client.put("/posts/1")
        .expect_status(405)
        .expect_header("allow", "GET, HEAD, DELETE, OPTIONS")
    )
