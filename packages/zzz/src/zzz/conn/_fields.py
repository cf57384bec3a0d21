"""The slots every :class:`~zzz.conn.Conn` has, shared by the parts of the class.

``Conn`` is assembled from one class per concern (request, body, response,
rendering, sending), each in its own module and each with empty ``__slots__``;
the storage lives here, so a conn is a plain slotted object with no ``__dict__``.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, Awaitable, Callable, MutableMapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from zzz.app import App
    from zzz.conn import Conn
    from zzz.conn._config import ConnConfig
    from zzz.http.headers import Headers
    from zzz.http.query import QueryParams
    from zzz.types import Body, RequestHead, ResponseWriter

__all__ = ["BeforeSend", "ConnFields", "ErrorHook"]

#: A before-send callback: ``(conn) -> None`` or ``async (conn) -> None``; a
#: return value is awaited when awaitable and otherwise ignored.
BeforeSend = Callable[["Conn"], object]
#: An error handler: ``async (conn, exc) -> None``.
ErrorHook = Callable[["Conn", BaseException], Awaitable[None]]


class ConnFields:
    """The storage of a conn (see :class:`zzz.conn.Conn` for the public attributes)."""

    __slots__ = (
        "_body",
        "_body_params",
        "_body_source",
        "_consumed",
        "_cookies",
        "_flash",
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

    head: RequestHead
    app: App | None
    config: ConnConfig
    assigns: dict[str, Any]
    private: dict[str, Any]
    path_params: dict[str, Any]
    session: MutableMapping[str, Any] | None
    route: Any
    halted: bool
    status: int | None
    resp_headers: dict[str, str]
    resp_cookies: dict[str, str]
    resp_body: bytes
    resp_file: tuple[str, int, int | None] | None
    resp_stream: AsyncIterable[bytes] | None
    before_send: list[BeforeSend]
    error_handlers: list[ErrorHook]
    _body_source: Body | None
    _writer: ResponseWriter | None
    _state: str
    _body: bytes | None
    _consumed: bool
    _body_params: dict[str, Any] | None
    _params: dict[str, Any] | None
    _headers: Headers | None
    _query: QueryParams | None
    _query_params: dict[str, Any] | None
    _cookies: dict[str, str] | None
    _host: tuple[str, int | None] | None
    _scheme: str | None
    _remote_ip: str | bool | None
    _flash: dict[str, str] | None
