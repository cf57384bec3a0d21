"""Server-side session stores for :class:`zzz.plugs.Session`.

With a server-side store the cookie carries only a signed random session id; the
data lives in the store. Every store implements :class:`SessionStore`:
:class:`MemorySessionStore` (one process, tests, development) and
:class:`RedisSessionStore` (shared by workers), and
:class:`zzz.plugs.session_db.DatabaseSessionStore` (a table reached through a ``zzz_db`` Repo).

Session data is serialised as JSON, so values must be JSON-compatible.
"""

from __future__ import annotations

import json
import time
from collections import OrderedDict
from typing import Any, Protocol, runtime_checkable

from zzz.exceptions import ImproperlyConfigured
from zzz.plugs._redis import ThreadedRedis

__all__ = [
    "MemorySessionStore",
    "RedisSessionStore",
    "SessionStore",
]


@runtime_checkable
class SessionStore(Protocol):
    """Loads, saves and deletes session data by id (ids are random, 256-bit, url-safe)."""

    async def load(self, session_id: str) -> dict[str, Any] | None:
        """Return the data of ``session_id``, or ``None`` when unknown or expired."""

    async def save(self, session_id: str, data: dict[str, Any], max_age: int) -> None:
        """Store ``data`` under ``session_id`` for ``max_age`` seconds."""

    async def delete(self, session_id: str) -> None:
        """Forget ``session_id`` (no error when unknown)."""


class MemorySessionStore:
    """Sessions in process memory, with expiry and a size bound.

    Args:
        max_sessions: At most this many sessions are kept; the least recently used
            is dropped first.

    Raises:
        ImproperlyConfigured: ``max_sessions`` < 1.
    """

    __slots__ = ("_data", "_max")

    def __init__(self, *, max_sessions: int = 100_000) -> None:
        if max_sessions < 1:
            raise ImproperlyConfigured("MemorySessionStore max_sessions must be >= 1")
        self._max = max_sessions
        self._data: OrderedDict[str, tuple[float, str]] = OrderedDict()

    async def load(self, session_id: str) -> dict[str, Any] | None:
        """See :class:`SessionStore`."""
        entry = self._data.get(session_id)
        if entry is None:
            return None
        expires, blob = entry
        if expires <= time.monotonic():
            del self._data[session_id]
            return None
        self._data.move_to_end(session_id)
        loaded: dict[str, Any] = json.loads(blob)
        return loaded

    async def save(self, session_id: str, data: dict[str, Any], max_age: int) -> None:
        """See :class:`SessionStore`."""
        store = self._data
        if session_id not in store and len(store) >= self._max:
            store.popitem(last=False)
        store[session_id] = (time.monotonic() + max_age, json.dumps(data))
        store.move_to_end(session_id)

    async def delete(self, session_id: str) -> None:
        """See :class:`SessionStore`."""
        self._data.pop(session_id, None)

    def __len__(self) -> int:
        """The number of sessions held (expired ones included until touched)."""
        return len(self._data)


class RedisSessionStore:
    """Sessions in Redis (``SET key json EX max_age``), shared by every worker.

    Runs on asyncio and trio: the synchronous client is called in a worker thread.

    Args:
        url: The Redis URL (ignored when ``client`` is given).
        client: An existing synchronous ``redis.Redis`` client.
        prefix: Prefix of every key.
        timeout: Socket timeout in seconds.
    """

    __slots__ = ("_prefix", "_redis")

    def __init__(
        self,
        url: str = "redis://127.0.0.1:6379/0",
        *,
        client: Any = None,
        prefix: str = "zzz:session:",
        timeout: float = 2.0,
    ) -> None:
        self._redis = ThreadedRedis(url, client=client, timeout=timeout)
        self._prefix = prefix

    async def load(self, session_id: str) -> dict[str, Any] | None:
        """See :class:`SessionStore`."""
        blob = await self._redis.run(self._redis.client.get, self._prefix + session_id)
        if blob is None:
            return None
        try:
            data = json.loads(blob)
        except ValueError:
            return None
        return data if isinstance(data, dict) else None

    async def save(self, session_id: str, data: dict[str, Any], max_age: int) -> None:
        """See :class:`SessionStore`."""
        await self._redis.run(
            self._redis.client.set, self._prefix + session_id, json.dumps(data), ex=max_age
        )

    async def delete(self, session_id: str) -> None:
        """See :class:`SessionStore`."""
        await self._redis.run(self._redis.client.delete, self._prefix + session_id)

    def close(self) -> None:
        """Close the Redis connection pool."""
        self._redis.close()
