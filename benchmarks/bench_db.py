"""The database suite: zzz_db's async Repo vs raw drivers, aiosqlite and SQLAlchemy 2.

Operations (each timed as the mean of many sequential awaits, best of several runs):

- ``get``: one row by primary key;
- ``query20``: 20 rows filtered by an indexed column and ordered;
- ``insert``: one row;
- ``insert_all``: 1,000 rows in one call.

On SQLite (a 10,000-row table in a temporary file) and PostgreSQL (``ZZZ_BENCH_POSTGRES_URL``,
default ``postgresql://postgres@127.0.0.1:5432/test``; skipped with a note when unreachable).
Peers: the raw driver (sqlite3 called synchronously; psycopg async), aiosqlite, SQLAlchemy 2
Core (sync and async) and the SQLAlchemy ORM.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio

N_ROWS = 10_000
TABLE = "zzz_bench_items"
PG_URL = os.environ.get("ZZZ_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
DDL = {
    "sqlite": f"CREATE TABLE {TABLE} (id INTEGER PRIMARY KEY, name TEXT NOT NULL, "
    "category INTEGER NOT NULL, score REAL NOT NULL)",
    "postgres": f"CREATE TABLE {TABLE} (id BIGSERIAL PRIMARY KEY, name TEXT NOT NULL, "
    "category INTEGER NOT NULL, score DOUBLE PRECISION NOT NULL)",
}
INDEX = f"CREATE INDEX {TABLE}_category ON {TABLE} (category, score)"


def _rows(n: int, start: int = 0) -> list[tuple[str, int, float]]:
    return [(f"item {i}", i % 500, (i * 7919) % 1000 / 10) for i in range(start, start + n)]


Op = Callable[[int], Awaitable[Any]]


async def _time(op: Op, number: int, repeat: int) -> float:
    best = float("inf")
    for r in range(repeat):
        start = time.perf_counter()
        for i in range(number):
            await op(r * number + i)
        best = min(best, (time.perf_counter() - start) / number)
    return best


def _key(i: int) -> int:
    return (i * 37) % N_ROWS + 1


# ------------------------------------------------------------------ zzz_db
def _zzz_ops(url: str) -> tuple[Any, dict[str, Op]]:
    from zzz_db.repo import Repo
    from zzz_db.schema import Schema

    class Item(Schema, table=TABLE):
        name: str
        category: int
        score: float

    repo = Repo(url)

    async def get(i: int) -> Any:
        return await repo.get(Item, _key(i))

    async def query20(i: int) -> Any:
        q = Item.query().where(category=i % 500).order_by("-score").limit(20)
        return await repo.all(q)

    async def insert(i: int) -> Any:
        return await repo.insert(Item(name="new", category=1, score=1.0))

    batch = [{"name": n, "category": c, "score": s} for n, c, s in _rows(1000)]

    async def insert_all(i: int) -> Any:
        return await repo.insert_all(Item, batch)

    return repo, {"get": get, "query20": query20, "insert": insert, "insert_all": insert_all}


# ------------------------------------------------------------------ SQLAlchemy
def _sa_objects() -> tuple[Any, Any]:
    import sqlalchemy as sa
    from sqlalchemy.orm import registry

    metadata = sa.MetaData()
    table = sa.Table(
        TABLE,
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String, nullable=False),
        sa.Column("category", sa.Integer, nullable=False),
        sa.Column("score", sa.Float, nullable=False),
    )

    class ItemORM:
        def __init__(self, **kw: Any) -> None:
            for k, v in kw.items():
                setattr(self, k, v)

    registry().map_imperatively(ItemORM, table)
    return table, ItemORM


def _sa_sync_ops(url: str) -> tuple[Any, Any, Any]:
    import sqlalchemy as sa
    from sqlalchemy.orm import Session

    table, orm = _sa_objects()
    engine = sa.create_engine(url)
    conn = engine.connect()
    batch = [{"name": n, "category": c, "score": s} for n, c, s in _rows(1000)]

    async def get(i: int) -> Any:
        return conn.execute(sa.select(table).where(table.c.id == _key(i))).first()

    async def query20(i: int) -> Any:
        stmt = (
            sa.select(table)
            .where(table.c.category == i % 500)
            .order_by(table.c.score.desc())
            .limit(20)
        )
        return conn.execute(stmt).all()

    async def insert(i: int) -> Any:
        result = conn.execute(sa.insert(table).values(name="new", category=1, score=1.0))
        conn.commit()
        return result

    async def insert_all(i: int) -> Any:
        result = conn.execute(sa.insert(table), batch)
        conn.commit()
        return result

    session = Session(engine)

    async def orm_get(i: int) -> Any:
        session.expunge_all()
        return session.get(orm, _key(i))

    async def orm_query20(i: int) -> Any:
        session.expunge_all()
        stmt = sa.select(orm).where(orm.category == i % 500).order_by(orm.score.desc()).limit(20)
        return session.scalars(stmt).all()

    async def orm_insert(i: int) -> Any:
        session.add(orm(name="new", category=1, score=1.0))
        session.commit()

    async def orm_insert_all(i: int) -> Any:
        session.add_all([orm(**row) for row in batch])
        session.commit()

    core = {"get": get, "query20": query20, "insert": insert, "insert_all": insert_all}
    orm_ops = {
        "get": orm_get,
        "query20": orm_query20,
        "insert": orm_insert,
        "insert_all": orm_insert_all,
    }
    return (conn, session, engine), core, orm_ops


def _sa_async_ops(url: str) -> tuple[Any, dict[str, Op]]:
    import sqlalchemy as sa
    from sqlalchemy.ext.asyncio import create_async_engine

    table, _ = _sa_objects()
    engine = create_async_engine(url)
    batch = [{"name": n, "category": c, "score": s} for n, c, s in _rows(1000)]
    holder: dict[str, Any] = {}

    async def conn() -> Any:
        if "c" not in holder:
            holder["c"] = await engine.connect()
        return holder["c"]

    async def get(i: int) -> Any:
        c = await conn()
        return (await c.execute(sa.select(table).where(table.c.id == _key(i)))).first()

    async def query20(i: int) -> Any:
        c = await conn()
        stmt = (
            sa.select(table)
            .where(table.c.category == i % 500)
            .order_by(table.c.score.desc())
            .limit(20)
        )
        return (await c.execute(stmt)).all()

    async def insert(i: int) -> Any:
        c = await conn()
        result = await c.execute(sa.insert(table).values(name="new", category=1, score=1.0))
        await c.commit()
        return result

    async def insert_all(i: int) -> Any:
        c = await conn()
        result = await c.execute(sa.insert(table), batch)
        await c.commit()
        return result

    async def close() -> None:
        if "c" in holder:
            await holder["c"].close()
        await engine.dispose()

    return close, {"get": get, "query20": query20, "insert": insert, "insert_all": insert_all}


# ------------------------------------------------------------------ SQLite peers
def _sqlite_raw_ops(path: str) -> tuple[Any, dict[str, Op]]:
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    cols = f"id, name, category, score FROM {TABLE}"
    batch = _rows(1000)

    async def get(i: int) -> Any:
        return db.execute(f"SELECT {cols} WHERE id = ?", (_key(i),)).fetchone()

    async def query20(i: int) -> Any:
        sql = f"SELECT {cols} WHERE category = ? ORDER BY score DESC LIMIT 20"
        return db.execute(sql, (i % 500,)).fetchall()

    async def insert(i: int) -> Any:
        return db.execute(
            f"INSERT INTO {TABLE} (name, category, score) VALUES (?, ?, ?)", ("new", 1, 1.0)
        ).lastrowid

    async def insert_all(i: int) -> Any:
        db.execute("BEGIN")
        db.executemany(f"INSERT INTO {TABLE} (name, category, score) VALUES (?, ?, ?)", batch)
        db.execute("COMMIT")

    return db, {"get": get, "query20": query20, "insert": insert, "insert_all": insert_all}


def _aiosqlite_ops(path: str) -> tuple[Any, dict[str, Op]]:
    import aiosqlite

    holder: dict[str, Any] = {}
    cols = f"id, name, category, score FROM {TABLE}"
    batch = _rows(1000)

    async def db() -> Any:
        if "db" not in holder:
            holder["db"] = await aiosqlite.connect(path, isolation_level=None)
        return holder["db"]

    async def get(i: int) -> Any:
        async with (await db()).execute(f"SELECT {cols} WHERE id = ?", (_key(i),)) as cur:
            return await cur.fetchone()

    async def query20(i: int) -> Any:
        sql = f"SELECT {cols} WHERE category = ? ORDER BY score DESC LIMIT 20"
        async with (await db()).execute(sql, (i % 500,)) as cur:
            return await cur.fetchall()

    async def insert(i: int) -> Any:
        sql = f"INSERT INTO {TABLE} (name, category, score) VALUES (?, ?, ?)"
        async with (await db()).execute(sql, ("new", 1, 1.0)) as cur:
            return cur.lastrowid

    async def insert_all(i: int) -> Any:
        d = await db()
        await d.execute("BEGIN")
        await d.executemany(f"INSERT INTO {TABLE} (name, category, score) VALUES (?, ?, ?)", batch)
        await d.execute("COMMIT")

    async def close() -> None:
        if "db" in holder:
            await holder["db"].close()

    return close, {"get": get, "query20": query20, "insert": insert, "insert_all": insert_all}


# ------------------------------------------------------------------ PostgreSQL peer
def _psycopg_ops(url: str) -> tuple[Any, dict[str, Op]]:
    import psycopg

    holder: dict[str, Any] = {}
    cols = f"id, name, category, score FROM {TABLE}"
    batch = _rows(1000)

    async def conn() -> Any:
        if "c" not in holder:
            holder["c"] = await psycopg.AsyncConnection.connect(url, autocommit=True)
        return holder["c"]

    async def get(i: int) -> Any:
        async with (await conn()).cursor() as cur:
            await cur.execute(f"SELECT {cols} WHERE id = %s", (_key(i),))
            return await cur.fetchone()

    async def query20(i: int) -> Any:
        async with (await conn()).cursor() as cur:
            sql = f"SELECT {cols} WHERE category = %s ORDER BY score DESC LIMIT 20"
            await cur.execute(sql, (i % 500,))
            return await cur.fetchall()

    async def insert(i: int) -> Any:
        async with (await conn()).cursor() as cur:
            sql = f"INSERT INTO {TABLE} (name, category, score) VALUES (%s, %s, %s) RETURNING id"
            await cur.execute(sql, ("new", 1, 1.0))
            return await cur.fetchone()

    async def insert_all(i: int) -> Any:
        c = await conn()
        async with c.transaction(), c.cursor() as cur:
            sql = f"INSERT INTO {TABLE} (name, category, score) VALUES (%s, %s, %s)"
            await cur.executemany(sql, batch)

    async def close() -> None:
        if "c" in holder:
            await holder["c"].close()

    return close, {"get": get, "query20": query20, "insert": insert, "insert_all": insert_all}


# ------------------------------------------------------------------ driver
def _setup_sqlite(path: str) -> None:
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute(DDL["sqlite"])
    db.execute(INDEX)
    db.executemany(f"INSERT INTO {TABLE} (name, category, score) VALUES (?, ?, ?)", _rows(N_ROWS))
    db.commit()
    db.close()


def _setup_postgres(url: str) -> bool:
    try:
        import psycopg

        with psycopg.connect(url, autocommit=True, connect_timeout=3) as c:
            c.execute(f"DROP TABLE IF EXISTS {TABLE}")
            c.execute(DDL["postgres"])
            c.execute(INDEX)
            with c.cursor() as cur:
                cur.executemany(
                    f"INSERT INTO {TABLE} (name, category, score) VALUES (%s, %s, %s)",
                    _rows(N_ROWS),
                )
        return True
    except Exception as exc:
        print(f"PostgreSQL at {PG_URL} not usable, skipping it: {exc}")
        return False


async def _run_engine(
    name: str, ops: dict[str, Op], args: argparse.Namespace, out: dict[str, dict[str, float]]
) -> None:
    numbers = {
        "get": args.number,
        "query20": args.number,
        "insert": args.number,
        "insert_all": max(3, args.number // 100),
    }
    out[name] = {}
    for op_name, op in ops.items():
        out[name][op_name] = await _time(op, numbers[op_name], args.repeat)
    line = "  ".join(f"{k} {v * 1e6:9.1f} µs" for k, v in out[name].items())
    print(f"  {name:26} {line}", flush=True)


def _table(title: str, results: dict[str, dict[str, float]], ref: str) -> None:
    print(f"\n{title} (µs per operation; ratio = peer time / zzz_db time, >1 means zzz faster)")
    ops = ["get", "query20", "insert", "insert_all"]
    print("| engine | " + " | ".join(ops) + " | " + " | ".join(f"{o} vs zzz" for o in ops) + " |")
    print("|---|" + "---:|" * (2 * len(ops)))
    zzz = results[ref]
    for name, per in results.items():
        cells = " | ".join(f"{per[o] * 1e6:.1f}" for o in ops)
        ratios = " | ".join(f"{per[o] / zzz[o]:.2f}x" for o in ops)
        print(f"| {name} | {cells} | {ratios} |")


async def _sqlite_suite(args: argparse.Namespace) -> None:
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "bench.db")
        _setup_sqlite(path)
        print("SQLite, 10,000 rows:")
        repo, ops = _zzz_ops(f"sqlite:///{path}")
        await _run_engine("zzz_db Repo", ops, args, results)
        await repo.close()
        raw, ops = _sqlite_raw_ops(path)
        await _run_engine("sqlite3 (sync, raw)", ops, args, results)
        raw.close()
        close, ops = _aiosqlite_ops(path)
        await _run_engine("aiosqlite (raw SQL)", ops, args, results)
        await close()
        handles, core, orm = _sa_sync_ops(f"sqlite:///{path}")
        await _run_engine("SQLAlchemy Core (sync)", core, args, results)
        await _run_engine("SQLAlchemy ORM (sync)", orm, args, results)
        handles[0].close()
        handles[1].close()
        handles[2].dispose()
        close, ops = _sa_async_ops(f"sqlite+aiosqlite:///{path}")
        await _run_engine("SQLAlchemy Core (async)", ops, args, results)
        await close()
    _table("SQLite", results, "zzz_db Repo")


async def _postgres_suite(args: argparse.Namespace) -> None:
    if not _setup_postgres(PG_URL):
        return
    results: dict[str, dict[str, float]] = {}
    print("\nPostgreSQL, 10,000 rows:")
    try:
        repo, ops = _zzz_ops(PG_URL)
        await _run_engine("zzz_db Repo", ops, args, results)
        await repo.close()
        close, ops = _psycopg_ops(PG_URL)
        await _run_engine("psycopg async (raw SQL)", ops, args, results)
        await close()
        sa_url = PG_URL.replace("postgresql://", "postgresql+psycopg://", 1)
        handles, core, orm = _sa_sync_ops(sa_url)
        await _run_engine("SQLAlchemy Core (sync)", core, args, results)
        await _run_engine("SQLAlchemy ORM (sync)", orm, args, results)
        handles[0].close()
        handles[1].close()
        handles[2].dispose()
        close, ops = _sa_async_ops(sa_url)
        await _run_engine("SQLAlchemy Core (async)", ops, args, results)
        await close()
    finally:
        import psycopg

        with psycopg.connect(PG_URL, autocommit=True) as c:
            c.execute(f"DROP TABLE IF EXISTS {TABLE}")
    _table("PostgreSQL", results, "zzz_db Repo")


def main(argv: list[str]) -> None:
    """Run the suite on asyncio and print Markdown tables."""
    parser = argparse.ArgumentParser(prog="run.py db")
    parser.add_argument("--number", type=int, default=500, help="operations per timing run")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", choices=["sqlite", "postgres"], default=None)
    args = parser.parse_args(argv)
    if args.only != "postgres":
        anyio.run(_sqlite_suite, args)
    if args.only != "sqlite":
        anyio.run(_postgres_suite, args)
