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

The class is assembled from one part per concern, each in a private module next
to this one with empty ``__slots__`` (the storage is declared once in
``_fields``): ``_request`` -> ``_body`` -> ``_response`` -> ``_respond`` ->
``_render`` -> ``_sending`` -> ``_htmx`` -> :class:`Conn`.

htmx shortcuts (``conn.is_htmx()``, ``conn.htmx_target()``,
``conn.render_oob(...)``...) delegate to :mod:`zzz.htmx`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from zzz.conn._config import DEFAULT_CONFIG, ConnConfig, parse_trusted_proxies
from zzz.conn._errors import AlreadySentError, NoSessionError, UnsafeRedirectError
from zzz.conn._htmx import HtmxMixin
from zzz.conn._json import json_dumps, json_loads
from zzz.conn._render import TemplateRenderer

if TYPE_CHECKING:
    from zzz.app import App
    from zzz.types import Body, RequestHead, ResponseWriter

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


class Conn(HtmxMixin):
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

    __slots__ = ()

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
        self.config = config if config is not None else DEFAULT_CONFIG
        self.assigns = {}
        self.private = {}
        self.path_params = {}
        self.session = None
        self.route = None
        self.halted = False
        self.status = None
        self.resp_headers = {}
        self.resp_cookies = {}
        self.resp_body = b""
        self.resp_file = None
        self.resp_stream = None
        self.before_send = []
        self.error_handlers = []
        self._state = "unset"
        self._body = None
        self._consumed = False
        self._body_params = None
        self._params = None
        self._headers = None
        self._query = None
        self._query_params = None
        self._cookies = None
        self._host = None
        self._scheme = None
        self._remote_ip = False
        self._flash = None

    def __repr__(self) -> str:
        return f"<Conn {self.method} {self.path} state={self._state} status={self.status}>"
