"""The MethodOverride plug: let HTML forms send PUT, PATCH and DELETE through POST.

Browsers submit forms only with GET and POST. As with Phoenix's
``Plug.MethodOverride`` and Rails' ``_method``, a POST request carrying a
``_method`` form field (or an ``X-HTTP-Method-Override`` header) is routed as
the method it names::

    <form method="post" action="/posts/3">
      <input type="hidden" name="_method" value="delete">
    </form>

Only ``PUT``, ``PATCH`` and ``DELETE`` are accepted (case-insensitive); an empty
value or ``POST`` leaves the request alone, and any other value is a **400**
naming the allowed methods (Plug ignores unknown values silently; Zzz reports
them so a typo in a form does not quietly become a POST). The form field wins
over the header, as in Rack.

The plug must run **before routing**, so it is an app-level plug placed after
``BodyParser``, which parses the form::

    App(router, plugs=[BodyParser(), MethodOverride()])

``App`` rejects it in a route pipeline at startup (routing has already happened
there) and ``zzz.plugs.check_order`` rejects it before ``BodyParser``.
"""

from __future__ import annotations

from dataclasses import replace
from typing import ClassVar, Final

from zzz.conn import Conn
from zzz.exceptions import HTTPError, ImproperlyConfigured
from zzz.http.headers import check_header_name

__all__ = ["MethodOverride", "ORIGINAL_METHOD_KEY"]

_ALLOWED: Final = frozenset({"PUT", "PATCH", "DELETE"})
#: Where the original method is kept in ``conn.private``.
ORIGINAL_METHOD_KEY: Final = "zzz.original_method"


class MethodOverride:
    """Route a POST as PUT, PATCH or DELETE from a ``_method`` field or a header.

    Args:
        param: The body field naming the method (``None`` to read only the header).
        header: The request header naming the method (``None`` to read only the
            field).
        methods: The methods a POST may become (a subset of PUT, PATCH, DELETE).

    Raises:
        ImproperlyConfigured: Both sources disabled, an invalid header name, or a
            method other than PUT, PATCH or DELETE.

    Example:
        >>> from zzz.plugs import BodyParser
        >>> plugs = [BodyParser(), MethodOverride()]  # App(router, plugs=plugs)
    """

    provides: ClassVar[frozenset[str]] = frozenset({"method_override"})
    #: Checked by ``App``: this plug must be an app-level plug (it changes routing).
    before_routing: ClassVar[bool] = True

    __slots__ = ("_allowed_text", "header", "methods", "param")

    def __init__(
        self,
        *,
        param: str | None = "_method",
        header: str | None = "x-http-method-override",
        methods: tuple[str, ...] = ("PUT", "PATCH", "DELETE"),
    ) -> None:
        if param is None and header is None:
            raise ImproperlyConfigured("MethodOverride: param and header cannot both be None")
        if param is not None and not param:
            raise ImproperlyConfigured("MethodOverride: param must be a non-empty field name")
        if header is not None:
            try:
                header = check_header_name(header)
            except ValueError as exc:
                raise ImproperlyConfigured(f"MethodOverride: {exc}") from None
        chosen = frozenset(m.upper() for m in methods)
        if not chosen or not chosen <= _ALLOWED:
            raise ImproperlyConfigured(
                f"MethodOverride: methods must be a non-empty subset of "
                f"{sorted(_ALLOWED)}, got {list(methods)}"
            )
        self.param = param
        self.header = header
        self.methods = chosen
        self._allowed_text = ", ".join(m for m in ("PUT", "PATCH", "DELETE") if m in chosen)

    @property
    def requires(self) -> frozenset[str]:
        """``{"body_params"}`` when the form field is read (``BodyParser`` must run first)."""
        return frozenset({"body_params"}) if self.param is not None else frozenset()

    def _requested(self, conn: Conn) -> object:
        if self.param is not None:
            params = conn.body_params
            if params:
                value = params.get(self.param)
                if value is not None and value != "":
                    return value
        if self.header is not None:
            return conn.headers.get(self.header)
        return None

    async def __call__(self, conn: Conn) -> None:
        """Change the method of a POST ``conn`` when it asks for an override.

        Raises:
            HTTPError: 400 for a requested method that is not allowed.
            ImproperlyConfigured: The plug runs after routing (in a route pipeline).
        """
        if conn.head.method != "POST":
            return
        if conn.route is not None:
            raise ImproperlyConfigured(
                "MethodOverride runs after routing here, so it cannot change the route: "
                "make it an app-level plug, App(router, plugs=[BodyParser(), MethodOverride()])"
            )
        value = self._requested(conn)
        if value is None:
            return
        if not isinstance(value, str):
            raise HTTPError(400, f"method override must be a string ({self._allowed_text})")
        method = value.strip().upper()
        if method in ("", "POST"):
            return
        if method not in self.methods:
            shown = value if len(value) <= 20 else value[:20] + "..."
            raise HTTPError(
                400, f"unsupported method override {shown!r}: use one of {self._allowed_text}"
            )
        conn.private[ORIGINAL_METHOD_KEY] = "POST"
        conn.head = replace(conn.head, method=method)
