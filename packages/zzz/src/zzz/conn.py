"""The connection: one request and its response, passed through plugs to the handler.

Like Phoenix's ``Plug.Conn``, a :class:`Conn` holds the request (method, path,
query, headers, cookies, client, body readers), the merged ``params``, the
``assigns`` and ``private`` maps, and the response being built (status, headers,
cookies, body). Plugs and handlers read it and call helpers such as
:meth:`Conn.json`, :meth:`Conn.html` or :meth:`Conn.redirect`; the app sends the
response once the pipeline is done.

Everything derived from the request (query, cookies, header index, host, client
address) is parsed lazily on first access and cached.

Response life cycle (``conn.state``)::

    "unset" --text()/html()/json()/redirect()/resp()--> "set"  --app sends--> "sent"
            --send_file()--> "file"   --send_stream()--> "stream"
            --await send_chunked()--> "chunked" (then await chunk(...))

A second response helper on a conn whose response is already set, or any change
after it was sent, raises :class:`AlreadySentError`.
"""

from __future__ import annotations

import json as _stdjson
import os
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from ipaddress import IPv4Network, IPv6Network, ip_address, ip_network
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import quote

from zzz.exceptions import HTTPError, ImproperlyConfigured, ZzzError
from zzz.http.cookies import SameSite, build_set_cookie, parse_cookie_header
from zzz.http.headers import (
    Headers,
    check_header_name,
    check_header_value,
    parse_forwarded,
    parse_host,
)
from zzz.http.mime import guess_type, parse_content_type
from zzz.http.query import DEFAULT_MAX_DEPTH, DEFAULT_MAX_PARAMS, QueryParams, nest, parse_pairs
from zzz.types import Body, RequestHead, ResponseWriter

if TYPE_CHECKING:
    from zzz.app import App

__all__ = [
    "AlreadySentError",
    "Conn",
    "ConnConfig",
    "NoSessionError",
    "TemplateRenderer",
    "UnsafeRedirectError",
    "json_dumps",
    "json_loads",
    "parse_trusted_proxies",
]

_orjson: Any
try:
    import orjson as _orjson
except ImportError:  # pragma: no cover - orjson ships with the "fast" extra
    _orjson = None

BeforeSend = Callable[["Conn"], "Awaitable[None] | None"]
ErrorHook = Callable[["Conn", BaseException], Awaitable[None]]
Network = IPv4Network | IPv6Network

_TEXT = "text/plain; charset=utf-8"
_HTML = "text/html; charset=utf-8"
_JSON = "application/json"
_DEFAULT_LAYOUT: Any = object()


class AlreadySentError(ZzzError, RuntimeError):
    """A response was set or sent twice, or changed after it was sent."""


class NoSessionError(ZzzError, RuntimeError):
    """Flash or session access on a conn that has no session (add the Session plug)."""


class UnsafeRedirectError(HTTPError):
    """``redirect(to=...)`` got something that is not a local path (open redirect)."""

    def __init__(self, target: str) -> None:
        super().__init__(400, "unsafe redirect target")
        self.target = target


class TemplateRenderer(Protocol):
    """What :meth:`Conn.render` needs from ``app.templates`` (``zzz.templates.Templates``)."""

    def render(
        self, name: str, context: MutableMapping[str, Any], *, layout: Any = ..., block: Any = ...
    ) -> str:
        """Render template ``name`` (inside a layout) to a string."""
        ...

    def render_partial(self, name: str, context: MutableMapping[str, Any]) -> str:
        """Render template ``name`` without a layout."""
        ...


def _json_default(value: Any) -> Any:
    dump = getattr(value, "model_dump", None)
    if dump is not None:
        return dump(mode="json")
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def json_dumps(data: Any) -> bytes:
    """Encode ``data`` as compact UTF-8 JSON (orjson when installed).

    Pydantic models, dataclasses, datetimes, UUIDs and sets are supported.

    Args:
        data: The value to encode.

    Returns:
        The JSON bytes.

    Raises:
        TypeError: A value cannot be encoded.
    """
    if _orjson is not None:
        encoded: bytes = _orjson.dumps(data, default=_json_default, option=_orjson.OPT_NON_STR_KEYS)
        return encoded
    return _stdjson.dumps(
        data, default=_json_default, separators=(",", ":"), ensure_ascii=False
    ).encode()


def json_loads(data: bytes | str) -> Any:
    """Decode JSON (orjson when installed).

    Args:
        data: The JSON text.

    Returns:
        The decoded value.

    Raises:
        ValueError: Malformed JSON (``json.JSONDecodeError`` is a ``ValueError``).
    """
    if _orjson is not None:
        return _orjson.loads(data)
    try:
        return _stdjson.loads(data)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None


def parse_trusted_proxies(entries: list[str] | tuple[str, ...]) -> tuple[Network, ...]:
    """Parse trusted proxy addresses or CIDR ranges.

    Args:
        entries: E.g. ``["127.0.0.1", "10.0.0.0/8"]``.

    Returns:
        The networks.

    Raises:
        ValueError: An entry is not an IP address or network.
    """
    return tuple(ip_network(e.strip(), strict=False) for e in entries)


@dataclass(frozen=True, slots=True)
class ConnConfig:
    """Per-app request limits and policies, resolved once at startup.

    Attributes:
        max_body_size: Largest request body :meth:`Conn.body` reads (413 above).
        max_params: Most query/form pairs accepted (400 above).
        max_depth: Deepest ``a[b][c]`` nesting accepted (400 above).
        trusted_proxies: Peers whose ``Forwarded``/``X-Forwarded-*`` headers are
            believed; empty means none (the safe default).
        secure_cookies: Default ``Secure`` flag for ``put_resp_cookie``; ``None``
            means "when the request scheme is https".
        debug: Debug mode (error details in responses).
    """

    max_body_size: int = 8 * 1024 * 1024
    max_params: int = DEFAULT_MAX_PARAMS
    max_depth: int = DEFAULT_MAX_DEPTH
    trusted_proxies: tuple[Network, ...] = field(default_factory=tuple)
    secure_cookies: bool | None = None
    debug: bool = False


_DEFAULT_CONFIG = ConnConfig()


def _ip_in(value: str, networks: tuple[Network, ...]) -> bool:
    try:
        addr = ip_address(value.strip().strip("[]"))
    except ValueError:
        return False
    return any(addr in net for net in networks)


def _forwarded_ip(value: str) -> str:
    """``"[2001:db8::1]:443"`` / ``"1.2.3.4:80"`` / ``"1.2.3.4"`` -> the address."""
    value = value.strip().strip('"')
    if value.startswith("["):
        return value[1 : value.find("]")] if "]" in value else value
    if value.count(":") == 1:
        return value.split(":", 1)[0]
    return value


class Conn:
    """One request/response exchange (Plug.Conn-like).

    Args:
        head: The request head from the server or test client.
        body: The request body stream (``None`` for no body).
        writer: Where the response goes (set by the app; needed for
            :meth:`send_resp`, :meth:`send_chunked`).
        app: The owning app (gives ``templates``, ``router``, settings).
        config: Limits and policies (defaults when ``None``).

    Example:
        >>> async def show(conn: Conn, id: int) -> Conn:
        ...     return conn.json({"id": id, "q": conn.query_params.get("q")})
    """

    __slots__ = (
        "_body",
        "_body_params",
        "_body_source",
        "_consumed",
        "_cookies",
        "_flash",
        "_forward_info",
        "_headers",
        "_host",
        "_params",
        "_query",
        "_query_params",
        "_remote_ip",
        "_scheme",
        "_state",
        "_writer",
        "app",
        "assigns",
        "before_send",
        "config",
        "error_handlers",
        "halted",
        "head",
        "path_params",
        "private",
        "resp_body",
        "resp_cookies",
        "resp_file",
        "resp_headers",
        "resp_stream",
        "route",
        "session",
        "status",
    )

    def __init__(
        self,
        head: RequestHead,
        body: Body | None = None,
        writer: ResponseWriter | None = None,
        *,
        app: App | None = None,
        config: ConnConfig | None = None,
    ) -> None:
        self.head = head
        self._body_source = body
        self._writer = writer
        self.app = app
        self.config = config if config is not None else _DEFAULT_CONFIG
        self.assigns: dict[str, Any] = {}
        self.private: dict[str, Any] = {}
        self.path_params: dict[str, Any] = {}
        self.session: MutableMapping[str, Any] | None = None
        self.route: Any = None
        self.halted = False
        self.status: int | None = None
        self.resp_headers: dict[str, str] = {}
        self.resp_cookies: dict[str, str] = {}
        self.resp_body = b""
        self.resp_file: tuple[str, int, int | None] | None = None
        self.resp_stream: AsyncIterable[bytes] | None = None
        self.before_send: list[BeforeSend] = []
        self.error_handlers: list[ErrorHook] = []
        self._state = "unset"
        self._body: bytes | None = None
        self._consumed = False
        self._body_params: dict[str, Any] | None = None
        self._params: dict[str, Any] | None = None
        self._headers: Headers | None = None
        self._query: QueryParams | None = None
        self._query_params: dict[str, Any] | None = None
        self._cookies: dict[str, str] | None = None
        self._host: tuple[str, int | None] | None = None
        self._scheme: str | None = None
        self._remote_ip: str | bool | None = False
        self._flash: dict[str, str] | None = None
        self._forward_info: Any = None

    # ------------------------------------------------------------------ request
    @property
    def method(self) -> str:
        """The upper-case request method."""
        return self.head.method

    @property
    def path(self) -> str:
        """The percent-decoded path below ``root_path`` (what the router matched).

        Under a mount prefix (``forward`` or a server ``root_path``) this is the
        part after the prefix; :attr:`request_path` is the full path.
        """
        head = self.head
        root = head.root_path
        path = head.path
        if root and path.startswith(root) and path[len(root) : len(root) + 1] in ("", "/"):
            return path[len(root) :] or "/"
        return path

    @property
    def request_path(self) -> str:
        """The full percent-decoded request path, mount prefix included."""
        return self.head.path

    @property
    def raw_path(self) -> bytes:
        """The path as it arrived, without the query string."""
        return self.head.raw_path

    @property
    def root_path(self) -> str:
        """The mount prefix when served under a sub-path (``forward``), else ``""``."""
        return self.head.root_path

    @property
    def query_string(self) -> str:
        """The raw query string, without ``?``."""
        return self.head.query_string.decode("latin-1")

    @property
    def http_version(self) -> str:
        """``"1.1"`` or ``"1.0"``."""
        return self.head.http_version

    @property
    def headers(self) -> Headers:
        """Request headers: case-insensitive, multi-valued (see :class:`Headers`)."""
        if self._headers is None:
            self._headers = Headers(self.head.headers)
        return self._headers

    @property
    def query(self) -> QueryParams:
        """Flat query pairs with ``get``/``get_all`` (repeated keys kept).

        Raises:
            QueryError: (400) malformed query or too many parameters.
        """
        if self._query is None:
            self._query = QueryParams(
                parse_pairs(self.head.query_string, max_params=self.config.max_params)
            )
        return self._query

    @property
    def query_params(self) -> dict[str, Any]:
        """Nested query params (``a[b]=c`` -> ``{"a": {"b": "c"}}``, ``t[]=`` lists).

        Raises:
            QueryError: (400) malformed, conflicting or too deeply nested keys.
        """
        if self._query_params is None:
            self._query_params = nest(self.query.pairs, max_depth=self.config.max_depth)
        return self._query_params

    @property
    def cookies(self) -> dict[str, str]:
        """Request cookies (first occurrence of a name wins)."""
        if self._cookies is None:
            values = self.headers.get_all("cookie")
            self._cookies = parse_cookie_header("; ".join(values)) if values else {}
        return self._cookies

    @property
    def client(self) -> tuple[str, int] | None:
        """The peer's ``(host, port)`` as seen by the server (not proxy-adjusted)."""
        return self.head.client

    def _peer_trusted(self) -> bool:
        client = self.head.client
        proxies = self.config.trusted_proxies
        return bool(proxies) and client is not None and _ip_in(client[0], proxies)

    @property
    def remote_ip(self) -> str | None:
        """The client IP, honouring forwarding headers from trusted proxies only.

        Walks ``Forwarded: for=`` (or ``X-Forwarded-For``) from the nearest hop
        backwards and returns the first address that is not a trusted proxy.
        """
        if self._remote_ip is not False:
            return self._remote_ip  # type: ignore[return-value]
        client = self.head.client
        ip: str | None = client[0] if client else None
        if self._peer_trusted():
            forwarded = self.headers.get_all("forwarded")
            if forwarded:
                chain = [_forwarded_ip(h["for"]) for h in parse_forwarded(forwarded) if "for" in h]
            else:
                chain = [
                    part.strip()
                    for value in self.headers.get_all("x-forwarded-for")
                    for part in value.split(",")
                    if part.strip()
                ]
            for hop in reversed(chain):
                ip = hop
                if not _ip_in(hop, self.config.trusted_proxies):
                    break
        self._remote_ip = ip
        return ip

    def _forwarded_value(self, key: str, x_header: str) -> str | None:
        if not self._peer_trusted():
            return None
        forwarded = self.headers.get_all("forwarded")
        if forwarded:
            hops = parse_forwarded(forwarded)
            return hops[-1].get(key) if hops else None
        values = self.headers.get_all(x_header)
        if not values:
            return None
        return values[-1].split(",")[-1].strip() or None

    @property
    def scheme(self) -> str:
        """``"http"`` or ``"https"``, from a trusted proxy's headers when present."""
        if self._scheme is None:
            scheme = self.head.scheme
            forwarded = self._forwarded_value("proto", "x-forwarded-proto")
            if forwarded is not None and forwarded.lower() in ("http", "https"):
                scheme = forwarded.lower()
            self._scheme = scheme
        return self._scheme

    def _host_port(self) -> tuple[str, int | None]:
        cached = self._host
        if cached is not None:
            return cached
        found: tuple[str, int | None] | None = None
        raw = self._forwarded_value("host", "x-forwarded-host")
        if raw is not None:
            try:
                found = parse_host(raw)
            except ValueError:
                found = None
        if found is None:
            header = self.headers.get("host")
            if header is None:
                server = self.head.server
                found = (server[0], server[1]) if server else ("", None)
            else:
                try:
                    found = parse_host(header)
                except ValueError:
                    raise HTTPError(400, "invalid Host header") from None
        self._host = found
        return found

    @property
    def host(self) -> str:
        """The requested host name, lower-cased, without port.

        Raises:
            HTTPError: (400) the ``Host`` header is malformed.
        """
        return self._host_port()[0]

    @property
    def port(self) -> int:
        """The requested port (from ``Host``, else the scheme's default)."""
        port = self._host_port()[1]
        if port is not None:
            return port
        return 443 if self.scheme == "https" else 80

    def _origin(self) -> str:
        host, port = self._host_port()
        if ":" in host:
            host = f"[{host}]"
        default = 443 if self.scheme == "https" else 80
        netloc = host if port in (None, default) else f"{host}:{port}"
        return f"{self.scheme}://{netloc}"

    @property
    def base_url(self) -> str:
        """``scheme://host[:port]`` plus ``root_path`` (no trailing slash)."""
        return self._origin() + quote(self.head.root_path)

    @property
    def url(self) -> str:
        """The full request URL as the client sent it (proxy-adjusted)."""
        url = self._origin() + self.head.raw_path.decode("latin-1")
        if self.head.query_string:
            url += "?" + self.query_string
        return url

    @property
    def content_type(self) -> str:
        """The request's media type, lower-cased, without parameters (``""`` if none)."""
        value = self.headers.get("content-type")
        return parse_content_type(value)[0] if value else ""

    # --------------------------------------------------------------------- body
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

    def assign(self, **values: Any) -> Conn:
        """Put values in :attr:`assigns` (Phoenix's ``assign/3``).

        Args:
            **values: Names and values for handlers and templates.

        Returns:
            The conn.
        """
        self.assigns.update(values)
        return self

    def path_for(self, name: str, /, _query: dict[str, Any] | None = None, **params: Any) -> str:
        """Build the path of a named route, under this request's mount prefix.

        Args:
            name: The route name, e.g. ``"users.show"``.
            _query: Optional query parameters.
            **params: The route's path parameters.

        Returns:
            ``root_path`` + the route path, ready for ``redirect(to=...)``.

        Raises:
            ImproperlyConfigured: The conn has no app (no router).
            LookupError: Unknown route name (the message lists valid names).
            ValueError: Missing or unexpected parameters.
        """
        router = getattr(self.app, "router", None)
        if router is None:
            raise ImproperlyConfigured("conn.path_for() needs a conn created by an App")
        return quote(self.head.root_path) + str(router.path(name, _query=_query, **params))

    def url_for(self, name: str, /, _query: dict[str, Any] | None = None, **params: Any) -> str:
        """Like :meth:`path_for`, as an absolute URL (scheme and host of this request).

        Args:
            name: The route name.
            _query: Optional query parameters.
            **params: The route's path parameters.

        Returns:
            The absolute URL.
        """
        return self._origin() + self.path_for(name, _query=_query, **params)

    def set_path_params(self, params: dict[str, Any]) -> None:
        """Set the (cast) path params and refresh :attr:`params`. Used by the app.

        Args:
            params: The path params.
        """
        self.path_params = params
        self._params = None

    # ----------------------------------------------------------------- response
    @property
    def state(self) -> str:
        """``"unset"``, ``"set"``, ``"file"``, ``"stream"``, ``"chunked"`` or ``"sent"``."""
        return self._state

    def halt(self) -> Conn:
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

    def put_status(self, status: int) -> Conn:
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

    def put_resp_header(self, name: str, value: str) -> Conn:
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

    def add_resp_header(self, name: str, value: str) -> Conn:
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

    def delete_resp_header(self, name: str) -> Conn:
        """Remove a response header if present.

        Args:
            name: The header name.

        Returns:
            The conn.
        """
        self._check_unsent()
        self.resp_headers.pop(name.lower(), None)
        return self

    def put_resp_content_type(self, content_type: str) -> Conn:
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
    ) -> Conn:
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

    def delete_resp_cookie(self, name: str, *, path: str = "/", domain: str | None = None) -> Conn:
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

    def register_before_send(self, callback: BeforeSend) -> Conn:
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

    def register_error_handler(self, handler: ErrorHook) -> Conn:
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

    def reset_response(self) -> Conn:
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

    def resp(self, status: int, body: bytes | str, content_type: str | None = None) -> Conn:
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

    def text(self, body: str, status: int | None = None) -> Conn:
        """Respond with ``text/plain; charset=utf-8``.

        Args:
            body: The text.
            status: Status (default: the one put before, else 200).

        Returns:
            The conn.
        """
        return self.resp(status or self.status or 200, body, _TEXT)

    def html(self, body: str, status: int | None = None) -> Conn:
        """Respond with ``text/html; charset=utf-8`` (the body is sent as given).

        Args:
            body: The HTML.
            status: Status (default: the one put before, else 200).

        Returns:
            The conn.
        """
        return self.resp(status or self.status or 200, body, _HTML)

    def json(self, data: Any, status: int | None = None) -> Conn:
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
    ) -> Conn:
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
    ) -> Conn:
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
    ) -> Conn:
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

    # ---------------------------------------------------------------- templates
    def _templates(self) -> TemplateRenderer:
        templates = getattr(self.app, "templates", None)
        if templates is None:
            raise ImproperlyConfigured(
                "conn.render() needs templates: create the app with "
                "App(router, templates=Templates('templates'))"
            )
        return templates  # type: ignore[no-any-return]

    def _context(self, context: dict[str, Any]) -> dict[str, Any]:
        ctx = {**self.assigns, **context}
        ctx.setdefault("conn", self)
        if self.session is not None:
            ctx.setdefault("flash", self._load_flash())
        return ctx

    def render(
        self,
        name: str,
        *,
        layout: Any = _DEFAULT_LAYOUT,
        block: str | None = None,
        status: int | None = None,
        **context: Any,
    ) -> Conn:
        """Render a template (in its layout) as the HTML response.

        The context is ``conn.assigns`` updated with ``context``, plus ``conn``
        and (when a session exists) ``flash``.

        Args:
            name: Template name, e.g. ``"users/show"``.
            layout: Layout name, ``None`` for none; default: the engine's default
                (which honours an ``_layout`` assign, e.g. from the Htmx plug).
            block: Render only this named block of the template (an htmx fragment).
            status: Status (default 200).
            **context: Template variables.

        Returns:
            The conn.

        Raises:
            ImproperlyConfigured: The app has no templates.
        """
        templates = self._templates()
        ctx = self._context(context)
        options: dict[str, Any] = {}
        if layout is not _DEFAULT_LAYOUT:
            options["layout"] = layout
        if block is not None:
            options["block"] = block
        return self.html(templates.render(name, ctx, **options), status)

    def render_partial(self, name: str, *, status: int | None = None, **context: Any) -> Conn:
        """Render a template without a layout (an htmx fragment) as the response.

        Args:
            name: Template name.
            status: Status (default 200).
            **context: Template variables (merged over ``conn.assigns``).

        Returns:
            The conn.

        Raises:
            ImproperlyConfigured: The app has no templates.
        """
        templates = self._templates()
        return self.html(templates.render_partial(name, self._context(context)), status)

    # -------------------------------------------------------------------- flash
    def _load_flash(self) -> dict[str, str]:
        if self._flash is None:
            session = self.session
            if session is None:
                raise NoSessionError(
                    "flash messages live in the session: add the Session plug "
                    "(zzz.plugs.Session) to this route's pipeline"
                )
            stored = session.get("_flash")
            self._flash = (
                {str(k): str(v) for k, v in stored.items()} if isinstance(stored, dict) else {}
            )
            self.before_send.append(_persist_flash)
        return self._flash

    def put_flash(self, kind: str, message: str) -> Conn:
        """Store a flash message (shown on this response or after a redirect).

        Messages survive a redirect (3xx) and are cleared after any other
        response, as in Phoenix.

        Args:
            kind: E.g. ``"info"`` or ``"error"``.
            message: The message.

        Returns:
            The conn.

        Raises:
            NoSessionError: No Session plug ran.
        """
        self._load_flash()[kind] = message
        return self

    def get_flash(self, kind: str) -> str | None:
        """Return the flash message of ``kind``, if any.

        Args:
            kind: E.g. ``"info"``.

        Returns:
            The message or ``None``.

        Raises:
            NoSessionError: No Session plug ran.
        """
        return self._load_flash().get(kind)

    @property
    def flash(self) -> dict[str, str]:
        """All flash messages (``kind -> message``); needs a session."""
        return self._load_flash()

    def clear_flash(self) -> Conn:
        """Drop every flash message.

        Returns:
            The conn.
        """
        self._load_flash().clear()
        return self

    # ------------------------------------------------------------------ sending
    async def _run_before_send(self) -> None:
        hooks = self.before_send
        for callback in reversed(hooks):
            result = callback(self)
            if result is not None:
                await result

    def _wire_headers(self) -> list[tuple[bytes, bytes]]:
        headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in self.resp_headers.items()]
        headers.extend((b"set-cookie", c.encode("latin-1")) for c in self.resp_cookies.values())
        return headers

    def _require_writer(self) -> ResponseWriter:
        if self._writer is None:
            raise ZzzError("this conn has no response writer (it was not created by an app)")
        return self._writer

    async def send_resp(self) -> None:
        """Run the before-send callbacks and send the response that was set.

        The app calls this after the pipeline; call it yourself only to send
        early (the rest of the handler then must not respond again).

        Raises:
            AlreadySentError: Already sent, or no response was set.
        """
        self._check_unsent()
        if self._state == "unset":
            raise AlreadySentError(f"no response was set for {self.method} {self.path}")
        writer = self._require_writer()
        await self._run_before_send()
        state, self._state = self._state, "sent"
        status = self.status or 200
        headers = self._wire_headers()
        if state == "file":
            assert self.resp_file is not None
            path, offset, count = self.resp_file
            await writer.send_file(status, headers, path, offset, count)
        elif state == "stream":
            assert self.resp_stream is not None
            await writer.start(status, headers)
            async for piece in self.resp_stream:
                if piece:
                    await writer.write(piece)
            await writer.end()
        else:
            body = self.resp_body if status >= 200 and status not in (204, 304) else b""
            await writer.respond(status, headers, body)

    async def send_chunked(self, status: int = 200) -> Conn:
        """Start a streamed response now; then ``await conn.chunk(data)`` pieces.

        Before-send callbacks run first. The app ends the stream after the
        handler returns.

        Args:
            status: Status code.

        Returns:
            The conn.

        Raises:
            AlreadySentError: A response was already set or sent.
        """
        self._check_unset()
        self.put_status(status)
        writer = self._require_writer()
        await self._run_before_send()
        self._state = "chunked"
        await writer.start(status, self._wire_headers())
        return self

    async def chunk(self, data: bytes | str) -> Conn:
        """Send one piece of a response started with :meth:`send_chunked`.

        Args:
            data: The bytes (``str`` is UTF-8 encoded).

        Returns:
            The conn.

        Raises:
            AlreadySentError: :meth:`send_chunked` was not called, or the
                response is finished.
        """
        if self._state != "chunked":
            raise AlreadySentError("conn.chunk() needs a response started by send_chunked()")
        if data:
            await self._require_writer().write(data.encode() if isinstance(data, str) else data)
        return self

    async def finish(self) -> None:
        """Complete a chunked response (the app calls this after the handler)."""
        if self._state == "chunked":
            self._state = "sent"
            await self._require_writer().end()

    def __repr__(self) -> str:
        return f"<Conn {self.method} {self.path} state={self._state} status={self.status}>"


def _persist_flash(conn: Conn) -> None:
    session = conn.session
    flash = conn._flash
    if session is None or flash is None:
        return
    if flash and conn.status in (301, 302, 303, 307, 308):
        session["_flash"] = dict(flash)
    elif "_flash" in session:
        del session["_flash"]
