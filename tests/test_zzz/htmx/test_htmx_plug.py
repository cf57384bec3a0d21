"""The Htmx plug: layout stripping, Vary, CSRF hx-headers, the served script and helper."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from zzz import htmx
from zzz.app import App
from zzz.plugs import CSRF, Session
from zzz.router import Router, get, pipeline, post, scope
from zzz.settings import Settings
from zzz.templates import Template, Templates
from zzz.testing import TestClient

pytestmark = pytest.mark.anyio

HX = {"HX-Request": "true"}
SECRET = "s" * 32


def templates_dir(tmp_path: Path) -> Path:
    (tmp_path / "layout").mkdir()
    (tmp_path / "layout" / "app.html.zzz").write_text(
        "<html><head>{{htmx_script}}</head>"
        "<body hx-headers='{{hx_headers}}'>{{yield}}</body></html>"
    )
    (tmp_path / "page.html.zzz").write_text("<p>page {{#if is_htmx}}htmx{{/if}}</p>")
    return tmp_path


async def page(conn):
    return conn.render("page")


def make_client(tmp_path: Path, *routes, plugs=None) -> TestClient:
    settings = Settings(env="test", secret_key="k" * 32)
    app = App(
        Router(*(routes or (get("/", page),))),
        settings=settings,
        plugs=plugs if plugs is not None else [htmx.Htmx()],
        templates=Templates(templates_dir(tmp_path)),
    )
    return TestClient(app)


async def test_full_page_for_browsers_fragment_for_htmx(tmp_path: Path) -> None:
    client = make_client(tmp_path)
    full = await client.get("/")
    assert full.text.startswith('<html><head><script src="/_zzz/htmx.min.js?v=')
    assert "<p>page </p>" in full.text
    fragment = await client.get("/", headers=HX)
    assert fragment.text == "<p>page htmx</p>"


@pytest.mark.parametrize("header", ["HX-Boosted", "HX-History-Restore-Request"])
async def test_boosted_and_history_restore_get_the_layout(tmp_path: Path, header: str) -> None:
    resp = await make_client(tmp_path).get("/", headers={**HX, header: "true"})
    assert resp.text.startswith("<html>")


async def test_strip_layout_can_be_disabled(tmp_path: Path) -> None:
    client = make_client(tmp_path, plugs=[htmx.Htmx(strip_layout=False)])
    assert (await client.get("/", headers=HX)).text.startswith("<html>")


async def test_vary_on_every_response(tmp_path: Path) -> None:
    async def text(conn):
        return conn.put_resp_header("Vary", "Accept-Encoding").text("x")

    client = make_client(tmp_path, get("/", page), get("/t", text))
    resp = await client.get("/")
    assert resp.headers["vary"] == "HX-Request, HX-History-Restore-Request"
    resp = await client.get("/t", headers=HX)
    assert resp.headers["vary"] == "Accept-Encoding, HX-Request, HX-History-Restore-Request"


async def test_script_is_served_with_etag_and_long_cache(tmp_path: Path) -> None:
    client = make_client(tmp_path)
    asset = htmx.load_htmx()
    resp = await client.get("/_zzz/htmx.min.js")
    assert resp.status_code == 200
    assert resp.body == asset.body
    assert resp.headers["content-type"] == "text/javascript; charset=utf-8"
    assert resp.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert resp.headers["etag"] == asset.etag
    assert b"htmx" in resp.body
    cached = await client.get("/_zzz/htmx.min.js", headers={"If-None-Match": asset.etag})
    assert cached.status_code == 304
    assert cached.body == b""
    head = await client.head("/_zzz/htmx.min.js")
    assert head.status_code == 200
    await client.post("/_zzz/htmx.min.js").expect_status(405)


def test_script_file_comes_from_the_installed_package() -> None:
    path = htmx.htmx_file()
    assert "site-packages" in str(path) or "dist-packages" in str(path)
    assert path.name == "htmx.min.js"
    assert htmx.load_htmx().version.startswith("2.")


def test_htmx_script_helper_variants() -> None:
    version = htmx.load_htmx().version
    assert Template.from_string("{{htmx_script cdn=true}}").render() == (
        f'<script src="https://unpkg.com/htmx.org@{version}/dist/htmx.min.js" defer></script>'
    )
    assert Template.from_string("{{htmx_script cdn='/static/h.js'}}").render() == (
        '<script src="/static/h.js" defer></script>'
    )


async def test_csrf_token_reaches_hx_headers_and_passes_csrf(tmp_path: Path) -> None:
    async def create(conn):
        return conn.text("created")

    routes = scope(
        "/",
        pipe_through=[pipeline(Session([SECRET]), CSRF())],
        routes=[get("/", page), post("/items", create)],
    )
    client = make_client(tmp_path, routes)
    resp = await client.get("/")
    attr = resp.text.split("hx-headers='", 1)[1].split("'", 1)[0]
    headers = json.loads(attr.replace("&quot;", '"'))
    assert set(headers) == {"X-CSRF-Token"}
    await client.post("/items", headers=HX).expect_status(403)
    ok = await client.post("/items", headers={**HX, **headers})
    assert ok.text == "created"


async def test_hx_headers_without_csrf_is_empty_json(tmp_path: Path) -> None:
    resp = await make_client(tmp_path).get("/")
    assert "hx-headers='{}'" in resp.text
