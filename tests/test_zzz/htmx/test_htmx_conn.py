"""The htmx shortcuts on Conn (``conn.is_htmx()``, ``conn.render_oob()``...) through a real App."""

from __future__ import annotations

from pathlib import Path

import pytest
from zzz import htmx
from zzz.app import App
from zzz.conn import Conn
from zzz.exceptions import ImproperlyConfigured
from zzz.router import Router, get
from zzz.settings import Settings
from zzz.templates import Templates
from zzz.testing import TestClient
from zzz.types import RequestHead

pytestmark = pytest.mark.anyio

HX = {"HX-Request": "true"}


def make_app(tmp_path: Path, *routes, debug: bool = False) -> App:
    (tmp_path / "layout").mkdir(exist_ok=True)
    (tmp_path / "layout" / "app.html.zzz").write_text("<html><body>{{yield}}</body></html>")
    (tmp_path / "users").mkdir(exist_ok=True)
    (tmp_path / "users" / "index.html.zzz").write_text(
        '<ul id="list">{{#block "rows"}}{{#each users}}<li>{{this}}</li>{{/each}}{{/block}}</ul>'
    )
    (tmp_path / "users" / "_count.html.zzz").write_text('<span id="count">{{n}}</span>')
    settings = Settings(env="test", secret_key="k" * 32, debug=debug)
    return App(Router(*routes), settings=settings, templates=Templates(tmp_path))


async def info(conn):
    return conn.json(
        {
            "htmx": conn.is_htmx(),
            "boosted": conn.is_boosted(),
            "restore": conn.is_history_restore(),
            "target": conn.htmx_target(),
            "trigger": conn.htmx_trigger_id(),
            "name": conn.htmx_trigger_name(),
            "url": conn.htmx_current_url(),
            "prompt": conn.htmx_prompt(),
        }
    )


async def test_conn_request_shortcuts(tmp_path: Path) -> None:
    client = TestClient(make_app(tmp_path, get("/", info)))
    plain = (await client.get("/")).json()
    assert plain == {
        "htmx": False,
        "boosted": False,
        "restore": False,
        "target": None,
        "trigger": None,
        "name": None,
        "url": None,
        "prompt": None,
    }
    headers = {
        **HX,
        "HX-Boosted": "true",
        "HX-History-Restore-Request": "true",
        "HX-Target": "list",
        "HX-Trigger": "btn",
        "HX-Trigger-Name": "q",
        "HX-Current-URL": "http://testserver/users",
        "HX-Prompt": "caf%C3%A9",
        "HX-Prompt-URI-AutoEncoded": "true",
    }
    got = (await client.get("/", headers=headers)).json()
    assert got == {
        "htmx": True,
        "boosted": True,
        "restore": True,
        "target": "list",
        "trigger": "btn",
        "name": "q",
        "url": "http://testserver/users",
        "prompt": "café",
    }
    # "true" only: other values are not htmx
    assert (await client.get("/", headers={"HX-Request": "false"})).json()["htmx"] is False


@pytest.mark.parametrize(
    "headers",
    [
        {},
        HX,
        {**HX, "HX-Boosted": "true", "HX-Target": "a%20b", "HX-Target-URI-AutoEncoded": "true"},
        {"HX-History-Restore-Request": "true", "HX-Trigger-Name": "n", "HX-Current-URL": "/x"},
    ],
)
async def test_conn_shortcuts_agree_with_functions(headers) -> None:
    raw = [(b"host", b"testserver")] + [
        (k.lower().encode(), v.encode()) for k, v in headers.items()
    ]
    conn = Conn(RequestHead("GET", "/", b"/", b"", raw))
    for name in (
        "is_htmx",
        "is_boosted",
        "is_history_restore",
        "htmx_target",
        "htmx_trigger_id",
        "htmx_trigger_name",
        "htmx_current_url",
        "htmx_prompt",
    ):
        assert getattr(conn, name)() == getattr(htmx, name)(conn), name


async def test_conn_render_oob(tmp_path: Path) -> None:
    async def handler(conn):
        # returns the conn, so calls chain; fragments are appended whatever the order
        conn.render_oob("users/_count", n=3).render_oob(
            "users/index", block="rows", target="#list", swap="beforeend", users=["z"]
        )
        return conn.render_partial("users/_count", n=1)

    resp = await TestClient(make_app(tmp_path, get("/", handler))).get("/", headers=HX)
    assert resp.text == (
        '<span id="count">1</span>'
        '<span hx-swap-oob="true" id="count">3</span>'
        '<div hx-swap-oob="beforeend:#list"><li>z</li></div>'
    )


async def test_conn_render_oob_errors(tmp_path: Path) -> None:
    async def bad_swap(conn):
        conn.render_oob("users/_count", swap="sideways", n=1)

    app = make_app(tmp_path, get("/", bad_swap), debug=True)  # the 500 names the error
    resp = await TestClient(app).get("/", headers={"accept": "text/plain"})
    assert resp.status_code == 500
    assert "sideways" in resp.text
    bare = Conn(RequestHead("GET", "/", b"/", b"", [(b"host", b"testserver")]))
    with pytest.raises(ImproperlyConfigured):
        bare.render_oob("users/_count", n=1)


def test_conn_stays_slotted() -> None:
    conn = Conn(RequestHead("GET", "/", b"/", b"", [(b"host", b"testserver")]))
    assert not hasattr(conn, "__dict__")
    with pytest.raises(AttributeError):
        conn.anything = 1  # type: ignore[attr-defined]
