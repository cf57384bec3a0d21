"""A Redis client usable from asyncio and trio alike.

``redis.asyncio`` only runs on asyncio, so the stores use the synchronous ``redis``
client and call it in an anyio worker thread on every backend: one code path, the
same behaviour under asyncio and trio, at the cost of a thread hop per call.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import anyio.to_thread

from zzz.exceptions import MissingDependency

__all__ = ["ThreadedRedis"]

T = TypeVar("T")


class ThreadedRedis:
    """Run calls of a synchronous ``redis.Redis`` client in worker threads.

    Args:
        url: A ``redis://`` URL (used when ``client`` is not given).
        client: An existing ``redis.Redis`` client.
        timeout: Socket connect/read timeout in seconds.

    Raises:
        MissingDependency: The ``redis`` package (``redis`` extra) is not installed.
    """

    __slots__ = ("client",)

    def __init__(self, url: str | None = None, *, client: Any = None, timeout: float = 2.0) -> None:
        if client is None:
            try:
                import redis
            except ImportError as exc:  # pragma: no cover - depends on the environment
                raise MissingDependency("redis", "redis") from exc
            client = redis.Redis.from_url(
                url or "redis://127.0.0.1:6379/0",
                socket_timeout=timeout,
                socket_connect_timeout=timeout,
            )
        self.client = client

    async def run(self, func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Call ``func(*args, **kwargs)`` (a client method) in a worker thread."""
        return await anyio.to_thread.run_sync(functools.partial(func, *args, **kwargs))

    def close(self) -> None:
        """Close the client's connection pool."""
        self.client.close()
