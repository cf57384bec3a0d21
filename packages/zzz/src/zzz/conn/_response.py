"""Response state of :class:`~zzz.conn.Conn`: status, headers, cookies, callbacks."""

from __future__ import annotations

from typing import Self

from zzz.conn._body import BodyMixin
from zzz.conn._errors import AlreadySentError
from zzz.conn._fields import BeforeSend, ErrorHook
from zzz.http.cookies import SameSite, build_set_cookie
from zzz.http.headers import (
    check_header_name,
    check_header_value,
)

__all__ = ["ResponseMixin"]


class ResponseMixin(BodyMixin):
    """Response part of :class:`~zzz.conn.Conn` (see there)."""

    __slots__ = ()

    @property
    def state(self) -> str:
        """``"unset"``, ``"set"``, ``"file"``, ``"stream"``, ``"chunked"`` or ``"sent"``."""
        return self._state

    def halt(self) -> Self:
        """Stop the pipeline: no further plug or the handler runs.

        Returns:
            The conn.
        """
        self.halted = True
        return self

    def _check_unsent(self) -> None:
        if self._state in {"sent", "chunked"}:
            raise AlreadySentError(
                f"the response was already sent ({self.method} {self.path}); "
                "it cannot be changed any more"
            )

    def _check_unset(self) -> None:
        if self._state != "unset":
            self._check_unsent()
            raise AlreadySentError(
                f"a response was already set for {self.method} {self.path}; a plug that "
                "responds should call conn.halt(), and a handler must respond only once "
                "(call conn.reset_response() first to replace it deliberately)"
            )

    def put_status(self, status: int) -> Self:
        """Set the response status.

        Args:
            status: An HTTP status code (100-599).

        Returns:
            The conn.

        Raises:
            ValueError: Not a valid status code.
            AlreadySentError: The response was sent.
        """
        self._check_unsent()
        if not isinstance(status, int) or not 100 <= status <= 599:
            raise ValueError(f"invalid HTTP status {status!r}: use an int from 100 to 599")
        self.status = status
        return self

    def put_resp_header(self, name: str, value: str) -> Self:
        """Set a response header, replacing any value it had.

        Args:
            name: The header name (any case; stored lower-cased).
            value: The value (no CR/LF/control characters, latin-1 encodable).

        Returns:
            The conn.

        Raises:
            ValueError: Invalid name or value (header injection is refused); use
                :meth:`put_resp_cookie` for ``Set-Cookie``.
            AlreadySentError: The response was sent.
        """
        self._check_unsent()
        key = check_header_name(name)
        if key == "set-cookie":
            raise ValueError("use conn.put_resp_cookie() to set cookies")
        check_header_value(value)
        try:
            value.encode("latin-1")
        except UnicodeEncodeError:
            raise ValueError(
                f"header {name!r} value {value!r} is not latin-1: percent-encode it "
                "(RFC 8187) before putting it in a header"
            ) from None
        self.resp_headers[key] = value
        return self

    def add_resp_header(self, name: str, value: str) -> Self:
        """Append to a list-valued response header (``Vary``, ``Link``...).

        An existing value is joined with ``", "`` (RFC 9110 list syntax).

        Args:
            name: The header name.
            value: The value to add.

        Returns:
            The conn.

        Raises:
            ValueError: Invalid name or value.
            AlreadySentError: The response was sent.
        """
        existing = self.resp_headers.get(name.lower())
        return self.put_resp_header(name, f"{existing}, {value}" if existing else value)

    def delete_resp_header(self, name: str) -> Self:
        """Remove a response header if present.

        Args:
            name: The header name.

        Returns:
            The conn.
        """
        self._check_unsent()
        self.resp_headers.pop(name.lower(), None)
        return self

    def put_resp_content_type(self, content_type: str) -> Self:
        """Set the ``Content-Type`` response header.

        Args:
            content_type: E.g. ``"text/csv; charset=utf-8"``.

        Returns:
            The conn.
        """
        return self.put_resp_header("content-type", content_type)

    def put_resp_cookie(
        self,
        name: str,
        value: str,
        *,
        max_age: int | None = None,
        expires: float | None = None,
        path: str = "/",
        domain: str | None = None,
        secure: bool | None = None,
        http_only: bool = True,
        same_site: SameSite | None = "lax",
    ) -> Self:
        """Set a cookie on the response, with secure defaults.

        Defaults: ``HttpOnly``, ``SameSite=Lax``, ``Path=/``, host-only, and
        ``Secure`` when the request came over https (or as ``config.secure_cookies``
        says).

        Args:
            name: Cookie name.
            value: Cookie value (encode it first: no spaces, quotes, ``;`` or ``,``).
            max_age: Lifetime in seconds; ``None`` for a browser-session cookie.
            expires: Absolute expiry (UNIX time).
            path: ``Path`` attribute.
            domain: ``Domain`` attribute (``None``: host-only).
            secure: ``Secure`` flag (``None``: the default above).
            http_only: ``HttpOnly`` flag.
            same_site: ``"lax"``, ``"strict"``, ``"none"`` or ``None``.

        Returns:
            The conn.

        Raises:
            ValueError: Invalid name/value/attributes (injection is refused).
            AlreadySentError: The response was sent.
        """
        self._check_unsent()
        if secure is None:
            configured = self.config.secure_cookies
            secure = self.scheme == "https" if configured is None else configured
        self.resp_cookies[name] = build_set_cookie(
            name,
            value,
            max_age=max_age,
            expires=expires,
            path=path,
            domain=domain,
            secure=secure,
            http_only=http_only,
            same_site=same_site,
        )
        return self

    def delete_resp_cookie(self, name: str, *, path: str = "/", domain: str | None = None) -> Self:
        """Tell the client to delete a cookie (``Max-Age=0``, expired date).

        Args:
            name: Cookie name.
            path: The ``Path`` it was set with.
            domain: The ``Domain`` it was set with.

        Returns:
            The conn.
        """
        self._check_unsent()
        self.resp_cookies[name] = build_set_cookie(
            name, "", max_age=0, path=path, domain=domain, secure=self.scheme == "https"
        )
        return self

    def register_before_send(self, callback: BeforeSend) -> Self:
        """Run ``callback(conn)`` just before the response is sent.

        Callbacks run in reverse registration order (the last registered runs
        first, as in Plug) and may change status, headers, cookies and body. They
        may be plain functions or coroutine functions.

        Args:
            callback: ``(conn) -> None`` or ``async (conn) -> None``.

        Returns:
            The conn.
        """
        self._check_unsent()
        self.before_send.append(callback)
        return self

    def register_error_handler(self, handler: ErrorHook) -> Self:
        """Let ``handler(conn, exc)`` render the response when the request fails.

        The app calls the most recently registered handler on an unhandled
        exception, after :meth:`reset_response`; if it raises or sets no
        response, the app's default error response is used. The ``ErrorHandler``
        plug registers itself this way.

        Args:
            handler: ``async (conn, exc) -> None``.

        Returns:
            The conn.
        """
        self.error_handlers.append(handler)
        return self

    def reset_response(self) -> Self:
        """Discard the response set so far (status, headers, body); keep cookies.

        Returns:
            The conn.

        Raises:
            AlreadySentError: The response was already sent.
        """
        self._check_unsent()
        self._state = "unset"
        self.status = None
        self.resp_headers = {}
        self.resp_body = b""
        self.resp_file = None
        self.resp_stream = None
        return self

    def resp(self, status: int, body: bytes | str, content_type: str | None = None) -> Self:
        """Set the response status and body (the primitive behind the helpers).

        Args:
            status: HTTP status.
            body: Body (``str`` is UTF-8 encoded).
            content_type: Sets ``Content-Type`` when given.

        Returns:
            The conn.

        Raises:
            AlreadySentError: A response was already set or sent.
        """
        self._check_unset()
        if status is not self.status:
            if type(status) is not int or not 100 <= status <= 599:
                raise ValueError(f"invalid HTTP status {status!r}: use an int from 100 to 599")
            self.status = status
        self.resp_body = body.encode() if isinstance(body, str) else body
        if content_type is not None:
            self.resp_headers["content-type"] = content_type
        self._state = "set"
        return self
