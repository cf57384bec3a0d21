"""Handler parameter binding: pydantic models from JSON/form/query, typed query params."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, Field
from zzz.app import App
from zzz.router import Router, get, post
from zzz.settings import Settings
from zzz.testing import TestClient

pytestmark = pytest.mark.anyio


class NewUser(BaseModel):
    name: str = Field(min_length=2)
    age: int


class Reason(BaseModel):
    why: str


class Search(BaseModel):
    q: str
    page: int = 1


async def create(conn, user: NewUser):
    return conn.put_status(201).json(user)


async def update(conn, id: int, user: NewUser):
    return {"id": id, "user": user.model_dump()}


async def search(conn, params: Search):
    return params


async def listing(conn, page: int = 1, tags: list[str] | None = None):
    return {"page": page, "tags": tags}


def client() -> TestClient:
    router = Router(
        post("/users", create),
        post("/users/:id", update),
        get("/search", search),
        get("/list", listing),
    )
    return TestClient(App(router, settings=Settings(env="test", secret_key="k" * 32)))


async def test_json_body_model() -> None:
    await (
        client()
        .post("/users", json={"name": "Jo", "age": 3})
        .expect_status(201)
        .expect_json({"name": "Jo", "age": 3})
    )


async def test_form_body_model_and_path_param() -> None:
    await (
        client()
        .post("/users/5", form={"name": "Jo", "age": "40"})
        .expect_status(200)
        .expect_json({"id": 5, "user": {"name": "Jo", "age": 40}})
    )


async def test_invalid_body_is_422_with_fields() -> None:
    resp = await client().post("/users", json={"name": "J", "age": "old"})
    resp.expect_status(422)
    fields = resp.json()["errors"]["fields"]
    assert {tuple(f["loc"]) for f in fields} == {("name",), ("age",)}
    assert all(f["msg"] and f["type"] for f in fields)
    assert resp.json()["errors"]["detail"] == "invalid request parameters"


async def test_422_as_text_lists_fields() -> None:
    resp = await client().post("/users", json={}, headers={"accept": "text/plain"})
    resp.expect_status(422).expect_body_contains("name: Field required")


async def test_malformed_json_is_400() -> None:
    resp = await client().post(
        "/users", content=b"{bad", headers={"content-type": "application/json"}
    )
    resp.expect_status(400).expect_body_contains("malformed JSON")


async def test_multipart_without_body_parser_is_415() -> None:
    resp = await client().multipart("/users", files={"f": ("a.txt", b"x")}, data={"name": "Jo"})
    resp.expect_status(415).expect_body_contains("BodyParser")


async def test_query_model() -> None:
    await client().get("/search?q=zzz&page=2").expect_json({"q": "zzz", "page": 2})
    resp = await client().get("/search?page=x")
    resp.expect_status(422)
    assert {tuple(f["loc"]) for f in resp.json()["errors"]["fields"]} == {("q",), ("page",)}


async def test_typed_query_params_with_defaults() -> None:
    await client().get("/list").expect_json({"page": 1, "tags": None})
    await (
        client().get("/list?page=3&tags[]=a&tags[]=b").expect_json({"page": 3, "tags": ["a", "b"]})
    )
    resp = await client().get("/list?page=zero")
    resp.expect_status(422).expect_json_path("$.errors.fields[0].loc", ["page"])


async def test_delete_with_json_body_model() -> None:
    from zzz.router import delete

    async def remove(conn, reason: Reason):
        return {"why": reason.why}

    app = App(Router(delete("/x", remove)), settings=Settings(env="test", secret_key="k" * 32))
    await TestClient(app).delete("/x", json={"why": "spam"}).expect_json({"why": "spam"})
    await TestClient(app).delete("/x?why=q").expect_json({"why": "q"})
