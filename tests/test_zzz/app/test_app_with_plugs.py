"""The App, Conn and TestClient together with the built-in Session, CSRF and BodyParser plugs."""

from __future__ import annotations

import pytest
from pydantic import BaseModel
from zzz.app import App
from zzz.router import Router, get, pipeline, post, scope
from zzz.settings import Settings
from zzz.testing import TestClient

pytestmark = pytest.mark.anyio

plugs = pytest.importorskip("zzz.plugs")


class Note(BaseModel):
    title: str


async def form(conn):
    token = conn.assigns["csrf_token"]
    return conn.html(f'<form><input type="hidden" name="_csrf_token" value="{token}"></form>')


async def save(conn, note: Note):
    conn.put_flash("info", f"saved {note.title}")
    return conn.redirect(to="/")


async def home(conn):
    return conn.json({"flash": conn.flash})


async def upload(conn, note: Note):
    file = conn.body_params["file"]
    return {"title": note.title, "filename": file.filename}


def make_app() -> App:
    browser = pipeline(plugs.Session(), plugs.BodyParser(), plugs.CSRF())
    router = Router(
        scope(
            "/",
            pipe_through=[browser],
            routes=[get("/", home), get("/new", form), post("/notes", save)],
        ),
        scope("/api", pipe_through=[plugs.BodyParser()], routes=[post("/upload", upload)]),
    )
    settings = Settings(env="test", secret_key="s" * 40)
    return App(router, settings=settings, plugs=[plugs.ErrorHandler()])


async def test_session_flash_and_csrf_through_the_client() -> None:
    client = TestClient(make_app(), follow_redirects=True)
    await client.post("/notes", form={"title": "x"}).expect_status(403)
    await client.fetch_csrf_token("/new")
    resp = await client.post("/notes", form={"title": "Hello"}).expect_status(200)
    assert resp.json() == {"flash": {"info": "saved Hello"}}
    assert [r.status for r in resp.history] == [302]
    # shown once, then gone
    await client.get("/").expect_json({"flash": {}})


async def test_multipart_upload_with_model_binding() -> None:
    client = TestClient(make_app())
    resp = await client.multipart(
        "/api/upload", files={"file": ("a.txt", b"hello", "text/plain")}, data={"title": "T"}
    )
    resp.expect_status(200).expect_json({"title": "T", "filename": "a.txt"})
    await client.multipart("/api/upload", files={"file": b"x"}).expect_status(422)
