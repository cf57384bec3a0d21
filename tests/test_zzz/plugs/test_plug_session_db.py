"""DatabaseSessionStore on SQLite, PostgreSQL and MariaDB, through the real Session plug."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
import pytest
from zzz.app import App
from zzz.exceptions import ImproperlyConfigured
from zzz.plugs import Session
from zzz.plugs.session_db import DatabaseSessionStore
from zzz.plugs.session_stores import SessionStore
from zzz.router import Router, get, pipeline, scope
from zzz.settings import Settings
from zzz.testing import TestClient
from zzz_db import Repo
from zzz_db.adapters import ExecResult
from zzz_db.dialects import MySQLDialect

KEY = "k" * 32
COOKIE = "zzz_session"


async def show(conn):
    return conn.json(dict(conn.session))


async def put(conn):
    conn.session["count"] = conn.session.get("count", 0) + 1
    return conn.text("ok")


async def login(conn):
    conn.session["user"] = 1
    conn.session.renew()
    return conn.text("in")


async def logout(conn):
    conn.session.clear()
    return conn.text("out")


def client_for(store: DatabaseSessionStore, *, max_age: int = 3600) -> TestClient:
    routes = [get("/", show), get("/put", put), get("/login", login), get("/logout", logout)]
    plug = Session([KEY], store=store, max_age=max_age)
    settings = Settings(env="test", secret_key=KEY, allowed_hosts=["testserver"])
    router = Router(scope("/", pipe_through=[pipeline(plug)], routes=routes))
    return TestClient(App(router, settings=settings))


@dataclass
class Env:
    """One database and one unique table name per test."""

    repo: Repo
    table: str
    now: list[float] = field(default_factory=lambda: [1_800_000_000.0])

    def store(self, **options: Any) -> DatabaseSessionStore:
        options.setdefault("clock", lambda: self.now[0])
        return DatabaseSessionStore(self.repo, table=self.table, **options)

    async def rows(self) -> list[tuple[Any, ...]]:
        return (await self.repo.fetch(f"SELECT id, data, expires_at FROM {self.table}")).rows


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("postgres", marks=pytest.mark.postgres),
        pytest.param("mysql", marks=pytest.mark.mysql),
    ]
)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'sessions.db'}"
    return str(request.getfixturevalue(f"{request.param}_url"))


@pytest.fixture
async def env(db_url: str) -> AsyncIterator[Env]:
    repo = Repo(db_url, acquire_timeout=5, statement_timeout=10)
    table = f"test_sessdb_{uuid.uuid4().hex[:12]}"
    try:
        yield Env(repo, table)
    finally:
        with anyio.fail_after(10):
            await repo.execute(f"DROP TABLE IF EXISTS {table}")
            await repo.close()


def cookie_session_id(client: TestClient) -> str:
    """The payload of the signed cookie (``base64url(id).time.mac``)."""
    value = client.cookies.get(COOKIE)
    assert value is not None
    encoded = value.split(".")[0]
    return base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()


@pytest.mark.anyio
async def test_session_persists_across_requests(env: Env) -> None:
    store = env.store()
    assert isinstance(store, SessionStore)
    client = client_for(store)
    with anyio.fail_after(20):
        await client.get("/").expect_status(200).expect_json({}).expect_no_header("set-cookie")
        await client.get("/put").expect_status(200)
        await client.get("/put").expect_status(200)
        await client.get("/").expect_json({"count": 2})
        rows = await env.rows()
    assert len(rows) == 1
    session_id, data, expires_at = rows[0]
    # the cookie carries only the signed random id; the data lives in the table
    assert cookie_session_id(client) == session_id
    assert len(session_id) >= 43
    assert "count" not in (client.cookies.get(COOKIE) or "")
    assert json.loads(data) == {"count": 2}
    assert int(expires_at) == int(env.now[0]) + 3600


@pytest.mark.anyio
async def test_tampered_and_unknown_ids_start_fresh(env: Env) -> None:
    store = env.store()
    client = client_for(store)
    with anyio.fail_after(20):
        await client.get("/put")
        good = client.cookies.get(COOKIE)
        assert good is not None
        old_id = cookie_session_id(client)
        # a forged signature: ignored, a fresh empty session
        _payload, stamp, mac = good.split(".")
        forged_id = base64.urlsafe_b64encode(b"attacker-chosen-id").decode().rstrip("=")
        client.cookies.set(COOKIE, f"{forged_id}.{stamp}.{mac}")
        await client.get("/").expect_status(200).expect_json({})
        client.cookies.set(COOKIE, "garbage")
        await client.get("/").expect_status(200).expect_json({})
        # a validly signed id whose row is gone (deleted, purged): fresh session, new id
        client.cookies.set(COOKIE, good)
        await store.delete(old_id)
        await client.get("/").expect_json({})
        await client.get("/put")
        new_id = cookie_session_id(client)
        await client.get("/").expect_json({"count": 1})
        rows = await env.rows()
    assert new_id != old_id
    assert [r[0] for r in rows] == [new_id]


@pytest.mark.anyio
async def test_renew_and_logout(env: Env) -> None:
    store = env.store()
    client = client_for(store)
    with anyio.fail_after(20):
        await client.get("/put")
        first = cookie_session_id(client)
        await client.get("/login")  # renew: new id, old row deleted
        second = cookie_session_id(client)
        assert second != first
        assert [r[0] for r in await env.rows()] == [second]
        await client.get("/").expect_json({"count": 1, "user": 1})
        stolen = client.cookies.get(COOKIE)
        assert stolen is not None
        await client.get("/logout")
        assert client.cookies.get(COOKIE) is None
        assert await env.rows() == []
        client.cookies.set(COOKIE, stolen)  # replaying the cookie after logout gives nothing
        await client.get("/").expect_json({})


@pytest.mark.anyio
async def test_expiry_and_purge(env: Env) -> None:
    store = env.store()
    client = client_for(store, max_age=60)
    other = client_for(store, max_age=600)
    start = env.now[0]
    with anyio.fail_after(20):
        await client.get("/put")
        await other.get("/put")
        env.now[0] = start + 59.9
        await client.get("/").expect_json({"count": 1})
        env.now[0] = start + 60  # expired: read as missing, although the row is still there
        await client.get("/").expect_json({})
        await other.get("/").expect_json({"count": 1})
        assert len(await env.rows()) == 2
        assert await store.purge_expired() == 1
        assert await store.purge_expired() == 0
        rows = await env.rows()
        assert [r[0] for r in rows] == [cookie_session_id(other)]
        # writing to an expired session starts a new one (a new id)
        await client.get("/put")
        await client.get("/").expect_json({"count": 1})


@pytest.mark.anyio
async def test_store_api(env: Env) -> None:
    store = env.store(max_data_size=1000)
    sid = "A" * 43
    with anyio.fail_after(20):
        assert await store.load(sid) is None
        data = {"user": {"id": 7, "roles": ["a", "b"]}, "name": "Zoë 🐍", "n": None}
        await store.save(sid, data, 30)
        assert await store.load(sid) == data
        await store.save(sid, {"v": 2}, 30)  # upsert replaces
        assert await store.load(sid) == {"v": 2}
        # ids are case-sensitive on every database (MySQL's default collation is not)
        await store.save("a" * 43, {"v": 3}, 30)
        assert await store.load(sid) == {"v": 2}
        assert await store.load("a" * 43) == {"v": 3}
        await store.delete(sid)
        await store.delete(sid)  # unknown: no error
        assert await store.load(sid) is None
        # malformed ids never reach the database
        for bad in ("", "has space", "x" * 129, "ünïcode", "a'; DROP TABLE x; --"):
            assert await store.load(bad) is None
            await store.delete(bad)
            with pytest.raises(ValueError, match="url-safe"):
                await store.save(bad, {}, 30)
        with pytest.raises(ValueError, match="max_data_size=1000"):
            await store.save(sid, {"blob": "x" * 1000}, 30)
        with pytest.raises(ValueError, match="max_age"):
            await store.save(sid, {}, 0)
        with pytest.raises(TypeError):
            await store.save(sid, {"obj": object()}, 30)
        # a row that is not a JSON object reads as missing
        p = "?" if env.repo.backend == "sqlite" else "%s"
        for blob in ("not json", "[1, 2]"):
            await env.repo.execute(
                f"INSERT INTO {env.table} (id, data, expires_at) VALUES ({p}, {p}, {p})",
                ["corrupt" + str(len(blob)), blob, int(env.now[0]) + 100],
            )
            assert await store.load("corrupt" + str(len(blob))) is None


async def index_names(env: Env) -> set[str]:
    backend = env.repo.backend
    if backend == "sqlite":
        sql = "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ?"
    elif backend == "mysql":
        sql = (
            "SELECT index_name FROM information_schema.statistics"
            " WHERE table_schema = DATABASE() AND table_name = %s"
        )
    else:
        sql = "SELECT indexname FROM pg_indexes WHERE tablename = %s"
    return {str(r[0]) for r in (await env.repo.fetch(sql, [env.table])).rows}


@pytest.mark.anyio
async def test_ensure_table_is_idempotent_and_indexed(env: Env, db_url: str) -> None:
    store = env.store()
    with anyio.fail_after(20):
        await store.ensure_table()
        await store.ensure_table()
        await env.store().ensure_table()  # another instance (another worker) on the same table
        assert f"{env.table}_expires_at_idx" in await index_names(env)
        # several processes' first requests race to create the table: nobody fails
        table = f"test_sessdb_{uuid.uuid4().hex[:12]}"
        repos = [Repo(db_url) for _ in range(3)]
        try:
            async with anyio.create_task_group() as tg:
                for repo in repos:
                    tg.start_soon(DatabaseSessionStore(repo, table=table).load, "x" * 43)
        finally:
            await env.repo.execute(f"DROP TABLE IF EXISTS {table}")
            for repo in repos:
                await repo.close()


@pytest.mark.anyio
async def test_concurrent_requests(env: Env) -> None:
    store = env.store()
    shared = "s" * 43
    with anyio.fail_after(30):
        async with anyio.create_task_group() as tg:  # first use and upserts race
            for i in range(12):
                tg.start_soon(store.save, shared, {"i": i}, 60)
                tg.start_soon(store.save, f"id{i:02d}" + "x" * 40, {"i": i}, 60)
                tg.start_soon(store.load, shared)
        loaded = await store.load(shared)
        assert loaded is not None
        assert loaded["i"] in range(12)
        assert len(await env.rows()) == 13
        clients = [client_for(store) for _ in range(6)]
        async with anyio.create_task_group() as tg:
            for c in clients:
                tg.start_soon(c.request, "GET", "/put")
        async with anyio.create_task_group() as tg:
            for c in clients:
                tg.start_soon(c.request, "GET", "/put")
        for c in clients:
            await c.get("/").expect_json({"count": 2})
        assert len(await env.rows()) == 13 + 6


class FakeDialect:
    name = "oracle"
    placeholder = ":1"

    def quote(self, name: str) -> str:
        return name


class FakeRepo:
    async def fetch(self, sql: str, params: Any = None) -> Any:
        raise AssertionError("never reached")

    async def execute(self, sql: str, params: Any = None) -> Any:
        raise AssertionError("never reached")

    async def dialect(self) -> FakeDialect:
        return FakeDialect()


@pytest.mark.anyio
async def test_unsupported_dialect() -> None:
    store = DatabaseSessionStore(FakeRepo())
    with pytest.raises(ImproperlyConfigured, match="unsupported database dialect 'oracle'"):
        await store.ensure_table()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"table": "bad name"}, "plain SQL name"),
        ({"table": "x; DROP TABLE users"}, "plain SQL name"),
        ({"table": "1abc"}, "plain SQL name"),
        ({"table": "t" * 49}, "at most 48"),
        ({"max_data_size": 0}, "max_data_size"),
    ],
)
def test_bad_configuration(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=message):
        DatabaseSessionStore(FakeRepo(), **options)


def test_zzz_does_not_import_zzz_db() -> None:
    code = (
        "import sys, zzz.plugs.session_db, zzz.plugs; "
        "assert 'zzz_db' not in sys.modules, sorted(m for m in sys.modules if 'zzz_db' in m)"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_default_table_name() -> None:
    assert DatabaseSessionStore(FakeRepo()).table == "zzz_sessions"


class RecordingRepo:
    """Records statements; stands in for a MySQL 8 server (none runs in this environment)."""

    def __init__(self, dialect: Any) -> None:
        self._dialect = dialect
        self.executed: list[tuple[str, Any]] = []

    async def fetch(self, sql: str, params: Any = None) -> Any:
        raise AssertionError("not used")

    async def execute(self, sql: str, params: Any = None) -> Any:
        self.executed.append((sql, params))
        return ExecResult(1)

    async def dialect(self) -> Any:
        return self._dialect


@pytest.mark.anyio
async def test_mysql8_upsert_uses_the_row_alias() -> None:
    repo = RecordingRepo(MySQLDialect(mariadb=False, version=(8, 0, 36)))
    store = DatabaseSessionStore(repo, table="sess", clock=lambda: 100.5)
    await store.save("a" * 43, {"x": 1}, 10)
    create, (save, params) = repo.executed[0][0], repo.executed[1]
    assert "INDEX `sess_expires_at_idx` (`expires_at`)" in create
    assert "ascii_bin" in create
    assert save.endswith(
        "VALUES (%s, %s, %s) AS _new ON DUPLICATE KEY UPDATE"
        " `data` = _new.`data`, `expires_at` = _new.`expires_at`"
    )
    assert params == ("a" * 43, '{"x":1}', 111)  # ceil(100.5 + 10): never early
