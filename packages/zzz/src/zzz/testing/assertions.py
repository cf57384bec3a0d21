"""Test responses and their fluent assertions (``expect_status``, ``expect_json_path``...).

Assertion messages show the whole response (status, headers, body).
"""

from __future__ import annotations

import re
from collections.abc import Generator
from typing import TYPE_CHECKING, Any, Self

from zzz.conn import json_loads
from zzz.http.headers import Headers
from zzz.types import RawHeaders

if TYPE_CHECKING:
    from zzz.testing.client import TestClient

__all__ = ["TestRequest", "TestResponse"]

_MISSING: Any = object()
_SHOWN_BODY = 2000

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
