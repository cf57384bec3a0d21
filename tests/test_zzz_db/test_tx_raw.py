"""Transactions, savepoints, explicit rollback and reconnection on every database."""

# Schema classes bound to per-test tables keep class-style names; a rollback test raises
# inside the block under test.
# ruff: noqa: PT012

from __future__ import annotations

import anyio
import pytest
from zzz_db.exceptions import DBConnectionError, TransactionError
from zzz_db.repo import Repo

pytestmark = pytest.mark.anyio


async def _count(repo: Repo, table: str) -> int:
    return int((await repo.fetch(f"SELECT count(*) FROM {table}")).rows[0][0])


async def test_commit_and_rollback_on_exception(repo, tables):
    with anyio.fail_after(10):
        name = await tables.create("tx", "v INTEGER")
        ins = f"INSERT INTO {name} (v) VALUES ({tables.ph})"
        async with repo.transaction() as tx:
            assert repo.in_transaction
            await repo.execute(ins, [1])
        assert not repo.in_transaction
        assert not tx.rolled_back
        with pytest.raises(RuntimeError, match="boom"):
            async with repo.transaction() as tx:
                await repo.execute(ins, [2])
                assert await _count(repo, name) == 2  # visible inside
                raise RuntimeError("boom")
        assert tx.rolled_back
        assert await _count(repo, name) == 1


async def test_explicit_rollback_leaves_block_quietly(repo, tables):
    with anyio.fail_after(10):
        name = await tables.create("txr", "v INTEGER")
        reached = False
        async with repo.transaction() as tx:
            await repo.execute(f"INSERT INTO {name} (v) VALUES ({tables.ph})", [1])
            tx.rollback("changed my mind")
            reached = True  # pragma: no cover - rollback() leaves the block
        assert not reached
        assert tx.rolled_back
        assert tx.value == "changed my mind"
        assert await _count(repo, name) == 0
        with pytest.raises(TransactionError):
            tx.rollback()


async def test_nested_blocks_are_savepoints(repo, tables):
    with anyio.fail_after(10):
        name = await tables.create("txn", "v INTEGER")
        ins = f"INSERT INTO {name} (v) VALUES ({tables.ph})"
        async with repo.transaction():
            await repo.execute(ins, [1])
            with pytest.raises(ValueError, match="inner"):
                async with repo.transaction() as inner:
                    assert inner.savepoint is not None
                    await repo.execute(ins, [2])
                    raise ValueError("inner")
            async with repo.transaction() as inner2:
                await repo.execute(ins, [3])
                inner2.rollback()
            async with repo.transaction():
                await repo.execute(ins, [4])
        rows = await repo.fetch(f"SELECT v FROM {name} ORDER BY v")
        assert [r[0] for r in rows.rows] == [1, 4]


async def test_child_tasks_share_the_transaction(repo, tables):
    with anyio.fail_after(10):
        name = await tables.create("txc", "v INTEGER")
        with pytest.raises(KeyError):
            async with repo.transaction():
                async with anyio.create_task_group() as tg:
                    for i in range(5):
                        tg.start_soon(
                            repo.execute, f"INSERT INTO {name} (v) VALUES ({tables.ph})", [i]
                        )
                assert await _count(repo, name) == 5
                raise KeyError("undo")
        assert await _count(repo, name) == 0


async def test_other_tasks_do_not_see_uncommitted_rows(db_url, unique):
    repo = Repo(db_url, pool_size=2)
    name = unique("iso")
    try:
        with anyio.fail_after(10):
            await repo.execute(f"CREATE TABLE {name} (v INTEGER)")
            ph = "?" if repo.backend == "sqlite" else "%s"
            seen: list[int] = []
            inserted = anyio.Event()
            checked = anyio.Event()

            async def outsider() -> None:
                await inserted.wait()
                seen.append(await _count(repo, name))
                checked.set()

            async with anyio.create_task_group() as tg:
                tg.start_soon(outsider)
                async with repo.transaction():
                    await repo.execute(f"INSERT INTO {name} (v) VALUES ({ph})", [1])
                    inserted.set()
                    await checked.wait()
            assert seen == [0]
            assert await _count(repo, name) == 1
    finally:
        await repo.execute(f"DROP TABLE IF EXISTS {name}")
        await repo.close()


async def test_ddl_in_rolled_back_transaction(repo, unique):
    """PostgreSQL and SQLite roll DDL back; MySQL/MariaDB commit it implicitly."""
    name = unique("ddl")
    try:
        with anyio.fail_after(10):
            async with repo.transaction() as tx:
                await repo.execute(f"CREATE TABLE {name} (v INTEGER)")
                tx.rollback()
            exists = True
            try:
                await repo.fetch(f"SELECT count(*) FROM {name}")
            except Exception:
                exists = False
            assert exists is (repo.backend == "mysql")
    finally:
        await repo.execute(f"DROP TABLE IF EXISTS {name}")


_KILL = {
    "postgresql": ("SELECT pg_backend_pid()", "SELECT pg_terminate_backend(%s)"),
    "mysql": ("SELECT CONNECTION_ID()", "KILL %s"),
}


@pytest.mark.parametrize("db_url", ["postgres", "mysql"], indirect=True)
async def test_reconnect_after_backend_is_killed(db_url):
    repo = Repo(db_url, pool_size=1, health_check_interval=3600)
    killer = Repo(db_url, pool_size=1)
    who, kill = _KILL[repo.backend]
    try:
        with anyio.fail_after(15):
            first = (await repo.fetch(who)).rows[0][0]
            await killer.execute(kill, [first])
            # reads retry once on a fresh connection
            second = (await repo.fetch(who)).rows[0][0]
            assert second != first
            await killer.execute(kill, [second])
            # writes are never retried: the error surfaces, then the pool reconnects
            with pytest.raises(DBConnectionError):
                await repo.execute(
                    "SET @x = 1" if repo.backend == "mysql" else "SET search_path TO public"
                )
            assert (await repo.fetch("SELECT 1")).rows[0][0] == 1
            # a health check on acquire replaces a dead idle connection before use
            repo.pool.config = type(repo.pool.config)(size=1, health_check_interval=0)
            third = (await repo.fetch(who)).rows[0][0]
            await killer.execute(kill, [third])
            async with repo.transaction():
                assert (await repo.fetch(who)).rows[0][0] != third
    finally:
        await repo.close()
        await killer.close()


async def test_pinned_connection_hosts_transactions(repo, tables):
    with anyio.fail_after(10):
        name = await tables.create("pin", "v INTEGER")
        ins = f"INSERT INTO {name} (v) VALUES ({tables.ph})"
        async with repo.connection() as conn:
            assert not repo.in_transaction
            async with repo.transaction() as tx:
                assert repo.in_transaction
                assert tx.savepoint is None
                assert tx.connection is conn
                await repo.execute(ins, [1])
                tx.rollback()
            async with repo.transaction():
                await repo.execute(ins, [2])
            assert not conn.in_transaction
        assert [r[0] for r in (await repo.fetch(f"SELECT v FROM {name}")).rows] == [2]
