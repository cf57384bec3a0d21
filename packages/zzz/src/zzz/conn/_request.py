"""Request accessors of :class:`~zzz.conn.Conn`: path, query, headers, cookies, client, host.

Everything derived from the request is parsed on first access and cached;
forwarding headers are believed only from ``config.trusted_proxies``.
"""

from __future__ import annotations

from ipaddress import ip_address
from typing import Any
from urllib.parse import quote

from zzz.conn._config import Network
from zzz.conn._fields import ConnFields
from zzz.exceptions import HTTPError, ImproperlyConfigured
from zzz.http.cookies import parse_cookie_header
from zzz.http.headers import (
    Headers,
    parse_forwarded,
    parse_host,
)
from zzz.http.mime import parse_content_type
from zzz.http.query import QueryParams, nest, parse_pairs

__all__ = ["RequestMixin"]


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


class RequestMixin(ConnFields):
    """Request part of :class:`~zzz.conn.Conn` (see there)."""

    __slots__ = ()

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
