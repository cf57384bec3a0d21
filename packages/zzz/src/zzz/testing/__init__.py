"""Testing helpers: the in-process HTTP test client and its pytest plugin.

:class:`TestClient` is async (``await client.get("/")``); :class:`SyncTestClient`
is its blocking facade for plain ``def`` tests. See ``docs/testing.md``.
"""

from __future__ import annotations

from zzz.testing.assertions import TestRequest, TestResponse
from zzz.testing.client import TestClient
from zzz.testing.cookies import Cookie, CookieJar
from zzz.testing.sync import SyncTestClient

__all__ = ["Cookie", "CookieJar", "SyncTestClient", "TestClient", "TestRequest", "TestResponse"]
