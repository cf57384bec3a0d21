"""conn.render()/render_partial() with the real template engine and the Session plug."""

from __future__ import annotations

import pytest
from zzz.app import App
from zzz.router import Router, get, post
from zzz.settings import Settings
from zzz.testing import TestClient

pytestmark = pytest.mark.anyio

templates_mod = pytest.importorskip("zzz.templates")
plugs = pytest.importorskip("zzz.plugs")

SOURCES = {
    "layout/app": "<main>{{yield}}</main>",
    "users/show": "{{#if flash.info}}[{{flash.info}}]{{/if}}<h1>{{user}}</h1>",
    "users/row": "<li>{{user}}</li>",
}


async def show(conn):
    conn.assigns["user"] = "<Jo>"
    return conn.render("users/show")


async def row(conn):
    return conn.render_partial("users/row", user="Al")


async def bare(conn):
    return conn.render("users/row", layout=None, user="Bo", status=203)


async def save(conn):
    conn.put_flash("info", "Saved!")
    return conn.redirect(to="/show")


def make_app() -> App:
    templates = templates_mod.Templates(SOURCES)
    router = Router(
        get("/show", show),
        get("/row", row),
        get("/bare", bare),
        post("/save", save),
        pipe_through=[plugs.Session()],
    )
    return App(router, settings=Settings(env="test", secret_key="s" * 40), templates=templates)


async def test_render_with_layout_escaping_and_flash() -> None:
    client = TestClient(make_app(), follow_redirects=True)
    resp = await client.get("/show")
    assert resp.text.startswith("<main>")
    assert "<h1>&lt;Jo&gt;</h1>" in resp.text
    resp = await client.post("/save")
    assert "[Saved!]" in resp.text
    assert "[Saved!]" not in (await client.get("/show")).text


async def test_partials_and_no_layout() -> None:
    client = TestClient(make_app())
    assert (await client.get("/row")).text == "<li>Al</li>"
    resp = await client.get("/bare")
    assert resp.status == 203
    assert resp.text == "<li>Bo</li>"


async def test_assign_path_for_and_url_for() -> None:
    from zzz.app import App as _App

    async def show(conn, id: int):
        conn.assign(id=id, kind="user")
        return conn.json(
            {
                "assigns": conn.assigns,
                "path": conn.path_for("user", id=id + 1, _query={"tab": "posts"}),
                "url": conn.url_for("user", id=1),
            }
        )

    sub = _App(
        Router(get("/users/:id", show, name="user")), settings=Settings(env="test", secret_key="k")
    )
    from zzz.router import forward

    app = _App(Router(forward("/admin", sub)), settings=Settings(env="test", secret_key="k"))
    await (
        TestClient(app)
        .get("/admin/users/3")
        .expect_json(
            {
                "assigns": {"id": 3, "kind": "user"},
                "path": "/admin/users/4?tab=posts",
                "url": "http://testserver/admin/users/1",
            }
        )
    )


def test_path_for_needs_an_app(make_conn) -> None:
    from zzz.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="created by an App"):
        make_conn().path_for("x")
