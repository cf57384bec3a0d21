"""The RateLimit plug: a token bucket per client IP or custom key.

``limit`` requests per ``period`` seconds refill continuously, with bursts up to
``burst`` (default ``limit``). Over the limit: 429 with ``Retry-After``. Every
response carries ``RateLimit-Limit``, ``RateLimit-Remaining`` and
``RateLimit-Reset`` (IETF draft ``RateLimit`` header fields, seconds).

The client IP is ``conn.remote_ip``, which honours ``X-Forwarded-For`` /
``Forwarded`` only from the app's ``trusted_proxies``: behind a proxy, configure
those, or every client shares the proxy's bucket.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Awaitable, Callable
from typing import ClassVar

from zzz.conn import Conn
from zzz.exceptions import HTTPError, ImproperlyConfigured
from zzz.plugs._rate_limit_stores import MemoryRateLimitStore, RateLimitDecision, RateLimitStore

__all__ = ["RateLimit", "client_ip"]

KeyFunc = Callable[[Conn], "str | Awaitable[str | None] | None"]


def client_ip(conn: Conn) -> str | None:
    """The default key: the (proxy-aware) client IP."""
    return conn.remote_ip


class RateLimit:
    """Limit request rates with a token bucket.

    Args:
        limit: Requests allowed per ``period``.
        period: The period in seconds.
        burst: Bucket capacity (default ``limit``).
        key: ``(conn) -> str | None`` (sync or async); ``None`` skips limiting for
            that request. Default: :func:`client_ip`.
        store: Where buckets live (default: a new in-memory store).
        scope: Prefix separating this limiter's buckets from others in a shared store.
        cost: Tokens each request takes.
        headers: Send the ``RateLimit-*`` headers.

    Raises:
        ImproperlyConfigured: Non-positive limit/period/burst/cost, or cost > burst.

    Example:
        >>> RateLimit(limit=100, period=60)  # doctest: +SKIP
    """

    provides: ClassVar[frozenset[str]] = frozenset()
    requires: ClassVar[frozenset[str]] = frozenset()

    __slots__ = ("capacity", "cost", "headers", "key", "rate", "scope", "store")

    def __init__(
        self,
        *,
        limit: int = 60,
        period: float = 60.0,
        burst: int | None = None,
        key: KeyFunc | None = None,
        store: RateLimitStore | None = None,
        scope: str = "default",
        cost: int = 1,
        headers: bool = True,
    ) -> None:
        if limit < 1 or period <= 0:
            raise ImproperlyConfigured("RateLimit: limit must be >= 1 and period > 0")
        capacity = limit if burst is None else burst
        if capacity < 1 or cost < 1 or cost > capacity:
            raise ImproperlyConfigured("RateLimit: need 1 <= cost <= burst")
        self.rate = limit / period
        self.capacity = capacity
        self.key = key or client_ip
        self.store: RateLimitStore = store if store is not None else MemoryRateLimitStore()
        self.scope = scope
        self.cost = cost
        self.headers = headers

    async def __call__(self, conn: Conn) -> None:
        """Take a token for this request, or raise a 429."""
        key = self.key(conn)
        if inspect.isawaitable(key):
            key = await key
        if key is None:
            return
        decision = await self.store.hit(
            f"{self.scope}:{key}", rate=self.rate, capacity=self.capacity, cost=self.cost
        )
        values = self._header_values(decision) if self.headers else {}
        if not decision.allowed:
            values["retry-after"] = str(max(1, math.ceil(decision.retry_after)))
            raise HTTPError(429, "too many requests", values)
        if values:
            conn.register_before_send(lambda c: c.resp_headers.update(values))

    @staticmethod
    def _header_values(decision: RateLimitDecision) -> dict[str, str]:
        return {
            "ratelimit-limit": str(decision.limit),
            "ratelimit-remaining": str(decision.remaining),
            "ratelimit-reset": str(math.ceil(decision.reset_after)),
        }
