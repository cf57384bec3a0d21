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

import functools
import re
import secrets
import time
from collections.abc import Generator, Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import Any, Literal, Self
from urllib.parse import quote, unquote, urlencode, urljoin, urlsplit

from zzz.conn import json_dumps, json_loads
from zzz.exceptions import HTTPError
from zzz.http.headers import Headers
from zzz.types import ASGIApp, NativeApp, RawHeaders, RequestHead

__all__ = [
    "Cookie",
    "CookieJar",
    "FileSpec",
    "SyncTestClient",
    "TestClient",
    "TestRequest",
    "TestResponse",
]

_MISSING: Any = object()
_UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_MAX_REDIRECTS = 20
_SHOWN_BODY = 2000
#: A file for multipart uploads: content, ``(filename, content)`` or
#: ``(filename, content, content_type)``.
FileSpec = bytes | str | tuple[str, bytes | str] | tuple[str, bytes | str, str]


# ------------------------------------------------------------------- cookies
@dataclass(slots=True)
class Cookie:
    """A cookie held by the client's jar.

    Attributes:
        name: Cookie name.
        value: Cookie value.
        domain: Host it belongs to (``host_only`` unless a ``Domain`` was set).
        path: ``Path`` attribute.
        secure: Sent only over https.
        expires: Expiry as UNIX time, or ``None`` for a session cookie.
        host_only: No ``Domain`` attribute was given.
        http_only: ``HttpOnly`` was set.
    """

    name: str
    value: str
    domain: str
    path: str = "/"
    secure: bool = False
    expires: float | None = None
    host_only: bool = True
    http_only: bool = False

    def matches(self, host: str, path: str, https: bool) -> bool:
        """Tell whether the cookie is sent with a request to ``host``/``path``."""
        if self.expires is not None and self.expires <= time.time():
            return False
        if self.secure and not https:
            return False
        if self.host_only:
            if host != self.domain:
                return False
        elif host != self.domain and not host.endswith("." + self.domain):
            return False
        if self.path in ("/", path):
            return True
        prefix = self.path if self.path.endswith("/") else self.path + "/"
        return path.startswith(prefix)


class CookieJar:
    """The client's cookies, updated from ``Set-Cookie`` and sent back like a browser."""

    def __init__(self) -> None:
        self._cookies: dict[tuple[str, str, str], Cookie] = {}

    def __iter__(self) -> Iterator[Cookie]:
        return iter(list(self._cookies.values()))

    def get(self, name: str) -> str | None:
        """Return the value of a live cookie called ``name`` (any domain/path)."""
        now = time.time()
        for cookie in self._cookies.values():
            if cookie.name == name and (cookie.expires is None or cookie.expires > now):
                return cookie.value
        return None

    def set(self, name: str, value: str, *, domain: str = "testserver", path: str = "/") -> None:
        """Put a cookie in the jar by hand."""
        self._cookies[(domain, path, name)] = Cookie(name, value, domain, path)

    def clear(self) -> None:
        """Drop every cookie."""
        self._cookies.clear()

    def update_from(self, set_cookie: str, host: str, path: str) -> None:
        """Apply one ``Set-Cookie`` header received for ``host``/``path``."""
        first, *attributes = set_cookie.split(";")
        name, sep, value = first.partition("=")
        name, value = name.strip(), value.strip()
        if not sep or not name:
            return
        default_path = path[: path.rfind("/")] or "/"
        cookie = Cookie(name, value, host, default_path)
        max_age: int | None = None
        for attribute in attributes:
            key, _, val = attribute.partition("=")
            key, val = key.strip().lower(), val.strip()
            if key == "path" and val.startswith("/"):
                cookie.path = val
            elif key == "domain" and val:
                cookie.domain, cookie.host_only = val.lstrip(".").lower(), False
            elif key == "secure":
                cookie.secure = True
            elif key == "httponly":
                cookie.http_only = True
            elif key == "max-age" and val.lstrip("-").isdigit():
                max_age = int(val)
            elif key == "expires" and cookie.expires is None:
                try:
                    cookie.expires = parsedate_to_datetime(val).timestamp()
                except (TypeError, ValueError):
                    continue
        if max_age is not None:
            cookie.expires = time.time() + max_age
        key3 = (cookie.domain, cookie.path, cookie.name)
        if cookie.expires is not None and cookie.expires <= time.time():
            self._cookies.pop(key3, None)
        else:
            self._cookies[key3] = cookie

    def header_for(self, host: str, path: str, https: bool) -> str | None:
        """The ``Cookie`` header to send, or ``None``."""
        found = [c for c in self._cookies.values() if c.matches(host, path, https)]
        found.sort(key=lambda c: -len(c.path))
        return "; ".join(f"{c.name}={c.value}" for c in found) or None


# ------------------------------------------------------------------ response
_PATH_TOKEN = re.compile(r"\.([A-Za-z_][\w-]*)|\[(-?\d+)\]|\[['\"](.*?)['\"]\]")


def _json_path(document: Any, path: str) -> Any:
    """Evaluate a small JSONPath subset: ``$``, ``.key``, ``[index]``, ``['key']``."""
    if not path.startswith("$"):
        raise ValueError(f"JSON path {path!r} must start with '$'")
    value = document
    position = 1
    while position < len(path):
        match = _PATH_TOKEN.match(path, position)
        if match is None:
            raise ValueError(f"cannot parse JSON path {path!r} at {path[position:]!r}")
        key, index, quoted = match.groups()
        if index is not None and isinstance(value, list) and -len(value) <= int(index) < len(value):
            value = value[int(index)]
        elif index is None and isinstance(value, dict) and (key or quoted) in value:
            value = value[key if key is not None else quoted]
        else:
            raise LookupError(f"{path[: match.end()]!r} does not exist")
        position = match.end()
    return value


class TestResponse:
    """A response received by the test client, with fluent assertions.

    Attributes:
        status: Status code.
        headers: Response headers (case-insensitive, multi-valued).
        body: The raw body (empty for ``HEAD``).
        method: The request method.
        url: The request URL.
        history: Redirect responses followed before this one.
    """

    __test__ = False

    def __init__(
        self, status: int, headers: RawHeaders, body: bytes, method: str, url: str
    ) -> None:
        self.status = status
        self.headers = Headers(headers)
        self.body = body
        self.method = method
        self.url = url
        self.history: list[TestResponse] = []

    @property
    def status_code(self) -> int:
        """Alias of :attr:`status` (httpx/Starlette spelling)."""
        return self.status

    @property
    def text(self) -> str:
        """The body decoded as UTF-8 (undecodable bytes replaced)."""
        return self.body.decode("utf-8", "replace")

    def json(self) -> Any:
        """Decode the body as JSON.

        Raises:
            AssertionError: The body is not JSON (the message shows the response).
        """
        try:
            return json_loads(self.body)
        except ValueError:
            raise AssertionError(f"response body is not JSON\n{self._describe()}") from None

    @property
    def set_cookies(self) -> list[str]:
        """Every ``Set-Cookie`` header value."""
        return self.headers.get_all("set-cookie")

    def _describe(self) -> str:
        lines = [f"--- response to {self.method} {self.url}: {self.status}"]
        lines += [f"{name}: {value}" for name, value in self.headers.multi_items()]
        body = self.text
        if len(body) > _SHOWN_BODY:
            body = body[:_SHOWN_BODY] + f"... ({len(self.body)} bytes)"
        lines += ["", body]
        return "\n".join(lines)

    def _fail(self, message: str) -> AssertionError:
        return AssertionError(f"{message}\n{self._describe()}")

    def expect_status(self, status: int) -> Self:
        """Assert the status code.

        Args:
            status: The expected status.

        Returns:
            The response, for chaining.
        """
        if self.status != status:
            raise self._fail(f"expected status {status}, got {self.status}")
        return self

    def expect_header(self, name: str, value: str | None = None) -> Self:
        """Assert that a header is present (with ``value`` when given).

        Args:
            name: Header name (any case).
            value: Expected value (any of the header's values may match).

        Returns:
            The response.
        """
        values = self.headers.get_all(name)
        if not values:
            raise self._fail(f"expected header {name!r}, it is absent")
        if value is not None and value not in values:
            raise self._fail(f"expected header {name!r} to be {value!r}, got {values!r}")
        return self

    def expect_no_header(self, name: str) -> Self:
        """Assert that a header is absent.

        Args:
            name: Header name.

        Returns:
            The response.
        """
        if name in self.headers:
            raise self._fail(f"expected no header {name!r}, got {self.headers.get_all(name)!r}")
        return self

    def expect_body_contains(self, text: str) -> Self:
        """Assert that the body contains ``text``.

        Args:
            text: The expected substring.

        Returns:
            The response.
        """
        if text not in self.text:
            raise self._fail(f"expected the body to contain {text!r}")
        return self

    def expect_json(self, expected: Any) -> Self:
        """Assert that the JSON body equals ``expected``.

        Args:
            expected: The expected value.

        Returns:
            The response.
        """
        actual = self.json()
        if actual != expected:
            raise self._fail(f"expected JSON {expected!r}, got {actual!r}")
        return self

    def expect_json_path(self, path: str, expected: Any = _MISSING) -> Self:
        """Assert a value inside the JSON body (``$.user.name``, ``$.items[0].id``).

        Args:
            path: A JSONPath subset: ``$``, ``.key``, ``[index]``, ``['key']``.
            expected: The expected value; omitted: only assert the path exists.

        Returns:
            The response.
        """
        try:
            actual = _json_path(self.json(), path)
        except LookupError as exc:
            raise self._fail(f"JSON path {path}: {exc}") from None
        if expected is not _MISSING and actual != expected:
            raise self._fail(f"expected {path} == {expected!r}, got {actual!r}")
        return self

    def expect_redirect(self, to: str | None = None) -> Self:
        """Assert a redirect status (301/302/303/307/308), optionally its ``Location``.

        Args:
            to: The expected ``Location``.

        Returns:
            The response.
        """
        if self.status not in (301, 302, 303, 307, 308):
            raise self._fail(f"expected a redirect, got status {self.status}")
        if to is not None and self.headers.get("location") != to:
            raise self._fail(f"expected a redirect to {to!r}, got {self.headers.get('location')!r}")
        return self

    def __repr__(self) -> str:
        return f"<TestResponse {self.method} {self.url} {self.status}>"


# --------------------------------------------------------------------- plumbing
class _MemoryBody:
    __slots__ = ("_chunks",)

    def __init__(self, data: bytes, chunk_size: int = 65536) -> None:
        self._chunks = [data[i : i + chunk_size] for i in range(0, len(data), chunk_size)]

    async def receive(self) -> bytes:
        return self._chunks.pop(0) if self._chunks else b""


class _Recorder:
    """An in-memory :class:`~zzz.types.ResponseWriter` enforcing the call order."""

    __slots__ = ("body", "done", "head_only", "headers", "started", "status")

    def __init__(self, head_only: bool) -> None:
        self.head_only = head_only
        self.status = 0
        self.headers: RawHeaders = []
        self.body = bytearray()
        self.started = False
        self.done = False

    def _begin(self, status: int, headers: RawHeaders) -> None:
        if self.started:
            raise RuntimeError("the app started the response twice")
        self.started = True
        self.status = status
        self.headers = list(headers)

    async def respond(self, status: int, headers: RawHeaders, body: bytes) -> None:
        self._begin(status, headers)
        if not self.head_only:
            self.body += body
        self.done = True

    async def start(self, status: int, headers: RawHeaders) -> None:
        self._begin(status, headers)

    async def write(self, data: bytes) -> None:
        if not self.started or self.done:
            raise RuntimeError("write() outside a started, unfinished response")
        if not self.head_only:
            self.body += data

    async def end(self) -> None:
        if not self.started or self.done:
            raise RuntimeError("end() outside a started, unfinished response")
        self.done = True

    async def send_file(
        self, status: int, headers: RawHeaders, path: str, offset: int = 0, count: int | None = None
    ) -> None:
        import anyio

        self._begin(status, headers)
        data = await anyio.Path(path).read_bytes()
        end = len(data) if count is None else offset + count
        if not self.head_only:
            self.body += data[offset:end]
        self.done = True


def _encode_multipart(
    files: Mapping[str, FileSpec], data: Mapping[str, Any] | None
) -> tuple[bytes, str]:
    boundary = "zzz" + secrets.token_hex(12)
    parts: list[bytes] = []

    def disposition(name: str, filename: str | None = None) -> str:
        text = f'form-data; name="{quote(name, safe=" []")}"'
        if filename is not None:
            text += f'; filename="{quote(filename, safe=" .-_")}"'
        return text

    for name, value in (data or {}).items():
        items = value if isinstance(value, list | tuple) else [value]
        parts.extend(
            f"--{boundary}\r\nContent-Disposition: {disposition(name)}\r\n\r\n".encode()
            + str(item).encode()
            + b"\r\n"
            for item in items
        )
    for name, spec in files.items():
        filename, ctype = name, "application/octet-stream"
        content: bytes | str
        if isinstance(spec, tuple):
            filename, content = spec[0], spec[1]
            if len(spec) == 3:
                ctype = spec[2]
        else:
            content = spec
        raw = content.encode() if isinstance(content, str) else content
        header = (
            f"--{boundary}\r\nContent-Disposition: {disposition(name, filename)}\r\n"
            f"Content-Type: {ctype}\r\n\r\n"
        )
        parts.append(header.encode() + raw + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


_CSRF_META = re.compile(r"<meta[^>]+name=[\"']csrf-token[\"'][^>]+content=[\"']([^\"']+)", re.I)
_CSRF_META_REV = re.compile(r"<meta[^>]+content=[\"']([^\"']+)[\"'][^>]+name=[\"']csrf-token", re.I)


class TestRequest:
    """A request that runs when awaited; expectations chain before the ``await``.

    ``await client.get("/").expect_status(200)`` sends the request, checks the
    expectations in order and returns the :class:`TestResponse`.
    """

    __test__ = False
    __slots__ = ("_checks", "_client", "_kwargs", "_method", "_path")

    def __init__(self, client: TestClient, method: str, path: str, kwargs: dict[str, Any]) -> None:
        self._client = client
        self._method = method
        self._path = path
        self._kwargs = kwargs
        self._checks: list[tuple[str, tuple[Any, ...]]] = []

    def _add(self, name: str, *args: Any) -> Self:
        self._checks.append((name, args))
        return self

    def expect_status(self, status: int) -> Self:
        """Expect a status (see :meth:`TestResponse.expect_status`)."""
        return self._add("expect_status", status)

    def expect_header(self, name: str, value: str | None = None) -> Self:
        """Expect a header (see :meth:`TestResponse.expect_header`)."""
        return self._add("expect_header", name, value)

    def expect_no_header(self, name: str) -> Self:
        """Expect a header to be absent."""
        return self._add("expect_no_header", name)

    def expect_body_contains(self, text: str) -> Self:
        """Expect a substring of the body."""
        return self._add("expect_body_contains", text)

    def expect_json(self, expected: Any) -> Self:
        """Expect the whole JSON body."""
        return self._add("expect_json", expected)

    def expect_json_path(self, path: str, expected: Any = _MISSING) -> Self:
        """Expect a value at a JSON path."""
        return self._add("expect_json_path", path, expected)

    def expect_redirect(self, to: str | None = None) -> Self:
        """Expect a redirect."""
        return self._add("expect_redirect", to)

    async def send(self) -> TestResponse:
        """Send the request and check the expectations.

        Returns:
            The response.
        """
        response = await self._client.request(self._method, self._path, **self._kwargs)
        for name, args in self._checks:
            getattr(response, name)(*args)
        return response

    def __await__(self) -> Generator[Any, None, TestResponse]:
        return self.send().__await__()


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
            body, content_type = _encode_multipart(files, form)
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
        recorder = _Recorder(head.method == "HEAD")
        try:
            await self.app.handle_http(head, _MemoryBody(body), recorder)
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
