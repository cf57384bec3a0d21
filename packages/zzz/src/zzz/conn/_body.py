"""Body readers and params of :class:`~zzz.conn.Conn` (whole, streamed, JSON, form)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, Self

from zzz.conn._errors import AlreadySentError
from zzz.conn._json import json_loads
from zzz.conn._request import RequestMixin
from zzz.exceptions import HTTPError
from zzz.http.query import nest, parse_pairs

__all__ = ["BodyMixin"]


class BodyMixin(RequestMixin):
    """Body part of :class:`~zzz.conn.Conn` (see there)."""

    __slots__ = ()

    async def body(self) -> bytes:
        """Read and return the whole request body (cached).

        Returns:
            The body bytes (``b""`` when there is none).

        Raises:
            HTTPError: 413 when the body exceeds ``config.max_body_size``.
            AlreadySentError: The body was already consumed by :meth:`stream`.
        """
        if self._body is not None:
            return self._body
        chunks = [chunk async for chunk in self.stream()]
        self._body = b"".join(chunks)
        return self._body

    async def stream(self) -> AsyncIterator[bytes]:
        """Yield the request body chunk by chunk without buffering it.

        The size limit is enforced as the chunks arrive. The body can be streamed
        once; after :meth:`body` it yields the cached bytes.

        Yields:
            Body chunks.

        Raises:
            HTTPError: 413 when the body exceeds ``config.max_body_size``.
            AlreadySentError: The body was already streamed.
        """
        if self._body is not None:
            if self._body:
                yield self._body
            return
        if self._consumed:
            raise AlreadySentError("the request body was already consumed by conn.stream()")
        self._consumed = True
        source = self._body_source
        if source is None:
            self._body = b""
            return
        limit = self.config.max_body_size
        declared = self.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            raise HTTPError(413, f"request body too large (limit {limit} bytes)")
        size = 0
        while True:
            chunk = await source.receive()
            if not chunk:
                return
            size += len(chunk)
            if size > limit:
                raise HTTPError(413, f"request body too large (limit {limit} bytes)")
            yield chunk

    def set_body(self, raw: bytes) -> Self:
        """Hand the raw request body back after reading it from :meth:`stream`.

        A plug that consumes the body stream (``BodyParser``) calls this with the
        bytes it read, so that later :meth:`body` calls (webhook signature
        checks), :meth:`stream` and mounted apps still get them.

        Args:
            raw: The complete request body.

        Returns:
            The conn.

        Raises:
            TypeError: ``raw`` is not bytes.
        """
        if not isinstance(raw, bytes | bytearray | memoryview):
            raise TypeError(f"conn.set_body() takes bytes, not {type(raw).__name__}")
        self._body = bytes(raw)
        self._consumed = True
        return self

    async def json_body(self) -> Any:
        """Read the body and decode it as JSON.

        Returns:
            The decoded value.

        Raises:
            HTTPError: 400 for an empty or malformed body, 413 when too large.
        """
        data = await self.body()
        if not data.strip():
            raise HTTPError(400, "empty JSON body")
        try:
            return json_loads(data)
        except ValueError as exc:
            raise HTTPError(400, f"malformed JSON body: {exc}") from None

    async def form(self) -> dict[str, Any]:
        """Read an ``application/x-www-form-urlencoded`` body into nested params.

        Multipart bodies are parsed by the ``BodyParser`` plug (streaming uploads).

        Returns:
            Nested params (``user[name]=x`` -> ``{"user": {"name": "x"}}``).

        Raises:
            HTTPError: 415 for a multipart body, 400 malformed, 413 too large.
        """
        if self.content_type == "multipart/form-data":
            raise HTTPError(415, "multipart/form-data bodies need the BodyParser plug")
        data = await self.body()
        pairs = parse_pairs(data, max_params=self.config.max_params)
        return nest(pairs, max_depth=self.config.max_depth)

    @property
    def body_params(self) -> dict[str, Any] | None:
        """Parsed body params, or ``None`` while the body has not been parsed.

        Set by the ``BodyParser`` plug or :meth:`load_body_params`; assigning it
        refreshes :attr:`params`.
        """
        return self._body_params

    @body_params.setter
    def body_params(self, value: dict[str, Any] | None) -> None:
        self._body_params = value
        self._params = None

    async def load_body_params(self) -> dict[str, Any]:
        """Parse the body by content type into :attr:`body_params` (once).

        JSON objects become the params; other JSON values are put under
        ``"_json"`` (as Phoenix does). Urlencoded forms are nested. An empty body
        gives ``{}``.

        Returns:
            The body params.

        Raises:
            HTTPError: 415 for an unsupported media type (multipart needs the
                BodyParser plug), 400 malformed, 413 too large.
        """
        if self._body_params is not None:
            return self._body_params
        media = self.content_type
        params: dict[str, Any]
        if media == "application/json" or media.endswith("+json"):
            raw = await self.body()
            if raw.strip():
                value = await self.json_body()
                params = value if isinstance(value, dict) else {"_json": value}
            else:
                params = {}
        elif media == "application/x-www-form-urlencoded":
            params = await self.form()
        elif not await self.body():
            params = {}
        elif media == "multipart/form-data":
            raise HTTPError(415, "multipart/form-data bodies need the BodyParser plug")
        else:
            raise HTTPError(415, f"unsupported request media type {media or '(none)'!r}")
        self.body_params = params
        return params

    @property
    def params(self) -> dict[str, Any]:
        """Path, body and query params merged (path wins over body over query).

        Body params are included once parsed (by ``BodyParser`` or
        :meth:`load_body_params`).
        """
        if self._params is None:
            merged = dict(self.query_params)
            if self._body_params:
                merged.update(self._body_params)
            if self.path_params:
                merged.update(self.path_params)
            self._params = merged
        return self._params

    def assign(self, **values: Any) -> Self:
        """Put values in :attr:`assigns` (Phoenix's ``assign/3``).

        Args:
            **values: Names and values for handlers and templates.

        Returns:
            The conn.
        """
        self.assigns.update(values)
        return self

    def set_path_params(self, params: dict[str, Any]) -> None:
        """Set the (cast) path params and refresh :attr:`params`. Used by the app.

        Args:
            params: The path params.
        """
        self.path_params = params
        self._params = None
