"""Raw SQL through the Repo on SQLite, PostgreSQL and MariaDB (asyncio and trio)."""

from __future__ import annotations

import anyio
import pytest
from zzz_db.exceptions import (
    CheckViolation,
    DatabaseError,
    ForeignKeyViolation,
    NotNullViolation,
    PoolTimeout,
    StatementTimeout,
    UniqueViolation,
)
from zzz_db.repo import Repo

pytestmark = pytest.mark.anyio


async def test_execute_fetch_roundtrip(repo, tables):
    with anyio.fail_after(10):
        name = await tables.create("raw", "name VARCHAR(40) NOT NULL, age INTEGER")
        ph = tables.ph
        result = await repo.execute(f"INSERT INTO {name} (name, age) VALUES ({ph}, {ph})", ["a", 1])
        assert result.rowcount == 1
        assert result.lastrowid == 1 or tables.kind == "postgres"
        await repo.execute_many(
            f"INSERT INTO {name} (name, age) VALUES ({ph}, {ph})",
            [[f"n{i}", i] for i in range(2, 6)],
        )
        rows = await repo.fetch(f"SELECT name, age FROM {name} WHERE age >= {ph} ORDER BY age", [4])
        assert rows.columns == ("name", "age")
        assert rows.rows == [("n4", 4), ("n5", 5)]
        assert await repo.query(f"SELECT count(*) AS n FROM {name}") == [{"n": 5}]


async def test_stream_in_chunks(repo, tables):
    with anyio.fail_after(10):
        name = await tables.create("stream", "v INTEGER")
        ph = tables.ph
        await repo.execute_many(f"INSERT INTO {name} (v) VALUES ({ph})", [[i] for i in range(250)])
        sizes: list[int] = []
        seen: list[int] = []
        async for chunk in repo.stream_rows(f"SELECT v FROM {name} ORDER BY v", chunk_size=100):
            sizes.append(len(chunk.rows))
            seen.extend(r[0] for r in chunk.rows)
        assert sizes == [100, 100, 50]
        assert seen == list(range(250))
        # the connection is reusable afterwards (cursor closed, no transaction left open)
        assert (await repo.fetch(f"SELECT count(*) FROM {name}")).rows[0][0] == 250


async def test_constraint_errors_are_mapped(repo, tables):
    with anyio.fail_after(10):
        parent = await tables.create("parent", "email VARCHAR(50) NOT NULL UNIQUE")
        child = await tables.create(
            "child",
            f"parent_id BIGINT NOT NULL, qty INTEGER, CONSTRAINT {parent}_qty_positive "
            f"CHECK (qty > 0), CONSTRAINT {parent}_fk FOREIGN KEY (parent_id) "
            f"REFERENCES {parent}(id)",
        )
        ph = tables.ph
        await repo.execute(f"INSERT INTO {parent} (email) VALUES ({ph})", ["a@x"])
        with pytest.raises(UniqueViolation) as unique:
            await repo.execute(f"INSERT INTO {parent} (email) VALUES ({ph})", ["a@x"])
        assert unique.value.constraint in {f"{parent}_email_key", "email", None}
        if unique.value.constraint is None:
            assert unique.value.columns == ("email",)
        with pytest.raises(ForeignKeyViolation) as fk:
            await repo.execute(
                f"INSERT INTO {child} (parent_id, qty) VALUES ({ph}, {ph})", [999, 1]
            )
        if tables.kind != "sqlite":  # SQLite names no foreign key
            assert fk.value.constraint == f"{parent}_fk"
        with pytest.raises(CheckViolation) as check:
            await repo.execute(f"INSERT INTO {child} (parent_id, qty) VALUES ({ph}, {ph})", [1, 0])
        assert check.value.constraint == f"{parent}_qty_positive"
        with pytest.raises(NotNullViolation) as not_null:
            await repo.execute(f"INSERT INTO {parent} (email) VALUES ({ph})", [None])
        assert not_null.value.columns == ("email",)
        with pytest.raises(DatabaseError):
            await repo.execute("SELEC nonsense")


async def test_pool_acquire_timeout(db_url):
    repo = Repo(db_url, pool_size=1, acquire_timeout=0.2)
    try:
        with anyio.fail_after(10):
            async with repo.connection():
                with pytest.raises(PoolTimeout, match="pool size 1"):
                    async with repo.pool.connection():
                        pass
            assert (await repo.fetch("SELECT 1")).rows == [(1,)]
    finally:
        await repo.close()


async def test_statement_timeout(db_url):
    repo = Repo(db_url, statement_timeout=0.2)
    slow = {
        "sqlite": "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) "
        "SELECT count(*) FROM c",
        "postgresql": "SELECT pg_sleep(3)",
        "mysql": "SELECT SLEEP(3) FROM (SELECT 1) t",
    }[repo.backend]
    try:
        with anyio.fail_after(10):
            with pytest.raises(StatementTimeout):
                await repo.fetch(slow)
            assert (await repo.fetch("SELECT 2")).rows == [(2,)]
    finally:
        await repo.close()


async def test_concurrent_queries_share_the_pool(repo):
    results: list[int] = []

    async def one(i: int) -> None:
        ph = "?" if repo.backend == "sqlite" else "%s"
        rows = await repo.fetch(f"SELECT {ph} + 0", [i])
        results.append(int(rows.rows[0][0]))

    with anyio.fail_after(10):
        async with anyio.create_task_group() as tg:
            for i in range(20):
                tg.start_soon(one, i)
    assert sorted(results) == list(range(20))
    assert repo.pool.open_connections <= 4


async def test_cancelled_statement_leaves_a_usable_pool(db_url, anyio_backend):
    repo = Repo(db_url, pool_size=1)
    slow = {
        "sqlite": "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c "
        "WHERE x < 200000) SELECT count(*) FROM c",
        "postgresql": "SELECT pg_sleep(0.5)",
        "mysql": "SELECT SLEEP(0.5)",
    }[repo.backend]
    try:
        with anyio.fail_after(10):
            with anyio.move_on_after(0.05) as scope:
                await repo.fetch(slow)
            # threads finish their statement first; asyncio psycopg is cancelled at once
            if repo.backend == "postgresql" and anyio_backend[0] == "asyncio":
                assert scope.cancelled_caught
            assert (await repo.fetch("SELECT 3")).rows == [(3,)]
    finally:
        await repo.close()


async def test_early_exit_from_stream_keeps_connection(repo, tables):
    with anyio.fail_after(10):
        name = await tables.create("early", "v INTEGER")
        ph = tables.ph
        await repo.execute_many(f"INSERT INTO {name} (v) VALUES ({ph})", [[i] for i in range(50)])
        from contextlib import aclosing

        async with aclosing(repo.stream_rows(f"SELECT v FROM {name}", chunk_size=10)) as chunks:
            async for _chunk in chunks:
                break
        assert (await repo.fetch(f"SELECT count(*) FROM {name}")).rows[0][0] == 50
        assert repo.pool.open_connections >= 1


async def test_introspection(repo, tables):
    with anyio.fail_after(10):
        name = await tables.create("intro", "label VARCHAR(20) NOT NULL, n INTEGER DEFAULT 7")
        assert name in await repo.table_names()
        columns = await repo.columns(name)
        assert [c.name for c in columns] == ["id", "label", "n"]
        assert [c.primary_key for c in columns] == [True, False, False]
        assert columns[1].nullable is False
        assert columns[2].nullable is True
        assert "7" in (columns[2].default or "")
        assert await repo.columns(name + "_missing") == []
