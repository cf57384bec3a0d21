"""Response helpers of :class:`~zzz.conn.Conn`: text, HTML, JSON, redirects, files, streams."""

from __future__ import annotations

import os
from collections.abc import AsyncIterable
from typing import Any, Self
from urllib.parse import quote

from zzz.conn._errors import UnsafeRedirectError
from zzz.conn._json import json_dumps
from zzz.conn._response import ResponseMixin
from zzz.http.mime import guess_type

__all__ = ["RespondMixin"]

_TEXT = "text/plain; charset=utf-8"
_HTML = "text/html; charset=utf-8"
_JSON = "application/json"


class RespondMixin(ResponseMixin):
    """Respond part of :class:`~zzz.conn.Conn` (see there)."""

    __slots__ = ()

    def text(self, body: str, status: int | None = None) -> Self:
        """Respond with ``text/plain; charset=utf-8``.

        Args:
            body: The text.
            status: Status (default: the one put before, else 200).

        Returns:
            The conn.
        """
        return self.resp(status or self.status or 200, body, _TEXT)

    def html(self, body: str, status: int | None = None) -> Self:
        """Respond with ``text/html; charset=utf-8`` (the body is sent as given).

        Args:
            body: The HTML.
            status: Status (default: the one put before, else 200).

        Returns:
            The conn.
        """
        return self.resp(status or self.status or 200, body, _HTML)

    def json(self, data: Any, status: int | None = None) -> Self:
        """Respond with ``application/json``.

        Args:
            data: Any JSON-encodable value (pydantic models included).
            status: Status (default: the one put before, else 200).

        Returns:
            The conn.
        """
        return self.resp(status or self.status or 200, json_dumps(data), _JSON)

    def redirect(
        self, to: str | None = None, *, external: str | None = None, status: int = 302
    ) -> Self:
        """Redirect to a local path (``to``) or an absolute URL (``external``).

        ``to`` must be a path on this site: it starts with a single ``/`` (not
        ``//`` or ``/\\``) and has no control characters, so user input such as
        ``?next=`` cannot send visitors elsewhere (open redirect). Use
        ``external`` for deliberate off-site URLs (``http``/``https`` only).

        Args:
            to: A local path, e.g. ``"/users/3?tab=posts"``.
            external: An absolute ``http(s)://`` URL.
            status: 301, 302 (default), 303, 307 or 308.

        Returns:
            The conn.

        Raises:
            UnsafeRedirectError: (400) ``to`` is not a local path, or ``external``
                is not an http(s) URL.
            ValueError: Neither or both targets given, or a non-redirect status.
        """
        if (to is None) == (external is None):
            raise ValueError("conn.redirect() needs exactly one of to=... or external=...")
        if status not in (301, 302, 303, 307, 308):
            raise ValueError(f"redirect status must be 301/302/303/307/308, not {status}")
        target = to if to is not None else external
        assert target is not None
        if any(ord(c) < 32 or ord(c) == 127 for c in target):
            raise UnsafeRedirectError(target)
        if to is not None:
            if not to.startswith("/") or to.startswith(("//", "/\\")):
                raise UnsafeRedirectError(to)
        elif not target.lower().startswith(("http://", "https://")):
            raise UnsafeRedirectError(target)
        location = target.replace(" ", "%20")
        try:
            location.encode("ascii")
        except UnicodeEncodeError:
            location = quote(location, safe="/:?&=#%@!$'()*+,;[]~-._")
        self._check_unset()
        self.resp_headers["location"] = location
        escaped = location.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
        body = f'<html><body>You are being <a href="{escaped}">redirected</a>.</body></html>'
        return self.resp(status, body, _HTML)

    def send_file(
        self,
        path: str | os.PathLike[str],
        *,
        status: int = 200,
        content_type: str | None = None,
        offset: int = 0,
        count: int | None = None,
        filename: str | None = None,
    ) -> Self:
        """Respond with (part of) a file; the server may send it zero-copy.

        Args:
            path: The file to send (a trusted path; the ``Static`` plug handles
                user-supplied paths safely).
            status: Status code.
            content_type: Defaults to a guess from the extension.
            offset: First byte to send.
            count: Number of bytes (``None``: to the end).
            filename: When given, adds ``Content-Disposition: attachment``.

        Returns:
            The conn.

        Raises:
            FileNotFoundError: The path is not an existing regular file.
            ValueError: ``offset``/``count`` outside the file.
            AlreadySentError: A response was already set or sent.
        """
        self._check_unset()
        path = os.fspath(path)
        try:
            st = os.stat(path)
        except OSError:
            raise FileNotFoundError(f"conn.send_file(): no such file {path!r}") from None
        if not os.path.isfile(path):
            raise FileNotFoundError(f"conn.send_file(): {path!r} is not a regular file")
        if offset < 0 or offset > st.st_size or (count is not None and offset + count > st.st_size):
            raise ValueError(f"range {offset}+{count} is outside {path!r} ({st.st_size} bytes)")
        self.put_status(status)
        self.resp_headers.setdefault("content-type", content_type or guess_type(path))
        if filename is not None:
            ascii_name = filename.encode("ascii", "replace").decode().replace('"', "")
            self.put_resp_header(
                "content-disposition",
                f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}",
            )
        self.resp_file = (path, offset, count)
        self._state = "file"
        return self

    def send_stream(
        self, chunks: AsyncIterable[bytes], *, status: int = 200, content_type: str | None = None
    ) -> Self:
        """Respond with a body produced by an async iterator (streamed, chunked).

        Args:
            chunks: An async iterable of byte strings.
            status: Status code.
            content_type: ``Content-Type`` to set.

        Returns:
            The conn.
        """
        self._check_unset()
        self.put_status(status)
        if content_type is not None:
            self.resp_headers["content-type"] = content_type
        self.resp_stream = chunks
        self._state = "stream"
        return self
