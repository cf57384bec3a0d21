"""The in-process HTTP test client (no sockets).

:class:`TestClient` is **async**: it calls the app's native ``handle_http`` (or any
ASGI 3 app through an adapter) in the test's own event loop, so it works on asyncio
and trio and shares the loop with the app's resources::

    async with TestClient(app) as client:          # runs startup/shutdown hooks
        await client.get("/users/1").expect_status(200).expect_json_path("$.name", "Jo")
        resp = await client.post("/users", json={"name": "Jo"})
        assert resp.status == 201 and resp.json()["id"]

Expectations can be chained on the request (checked when it is awaited) or on the
response. :class:`SyncTestClient` is a blocking facade for plain ``def`` tests: it
runs the async client in an anyio blocking portal (a private event loop in a
worker thread)::

    with SyncTestClient(app) as client:
        client.get("/").expect_status(200)
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Self
from urllib.parse import unquote, urlencode, urljoin, urlsplit

from zzz.conn import json_dumps
from zzz.exceptions import HTTPError
from zzz.testing._plumbing import MemoryBody, Recorder, encode_multipart
from zzz.testing.assertions import TestRequest, TestResponse
from zzz.testing.cookies import CookieJar
from zzz.types import ASGIApp, NativeApp, RequestHead

__all__ = ["FileSpec", "TestClient"]

_MISSING: Any = object()
_UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_MAX_REDIRECTS = 20
#: A file for multipart uploads: content, ``(filename, content)`` or
#: ``(filename, content, content_type)``.
FileSpec = bytes | str | tuple[str, bytes | str] | tuple[str, bytes | str, str]


_CSRF_META = re.compile(r"<meta[^>]+name=[\"']csrf-token[\"'][^>]+content=[\"']([^\"']+)", re.I)
_CSRF_META_REV = re.compile(r"<meta[^>]+content=[\"']([^\"']+)[\"'][^>]+name=[\"']csrf-token", re.I)


class TestClient:
    """Call an app in-process, like a browser or API client would (async).

    Args:
        app: A native app (``App``) or any ASGI 3 app.
        base_url: Scheme and host the requests appear to come to.
        headers: Headers sent with every request.
        follow_redirects: Follow redirects by default (per-request override).
        client_addr: The peer address the app sees.
        csrf_header: Header carrying :attr:`csrf_token` on unsafe requests.
        csrf_field: Form field name looked up by :meth:`fetch_csrf_token`.
        csrf_cookie: Cookie holding the token, for double-submit setups.

    Lifespan (startup/shutdown hooks) runs inside ``async with``; without it,
    requests are sent without running the hooks.
    """

    __test__ = False

    def __init__(
        self,
        app: NativeApp | ASGIApp,
        *,
        base_url: str = "http://testserver",
        headers: Mapping[str, str] | None = None,
        follow_redirects: bool = False,
        client_addr: tuple[str, int] = ("127.0.0.1", 50000),
        csrf_header: str = "x-csrf-token",
        csrf_field: str = "_csrf_token",
        csrf_cookie: str | None = None,
    ) -> None:
        self._asgi: ASGIApp | None = None
        self._lifespan: Any = None
        if isinstance(app, NativeApp):
            self.app: NativeApp = app
        else:
            from zzz.server.asgi import ASGIAdapter

            self._asgi = app
            self._adapter = ASGIAdapter(app)
            self.app = self._adapter
        parts = urlsplit(base_url)
        self.scheme = parts.scheme or "http"
        self.netloc = parts.netloc or "testserver"
        self.host = (parts.hostname or "testserver").lower()
        self.root_path = parts.path.rstrip("/")
        self.headers = dict(headers or {})
        self.follow_redirects = follow_redirects
        self.client_addr = client_addr
        self.cookies = CookieJar()
        self.csrf_token: str | None = None
        self.csrf_header = csrf_header
        self.csrf_field = csrf_field
        self.csrf_cookie = csrf_cookie

    async def __aenter__(self) -> Self:
        if self._asgi is None:
            await self.app.startup()
            return self
        # An ASGI app speaks the lifespan protocol; its state reaches request scopes.
        from zzz.server.lifespan import Lifespan

        lifespan = Lifespan(self._asgi)
        await lifespan.__aenter__()
        self._lifespan = lifespan
        self._adapter.state = lifespan.state
        return self

    async def __aexit__(self, *exc: object) -> None:
        lifespan, self._lifespan = self._lifespan, None
        if lifespan is not None:
            await lifespan.__aexit__(None, None, None)
        elif self._asgi is None:
            await self.app.shutdown()

    # ------------------------------------------------------------ verbs
    def get(self, path: str, **kwargs: Any) -> TestRequest:
        """``GET path``; see :meth:`request` for keyword arguments."""
        return TestRequest(self, "GET", path, kwargs)

    def head(self, path: str, **kwargs: Any) -> TestRequest:
        """``HEAD path``."""
        return TestRequest(self, "HEAD", path, kwargs)

    def options(self, path: str, **kwargs: Any) -> TestRequest:
        """``OPTIONS path``."""
        return TestRequest(self, "OPTIONS", path, kwargs)

    def post(self, path: str, **kwargs: Any) -> TestRequest:
        """``POST path`` (``json=``, ``form=``, ``files=``, ``content=``)."""
        return TestRequest(self, "POST", path, kwargs)

    def put(self, path: str, **kwargs: Any) -> TestRequest:
        """``PUT path``."""
        return TestRequest(self, "PUT", path, kwargs)

    def patch(self, path: str, **kwargs: Any) -> TestRequest:
        """``PATCH path``."""
        return TestRequest(self, "PATCH", path, kwargs)

    def delete(self, path: str, **kwargs: Any) -> TestRequest:
        """``DELETE path``."""
        return TestRequest(self, "DELETE", path, kwargs)

    def multipart(
        self,
        path: str,
        files: Mapping[str, FileSpec],
        *,
        data: Mapping[str, Any] | None = None,
        method: str = "POST",
        **kwargs: Any,
    ) -> TestRequest:
        """Send a ``multipart/form-data`` request with files and fields.

        Args:
            path: Request path.
            files: ``{field: content | (filename, content) | (filename, content,
                content_type)}``.
            data: Extra form fields (lists repeat the field).
            method: The method (default ``POST``).
            **kwargs: More :meth:`request` arguments.

        Returns:
            The awaitable request.
        """
        return TestRequest(self, method, path, {**kwargs, "files": files, "form": data})

    # ---------------------------------------------------------- request
    def _build(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None,
        headers: Mapping[str, str] | None,
        json: Any,
        form: Mapping[str, Any] | None,
        files: Mapping[str, FileSpec] | None,
        content: bytes | str | None,
        cookies: Mapping[str, str] | None,
    ) -> tuple[RequestHead, bytes, str]:
        parts = urlsplit(url)
        scheme = parts.scheme or self.scheme
        netloc = parts.netloc or self.netloc
        host = (parts.hostname or self.host).lower()
        raw_path = parts.path or "/"
        if not parts.netloc and self.root_path and not raw_path.startswith(self.root_path):
            raw_path = self.root_path + raw_path
        query = parts.query
        if params:
            extra = urlencode(params, doseq=True)
            query = f"{query}&{extra}" if query else extra
        body = b""
        content_type: str | None = None
        if files:
            body, content_type = encode_multipart(files, form)
        elif form is not None:
            body = urlencode(form, doseq=True).encode()
            content_type = "application/x-www-form-urlencoded"
        elif json is not _MISSING:
            body, content_type = json_dumps(json), "application/json"
        elif content is not None:
            body = content.encode() if isinstance(content, str) else content
        merged: dict[str, str] = {"host": netloc}
        merged.update({k.lower(): v for k, v in self.headers.items()})
        if content_type is not None:
            merged["content-type"] = content_type
        if body or method in _UNSAFE:
            merged["content-length"] = str(len(body))
        if method in _UNSAFE and self.csrf_token is not None:
            merged[self.csrf_header.lower()] = self.csrf_token
        jar = self.cookies.header_for(host, raw_path, scheme == "https")
        if cookies:
            given = "; ".join(f"{k}={v}" for k, v in cookies.items())
            jar = f"{jar}; {given}" if jar else given
        if jar:
            merged["cookie"] = jar
        merged.update({k.lower(): v for k, v in (headers or {}).items()})
        raw_headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in merged.items()]
        port = parts.port or (443 if scheme == "https" else 80)
        head = RequestHead(
            method=method,
            path=unquote(raw_path),
            raw_path=raw_path.encode("latin-1"),
            query_string=query.encode("latin-1"),
            headers=raw_headers,
            scheme=scheme,
            client=self.client_addr,
            server=(host, port),
            root_path=self.root_path,
        )
        full = f"{scheme}://{netloc}{raw_path}" + (f"?{query}" if query else "")
        return head, body, full

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        json: Any = _MISSING,
        form: Mapping[str, Any] | None = None,
        files: Mapping[str, FileSpec] | None = None,
        content: bytes | str | None = None,
        cookies: Mapping[str, str] | None = None,
        follow_redirects: bool | None = None,
    ) -> TestResponse:
        """Send one request through the app and return its response.

        Args:
            method: HTTP method.
            path: Path (with optional ``?query``) or absolute URL.
            params: Query parameters to append (lists repeat the key).
            headers: Extra headers for this request.
            json: A value sent as a JSON body.
            form: Fields sent urlencoded (or as multipart with ``files``).
            files: Files sent as multipart (see :meth:`multipart`).
            content: A raw body.
            cookies: Extra cookies for this request (the jar is used too).
            follow_redirects: Override the client's default.

        Returns:
            The final response (``history`` holds followed redirects).
        """
        follow = self.follow_redirects if follow_redirects is None else follow_redirects
        history: list[TestResponse] = []
        while True:
            head, body, url = self._build(
                method,
                path,
                params=params,
                headers=headers,
                json=json,
                form=form,
                files=files,
                content=content,
                cookies=cookies,
            )
            response = await self._send(head, body, url)
            response.history = list(history)
            location = response.headers.get("location")
            if not follow or location is None or response.status not in (301, 302, 303, 307, 308):
                return response
            target = urlsplit(urljoin(url, location))
            if target.hostname and target.hostname.lower() != self.host:
                return response  # an external redirect: not followed
            history.append(response)
            if len(history) > _MAX_REDIRECTS:
                raise AssertionError(
                    f"more than {_MAX_REDIRECTS} redirects\n{response._describe()}"
                )
            path = target.path + (f"?{target.query}" if target.query else "")
            params = None
            if response.status in (301, 302, 303) and method not in ("GET", "HEAD"):
                method, json, form, files, content = "GET", _MISSING, None, None, None

    async def _send(self, head: RequestHead, body: bytes, url: str) -> TestResponse:
        recorder = Recorder(head.method == "HEAD")
        try:
            await self.app.handle_http(head, MemoryBody(body), recorder)
        except HTTPError as exc:
            if recorder.started:
                raise
            # What the server does for an error that escaped the app.
            return TestResponse(exc.status, [], exc.detail.encode(), head.method, url)
        if not recorder.started:
            raise AssertionError(f"the app sent no response to {head.method} {url}")
        if not recorder.done:
            raise AssertionError(f"the app did not finish its streamed response to {url}")
        response = TestResponse(
            recorder.status, recorder.headers, bytes(recorder.body), head.method, url
        )
        for value in response.set_cookies:
            self.cookies.update_from(
                value, head.server[0] if head.server else self.host, head.raw_path.decode("latin-1")
            )
        return response

    async def fetch_csrf_token(self, path: str = "/") -> str:
        """GET ``path`` and remember its CSRF token for later unsafe requests.

        The token is looked up in ``<meta name="csrf-token" content=...>``, then a
        hidden input named :attr:`csrf_field`, then the :attr:`csrf_cookie` cookie.

        Args:
            path: A page that embeds the token.

        Returns:
            The token (also stored in :attr:`csrf_token`).

        Raises:
            AssertionError: No token was found (the message shows the page).
        """
        response = await self.request("GET", path)
        page = response.text
        field = re.escape(self.csrf_field)
        patterns = [
            _CSRF_META,
            _CSRF_META_REV,
            re.compile(rf"<input[^>]+name=[\"']{field}[\"'][^>]+value=[\"']([^\"']+)", re.I),
            re.compile(rf"<input[^>]+value=[\"']([^\"']+)[\"'][^>]+name=[\"']{field}", re.I),
        ]
        for pattern in patterns:
            found = pattern.search(page)
            if found:
                self.csrf_token = found.group(1)
                return self.csrf_token
        if self.csrf_cookie is not None:
            token = self.cookies.get(self.csrf_cookie)
            if token is not None:
                self.csrf_token = token
                return token
        raise AssertionError(f"no CSRF token found in {path}\n{response._describe()}")
