"""Flash messages survive htmx navigations (HX-Redirect / HX-Location) through a real App."""

from __future__ import annotations

import pytest
from zzz import htmx
from zzz.app import App
from zzz.plugs import Session
from zzz.router import Router, get, pipeline, post, scope
from zzz.settings import Settings
from zzz.testing import TestClient

pytestmark = pytest.mark.anyio

HX = {"HX-Request": "true"}


async def save_redirect(conn):
    conn.put_flash("info", "saved")
    return htmx.htmx_redirect(conn, "/")


async def save_location(conn):
    conn.put_flash("info", "moved")
    htmx.htmx_location(conn, "/", target="#main")
    return conn.html("")


async def save_fragment(conn):
    conn.put_flash("info", "inline")
    return conn.html("<p>saved</p>")


async def home(conn):
    return conn.json({"flash": conn.flash})


def make_client() -> TestClient:
    router = Router(
        scope(
            "/",
            pipe_through=[pipeline(Session())],
            routes=[
                get("/", home),
                post("/redirect", save_redirect),
                post("/location", save_location),
                post("/fragment", save_fragment),
            ],
        )
    )
    return TestClient(App(router, settings=Settings(env="test", secret_key="f" * 40)))


@pytest.mark.parametrize(
    ("path", "header", "message"),
    [("/redirect", "hx-redirect", "saved"), ("/location", "hx-location", "moved")],
)
async def test_flash_kept_across_htmx_navigation(path, header, message) -> None:
    client = make_client()
    resp = await client.post(path, headers=HX)
    resp.expect_status(200)
    assert header in resp.headers
    await client.get("/").expect_json({"flash": {"info": message}})
    await client.get("/").expect_json({"flash": {}})  # shown once


async def test_flash_dropped_after_plain_fragment() -> None:
    client = make_client()
    await client.post("/fragment", headers=HX).expect_status(200)
    await client.get("/").expect_json({"flash": {}})


async def test_htmx_redirect_for_browsers_is_a_303_and_keeps_flash() -> None:
    client = make_client()
    await client.post("/redirect").expect_status(303).expect_header("location", "/")
    await client.get("/").expect_json({"flash": {"info": "saved"}})
