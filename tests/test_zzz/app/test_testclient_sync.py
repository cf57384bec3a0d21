"""SyncTestClient (blocking portal) and the pytest plugin fixtures."""

from __future__ import annotations

from typing import Literal

import pytest
from zzz.app import App
from zzz.router import Router, get, post
from zzz.settings import Settings
from zzz.testing import SyncTestClient

pytest_plugins = ["pytester"]


def make_app(events: list[str]) -> App:
    async def home(conn):
        import sniffio

        return conn.json({"backend": sniffio.current_async_library(), "events": events})

    async def login(conn):
        conn.put_resp_cookie("sid", "1")
        return conn.redirect(to="/")

    return App(
        Router(get("/", home), post("/login", login)),
        settings=Settings(env="test", secret_key="k" * 32),
        on_startup=[lambda: events.append("up")],
        on_shutdown=[lambda: events.append("down")],
    )


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_sync_client_with_lifespan(backend: Literal["asyncio", "trio"]) -> None:
    events: list[str] = []
    with SyncTestClient(make_app(events), backend=backend, follow_redirects=True) as client:
        client.get("/").expect_status(200).expect_json({"backend": backend, "events": ["up"]})
        client.post("/login").expect_status(200)
        assert client.cookies.get("sid") == "1"
        client.head("/").expect_status(200)
        client.options("/").expect_status(204)
        client.put("/").expect_status(405)
        client.patch("/").expect_status(405)
        client.delete("/").expect_status(405)
        client.multipart("/login", files={"f": b"x"}).expect_status(200)
    assert events == ["up", "down"]


def test_sync_client_without_with_block() -> None:
    events: list[str] = []
    client = SyncTestClient(make_app(events))
    client.get("/").expect_status(200).expect_json_path("$.events", [])
    assert events == []


def test_sync_client_startup_failure_is_raised() -> None:
    def fail() -> None:
        raise RuntimeError("no database")

    app = App(Router(), settings=Settings(env="test", secret_key="k" * 32), on_startup=[fail])
    with pytest.raises(RuntimeError, match="no database"), SyncTestClient(app):
        pass


def test_sync_csrf_helper() -> None:
    async def page(conn):
        return conn.html('<meta name="csrf-token" content="abc">')

    app = App(Router(get("/", page)), settings=Settings(env="test", secret_key="k" * 32))
    with SyncTestClient(app) as client:
        assert client.fetch_csrf_token("/") == "abc"


PLUGIN_TEST = """
from typing import Literal

import pytest
from zzz.app import App
from zzz.router import Router, get
from zzz.settings import Settings

async def home(conn):
    return conn.text("home")

@pytest.fixture
def app():
    return App(Router(get("/", home)), settings=Settings(env="test", secret_key="k" * 32))

@pytest.mark.anyio
async def test_async_client(client):
    await client.get("/").expect_status(200).expect_body_contains("home")

def test_sync_client(sync_client):
    sync_client.get("/").expect_status(200)
"""

MISSING_APP_TEST = """
def test_needs_app(sync_client):
    pass
"""


def test_pytest_plugin_fixtures(pytester) -> None:
    pytester.makepyfile(test_plugin_usage=PLUGIN_TEST)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    outcomes = result.parseoutcomes()
    # the async test may run once per anyio backend the outer session configured
    assert result.ret == 0, result.stdout.str()
    assert outcomes["passed"] >= 2


def test_pytest_plugin_without_app_fixture(pytester) -> None:
    pytester.makepyfile(test_plugin_missing=MISSING_APP_TEST)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*define one in conftest.py*"])


def test_sync_client_asgi_lifespan() -> None:
    events: list[str] = []

    async def app(scope, receive, send):
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                events.append(message["type"])
                await send({"type": message["type"] + ".complete"})
                if message["type"] == "lifespan.shutdown":
                    return
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    with SyncTestClient(app, backend="trio") as client:
        client.get("/").expect_status(204)
    assert events == ["lifespan.startup", "lifespan.shutdown"]
