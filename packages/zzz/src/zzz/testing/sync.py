"""A blocking facade over the async test client, for plain ``def`` tests."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from contextlib import AbstractContextManager
from types import TracebackType
from typing import Any, Literal, Self

from zzz.testing.assertions import TestResponse
from zzz.testing.client import FileSpec, TestClient
from zzz.testing.cookies import CookieJar
from zzz.types import ASGIApp, NativeApp

__all__ = ["SyncTestClient"]


class SyncTestClient(AbstractContextManager["SyncTestClient"]):
    """A blocking facade over :class:`TestClient` for plain ``def`` tests.

    Requests run in an anyio blocking portal: a private event loop in a worker
    thread (``backend`` chooses asyncio or trio). Inside ``with`` one portal
    serves every request and the lifespan hooks run; outside, each request
    starts a short-lived portal. Do not use it from ``async def`` tests (it
    would block their loop): await :class:`TestClient` there.

    Args:
        app: A native or ASGI app.
        backend: ``"asyncio"`` or ``"trio"``.
        **options: :class:`TestClient` keyword arguments.
    """

    __test__ = False

    def __init__(
        self,
        app: NativeApp | ASGIApp,
        *,
        backend: Literal["asyncio", "trio"] = "asyncio",
        **options: Any,
    ) -> None:
        self.client = TestClient(app, **options)
        self.backend = backend
        self._portal: Any = None
        self._portal_cm: Any = None
        self._client_cm: Any = None

    @property
    def cookies(self) -> CookieJar:
        """The underlying client's cookie jar."""
        return self.client.cookies

    def __enter__(self) -> Self:
        from anyio.from_thread import start_blocking_portal

        self._portal_cm = start_blocking_portal(self.backend)
        self._portal = self._portal_cm.__enter__()
        try:
            # The lifespan runs in one task of the portal for the whole block.
            self._client_cm = self._portal.wrap_async_context_manager(self.client)
            self._client_cm.__enter__()
        except BaseException:
            self._portal_cm.__exit__(None, None, None)
            self._portal = self._portal_cm = None
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        portal_cm, client_cm = self._portal_cm, self._client_cm
        if portal_cm is None:
            return
        try:
            client_cm.__exit__(None, None, None)
        finally:
            self._portal = self._portal_cm = self._client_cm = None
            portal_cm.__exit__(exc_type, exc, tb)

    def _portal_call(self, func: Any, *args: Any) -> Any:
        if self._portal is not None:
            return self._portal.call(func, *args)
        from anyio.from_thread import start_blocking_portal

        with start_blocking_portal(self.backend) as portal:
            return portal.call(func, *args)

    def request(self, method: str, path: str, **kwargs: Any) -> TestResponse:
        """Send a request (same arguments as :meth:`TestClient.request`)."""
        call = functools.partial(self.client.request, method, path, **kwargs)
        return self._portal_call(call)  # type: ignore[no-any-return]

    def get(self, path: str, **kwargs: Any) -> TestResponse:
        """``GET path``."""
        return self.request("GET", path, **kwargs)

    def head(self, path: str, **kwargs: Any) -> TestResponse:
        """``HEAD path``."""
        return self.request("HEAD", path, **kwargs)

    def options(self, path: str, **kwargs: Any) -> TestResponse:
        """``OPTIONS path``."""
        return self.request("OPTIONS", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> TestResponse:
        """``POST path``."""
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> TestResponse:
        """``PUT path``."""
        return self.request("PUT", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> TestResponse:
        """``PATCH path``."""
        return self.request("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> TestResponse:
        """``DELETE path``."""
        return self.request("DELETE", path, **kwargs)

    def multipart(
        self,
        path: str,
        files: Mapping[str, FileSpec],
        *,
        data: Mapping[str, Any] | None = None,
        method: str = "POST",
        **kwargs: Any,
    ) -> TestResponse:
        """Send ``multipart/form-data`` (see :meth:`TestClient.multipart`)."""
        return self.request(method, path, files=files, form=data, **kwargs)

    def fetch_csrf_token(self, path: str = "/") -> str:
        """See :meth:`TestClient.fetch_csrf_token`."""
        return self._portal_call(self.client.fetch_csrf_token, path)  # type: ignore[no-any-return]
