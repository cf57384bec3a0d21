"""Token-bucket stores for :class:`zzz.plugs.RateLimit`: memory, Redis and PostgreSQL.

The bucket arithmetic (:func:`refill`) is sans-IO; stores only keep ``(tokens,
updated_at)`` per key and apply it atomically (memory: no await between read and
write; Redis: one Lua script).
"""

from __future__ import annotations

import functools
import math
import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Final, Protocol

import anyio.to_thread

from zzz.exceptions import ImproperlyConfigured, MissingDependency
from zzz.plugs._redis import ThreadedRedis

__all__ = [
    "MemoryRateLimitStore",
    "PostgresRateLimitStore",
    "RateLimitDecision",
    "RateLimitStore",
    "RedisRateLimitStore",
    "refill",
]


@dataclass(frozen=True, slots=True)
class RateLimitDecision:
    """The outcome of taking tokens from a bucket.

    Attributes:
        allowed: Whether the request may proceed.
        limit: The bucket capacity.
        remaining: Whole tokens left after this request.
        retry_after: Seconds until enough tokens are back (0 when allowed).
        reset_after: Seconds until the bucket is full again.
    """

    allowed: bool
    limit: int
    remaining: int
    retry_after: float
    reset_after: float


def refill(
    tokens: float, updated: float, now: float, *, rate: float, capacity: int, cost: int
) -> tuple[float, bool]:
    """Refill a bucket up to ``now`` and try to take ``cost`` tokens.

    Returns:
        ``(tokens_left, allowed)``.
    """
    tokens = min(float(capacity), tokens + max(0.0, now - updated) * rate)
    if tokens >= cost:
        return tokens - cost, True
    return tokens, False


def _decide(
    tokens: float, allowed: bool, *, rate: float, capacity: int, cost: int
) -> RateLimitDecision:
    """Turn a bucket state into a :class:`RateLimitDecision`."""
    return RateLimitDecision(
        allowed=allowed,
        limit=capacity,
        remaining=max(0, math.floor(tokens)),
        retry_after=0.0 if allowed else (cost - tokens) / rate,
        reset_after=(capacity - tokens) / rate,
    )


class RateLimitStore(Protocol):
    """Where token buckets live; implementations must update atomically."""

    async def hit(
        self, key: str, *, rate: float, capacity: int, cost: int = 1
    ) -> RateLimitDecision:
        """Take ``cost`` tokens from ``key``'s bucket (refilled at ``rate`` per second)."""


class MemoryRateLimitStore:
    """Buckets in process memory (one process; use Redis with several workers).

    Args:
        max_keys: At most this many buckets are kept; the least recently used is
            evicted first (evicting a bucket only ever *grants* tokens back).

    Raises:
        ImproperlyConfigured: ``max_keys`` < 1.
    """

    __slots__ = ("_buckets", "_max_keys")

    def __init__(self, *, max_keys: int = 100_000) -> None:
        if max_keys < 1:
            raise ImproperlyConfigured("MemoryRateLimitStore max_keys must be >= 1")
        self._max_keys = max_keys
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    async def hit(
        self, key: str, *, rate: float, capacity: int, cost: int = 1
    ) -> RateLimitDecision:
        """Take tokens; see :class:`RateLimitStore`."""
        now = time.monotonic()
        buckets = self._buckets
        state = buckets.get(key)
        if state is None:
            tokens, updated = float(capacity), now
            if len(buckets) >= self._max_keys:
                buckets.popitem(last=False)
        else:
            tokens, updated = state
            buckets.move_to_end(key)
        tokens, allowed = refill(tokens, updated, now, rate=rate, capacity=capacity, cost=cost)
        buckets[key] = (tokens, now)
        return _decide(tokens, allowed, rate=rate, capacity=capacity, cost=cost)

    def __len__(self) -> int:
        """The number of buckets currently held."""
        return len(self._buckets)


_LUA: Final = """
local rate = tonumber(ARGV[1])
local cap = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local s = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(s[1])
local ts = tonumber(s[2])
if tokens == nil or ts == nil then tokens = cap; ts = now end
tokens = math.min(cap, tokens + math.max(0, now - ts) * rate)
local allowed = 0
if tokens >= cost then tokens = tokens - cost; allowed = 1 end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(cap / rate * 1000) + 1000)
return {allowed, tostring(tokens)}
"""


class RedisRateLimitStore:
    """Buckets in Redis, shared by every worker; each hit is one atomic Lua script.

    Runs on asyncio and trio (the sync client in a worker thread). Times come from
    the Redis server's clock, so workers with skewed clocks agree. Keys expire once
    the bucket would be full again.

    Args:
        url: The Redis URL (ignored when ``client`` is given).
        client: An existing synchronous ``redis.Redis`` client.
        prefix: Prefix of every key.
        timeout: Socket timeout in seconds.
    """

    __slots__ = ("_prefix", "_redis", "_script")

    def __init__(
        self,
        url: str = "redis://127.0.0.1:6379/0",
        *,
        client: Any = None,
        prefix: str = "zzz:ratelimit:",
        timeout: float = 2.0,
    ) -> None:
        self._redis = ThreadedRedis(url, client=client, timeout=timeout)
        self._script = self._redis.client.register_script(_LUA)
        self._prefix = prefix

    async def hit(
        self, key: str, *, rate: float, capacity: int, cost: int = 1
    ) -> RateLimitDecision:
        """Take tokens; see :class:`RateLimitStore`."""
        allowed, tokens_text = await self._redis.run(
            self._script, keys=[self._prefix + key], args=[repr(rate), capacity, cost]
        )
        tokens = float(tokens_text)
        return _decide(tokens, bool(allowed), rate=rate, capacity=capacity, cost=cost)

    def close(self) -> None:
        """Close the Redis connection pool."""
        self._redis.close()


_IDENT: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")


class PostgresRateLimitStore:
    """Buckets in a PostgreSQL table, shared by every worker and host.

    Each hit is one ``INSERT ... ON CONFLICT DO UPDATE`` (the row lock makes it
    atomic; times come from the database clock). Uses the synchronous ``psycopg``
    driver (``postgres`` extra) in a worker thread, so it runs on asyncio and trio.
    The table is created on first use; call :meth:`prune` periodically (e.g. from a
    job) to delete buckets idle for longer than a refill period.

    Args:
        url: A ``postgresql://`` URL.
        table: The table name (an SQL identifier).
        timeout: Connect timeout in seconds.

    Raises:
        ImproperlyConfigured: ``table`` is not a plain identifier.
        MissingDependency: ``psycopg`` is not installed.
    """

    __slots__ = ("_conn", "_lock", "_sql", "_table", "_timeout", "_url")

    def __init__(self, url: str, *, table: str = "zzz_rate_limits", timeout: float = 5.0) -> None:
        if not _IDENT.fullmatch(table):
            raise ImproperlyConfigured(f"PostgresRateLimitStore: invalid table name {table!r}")
        try:
            import psycopg  # noqa: F401
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise MissingDependency("psycopg", "postgres") from exc
        self._url = url
        self._table = table
        self._timeout = timeout
        self._conn: Any = None
        self._lock = threading.Lock()
        refilled = (
            "LEAST(%(cap)s::float8, b.tokens + GREATEST(0, "
            "EXTRACT(EPOCH FROM (now() - b.updated_at))::float8) * %(rate)s::float8)"
        )
        self._sql = (
            f"INSERT INTO {table} AS b (key, tokens, updated_at, allowed) "  # noqa: S608 - identifier checked above
            "VALUES (%(key)s, %(cap)s::float8 - %(cost)s, now(), true) "
            "ON CONFLICT (key) DO UPDATE SET "
            f"tokens = CASE WHEN {refilled} >= %(cost)s THEN {refilled} - %(cost)s "
            f"ELSE {refilled} END, "
            f"allowed = {refilled} >= %(cost)s, updated_at = now() "
            "RETURNING allowed, tokens"
        )

    def _connection(self) -> Any:
        if self._conn is None or self._conn.closed:
            import psycopg

            conn = psycopg.connect(self._url, autocommit=True, connect_timeout=int(self._timeout))
            conn.execute(
                f"CREATE TABLE IF NOT EXISTS {self._table} ("
                "key text PRIMARY KEY, tokens float8 NOT NULL, "
                "updated_at timestamptz NOT NULL, allowed boolean NOT NULL)"
            )
            self._conn = conn
        return self._conn

    def _hit(self, key: str, rate: float, capacity: int, cost: int) -> tuple[bool, float]:
        params = {"key": key, "rate": rate, "cap": capacity, "cost": cost}
        with self._lock:
            row = self._connection().execute(self._sql, params).fetchone()
        return bool(row[0]), float(row[1])

    async def hit(
        self, key: str, *, rate: float, capacity: int, cost: int = 1
    ) -> RateLimitDecision:
        """Take tokens; see :class:`RateLimitStore`."""
        allowed, tokens = await anyio.to_thread.run_sync(
            functools.partial(self._hit, key, rate, capacity, cost)
        )
        return _decide(tokens, allowed, rate=rate, capacity=capacity, cost=cost)

    def _prune(self, idle_seconds: float) -> int:
        with self._lock:
            cursor = self._connection().execute(
                f"DELETE FROM {self._table} "  # noqa: S608 - identifier checked in __init__
                "WHERE updated_at < now() - make_interval(secs => %s)",
                (idle_seconds,),
            )
        return int(cursor.rowcount)

    async def prune(self, idle_seconds: float = 3600.0) -> int:
        """Delete buckets untouched for ``idle_seconds``; returns how many."""
        return await anyio.to_thread.run_sync(self._prune, idle_seconds)

    def close(self) -> None:
        """Close the database connection."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
