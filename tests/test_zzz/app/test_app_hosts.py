"""Allowed hosts: 400 before plugs and routing; dev allows localhost."""

from __future__ import annotations

import pytest
from zzz.app import App
from zzz.router import Router, get
from zzz.settings import Settings
from zzz.testing import TestClient

pytestmark = pytest.mark.anyio


async def ok(conn):
    return conn.text("ok")


def app_for(hosts: list[str], env: str = "prod", plugs=()) -> App:
    settings = Settings(env=env, secret_key="k" * 40, allowed_hosts=hosts)
    return App(Router(get("/", ok)), settings=settings, plugs=plugs)


@pytest.mark.parametrize(
    ("hosts", "host", "status"),
    [
        (["example.com"], "example.com", 200),
        (["example.com"], "Example.COM:8443", 200),
        (["example.com"], "example.com.", 200),
        (["example.com"], "evil.com", 400),
        (["example.com"], "sub.example.com", 400),
        ([".example.com"], "sub.example.com", 200),
        ([".example.com"], "example.com", 200),
        ([".example.com"], "badexample.com", 400),
        (["*"], "anything.test", 200),
    ],
)
async def test_allowed_hosts(hosts: list[str], host: str, status: int) -> None:
    client = TestClient(app_for(hosts))
    await client.get("/", headers={"host": host}).expect_status(status)


async def test_host_check_runs_before_plugs() -> None:
    ran: list[str] = []

    async def plug(conn):
        ran.append("plug")

    client = TestClient(app_for(["example.com"], plugs=[plug]))
    resp = await client.get("/", headers={"host": "evil.com"})
    resp.expect_status(400).expect_json({"errors": {"detail": "invalid Host header"}})
    assert ran == []


async def test_dev_allows_localhost_and_names_the_setting() -> None:
    app = App(Router(get("/", ok)), settings=Settings(env="dev", allowed_hosts=["app.test"]))
    client = TestClient(app, base_url="http://localhost:4000")
    await client.get("/").expect_status(200)
    await client.get("/", headers={"host": "127.0.0.1:4000"}).expect_status(200)
    await client.get("/", headers={"host": "[::1]:4000"}).expect_status(200)
    await client.get("/", headers={"host": "app.test"}).expect_status(200)
    await (
        client.get("/", headers={"host": "other.test"})
        .expect_status(400)
        .expect_body_contains("ZZZ_ALLOWED_HOSTS")
    )


async def test_malformed_host_is_400() -> None:
    client = TestClient(app_for(["*"]))
    await client.get("/", headers={"host": "a b"}).expect_status(400)


async def test_host_verdict_cache_is_bounded() -> None:
    from zzz.app._hosts import HOST_CACHE_SIZE as _HOST_CACHE_SIZE

    app = app_for([".example.com"])
    client = TestClient(app)
    for i in range(_HOST_CACHE_SIZE + 20):
        await client.get("/", headers={"host": f"h{i}.example.com"}).expect_status(200)
    assert len(app._host_cache) == _HOST_CACHE_SIZE
    await client.get("/", headers={"host": "evil.test"}).expect_status(400)


async def test_trusted_proxy_host_is_checked() -> None:
    settings = Settings(
        env="prod",
        secret_key="k" * 40,
        allowed_hosts=["public.test"],
        trusted_proxies=["127.0.0.1"],
    )
    client = TestClient(App(Router(get("/", ok)), settings=settings))
    headers = {"host": "internal:8000", "x-forwarded-host": "public.test"}
    await client.get("/", headers=headers).expect_status(200)
    await client.get(
        "/", headers={"host": "public.test", "x-forwarded-host": "evil.test"}
    ).expect_status(400)
