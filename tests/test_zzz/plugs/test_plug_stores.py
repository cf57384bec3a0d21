"""Rate-limit and session stores: memory and real Redis, on asyncio and trio."""

from __future__ import annotations

import uuid

import anyio
import pytest
from zzz.exceptions import ImproperlyConfigured
from zzz.plugs import (
    MemoryRateLimitStore,
    MemorySessionStore,
    PostgresRateLimitStore,
    RedisRateLimitStore,
    RedisSessionStore,
    SessionStore,
)
from zzz.plugs._rate_limit_stores import refill


def test_refill_math() -> None:
    assert refill(0.0, 0.0, 1.0, rate=2.0, capacity=5, cost=1) == (1.0, True)
    assert refill(0.5, 0.0, 0.0, rate=1.0, capacity=5, cost=1) == (0.5, False)
    assert refill(4.0, 0.0, 100.0, rate=1.0, capacity=5, cost=1) == (4.0, True)


@pytest.mark.anyio
async def test_memory_bucket() -> None:
    store = MemoryRateLimitStore(max_keys=2)
    decisions = [await store.hit("k", rate=0.001, capacity=3) for _ in range(4)]
    assert [d.allowed for d in decisions] == [True, True, True, False]
    assert decisions[2].remaining == 0
    assert decisions[3].retry_after > 900
    await store.hit("a", rate=1, capacity=1)
    await store.hit("b", rate=1, capacity=1)
    assert len(store) == 2  # LRU bound
    with pytest.raises(ImproperlyConfigured):
        MemoryRateLimitStore(max_keys=0)


@pytest.mark.anyio
async def test_memory_sessions() -> None:
    store = MemorySessionStore(max_sessions=1)
    assert isinstance(store, SessionStore)
    await store.save("a", {"x": 1}, 60)
    assert await store.load("a") == {"x": 1}
    await store.save("b", {"y": 2}, 0)
    assert await store.load("a") is None  # evicted by the bound
    assert await store.load("b") is None  # expired
    await store.delete("zzz")
    with pytest.raises(ImproperlyConfigured):
        MemorySessionStore(max_sessions=0)


@pytest.mark.anyio
@pytest.mark.redis
async def test_redis_bucket(redis_url: str) -> None:
    store = RedisRateLimitStore(redis_url, prefix=f"test-plug-rl-{uuid.uuid4().hex}:")
    try:
        with anyio.fail_after(10):
            decisions = [await store.hit("ip", rate=0.01, capacity=2) for _ in range(3)]
            assert [d.allowed for d in decisions] == [True, True, False]
            assert decisions[2].retry_after > 50
            # atomic under concurrency: exactly `capacity` of N concurrent hits pass
            results: list[bool] = []

            async def one() -> None:
                results.append((await store.hit("burst", rate=0.01, capacity=5)).allowed)

            async with anyio.create_task_group() as tg:
                for _ in range(12):
                    tg.start_soon(one)
            assert results.count(True) == 5
    finally:
        store.close()


@pytest.mark.anyio
@pytest.mark.redis
async def test_redis_sessions(redis_url: str) -> None:
    store = RedisSessionStore(redis_url, prefix=f"test-plug-sess-{uuid.uuid4().hex}:")
    try:
        with anyio.fail_after(10):
            await store.save("sid", {"user": 7}, 60)
            assert await store.load("sid") == {"user": 7}
            await store.delete("sid")
            assert await store.load("sid") is None
            await store._redis.run(store._redis.client.set, store._prefix + "bad", b"not json")
            assert await store.load("bad") is None
            await store.delete("bad")
    finally:
        store.close()


@pytest.mark.anyio
@pytest.mark.postgres
async def test_postgres_bucket(postgres_url: str) -> None:
    table = f"test_plug_rl_{uuid.uuid4().hex[:12]}"
    store = PostgresRateLimitStore(postgres_url, table=table)
    try:
        with anyio.fail_after(20):
            decisions = [await store.hit("ip", rate=0.01, capacity=2) for _ in range(3)]
            assert [d.allowed for d in decisions] == [True, True, False]
            assert decisions[2].retry_after > 50
            results: list[bool] = []

            async def one() -> None:
                results.append((await store.hit("burst", rate=0.01, capacity=4)).allowed)

            async with anyio.create_task_group() as tg:
                for _ in range(8):
                    tg.start_soon(one)
            assert results.count(True) == 4
            assert await store.prune(idle_seconds=3600) == 0
    finally:
        await anyio.to_thread.run_sync(
            lambda: store._connection().execute(f"DROP TABLE IF EXISTS {table}")
        )
        store.close()


def test_postgres_store_config() -> None:
    with pytest.raises(ImproperlyConfigured, match="table"):
        PostgresRateLimitStore("postgresql://x", table="bad; drop")
