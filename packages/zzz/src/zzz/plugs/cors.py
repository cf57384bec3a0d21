"""The CORS plug: answer preflights, decorate cross-origin responses.

Put it **first** in a pipeline (before auth plugs): a preflight (``OPTIONS`` with
``Origin`` and ``Access-Control-Request-Method``) is answered and the pipeline
halted here, so no auth plug can reject it. For an actual request the CORS headers
are added just before the response is sent (error pages included).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar

from zzz.conn import Conn
from zzz.exceptions import ImproperlyConfigured
from zzz.plugs._cors_policy import DEFAULT_METHODS, CORSPolicy

__all__ = ["CORS"]


class CORS:
    """Cross-Origin Resource Sharing.

    Args:
        allow_origins: Exact origins, or ``["*"]`` for any (not with credentials).
        allow_origin_regex: A regex an origin must fully match.
        allow_origin_func: A callable ``(origin) -> bool``.
        allow_methods: Methods allowed by preflights (``["*"]`` for any).
        allow_headers: Request headers allowed by preflights (``["*"]`` for any).
        expose_headers: Response headers readable by the page.
        allow_credentials: Allow cookies/authorization (origin echoed, never ``*``).
        max_age: Seconds a preflight answer may be cached (default 600).

    Raises:
        ImproperlyConfigured: ``*`` with credentials, a bad regex or origin.

    Example:
        >>> CORS(allow_origins=["https://app.example"], allow_credentials=True)  # doctest: +SKIP
    """

    provides: ClassVar[frozenset[str]] = frozenset({"cors"})
    requires: ClassVar[frozenset[str]] = frozenset()

    __slots__ = ("_vary", "policy")

    def __init__(
        self,
        *,
        allow_origins: Sequence[str] = (),
        allow_origin_regex: str | None = None,
        allow_origin_func: Callable[[str], bool] | None = None,
        allow_methods: Sequence[str] = DEFAULT_METHODS,
        allow_headers: Sequence[str] = (),
        expose_headers: Sequence[str] = (),
        allow_credentials: bool = False,
        max_age: int = 600,
    ) -> None:
        if isinstance(allow_origins, str):
            raise ImproperlyConfigured("CORS: allow_origins must be a list of origins, not a str")
        self.policy = CORSPolicy(
            allow_origins=tuple(allow_origins),
            allow_origin_regex=allow_origin_regex,
            allow_origin_func=allow_origin_func,
            allow_methods=tuple(allow_methods),
            allow_headers=tuple(allow_headers),
            expose_headers=tuple(expose_headers),
            allow_credentials=allow_credentials,
            max_age=max_age,
        )
        # With a plain "*" the answer does not depend on the Origin: no Vary needed.
        self._vary = not ("*" in self.policy.allow_origins and not allow_credentials)

    async def __call__(self, conn: Conn) -> None:
        """Answer a preflight (and halt) or register the response headers."""
        headers = conn.headers
        origin = headers.get("origin")
        if origin is None:
            if self._vary:
                conn.register_before_send(_vary_origin)
            return
        request_method = headers.get("access-control-request-method")
        if conn.method == "OPTIONS" and request_method is not None:
            answer = self.policy.preflight_headers(
                origin, request_method, headers.get("access-control-request-headers", "").encode()
            )
            if answer is None:
                conn.text("CORS preflight rejected: origin, method or headers not allowed", 403)
            else:
                conn.resp(204, b"")
                for name, value in answer:
                    conn.resp_headers[name.decode()] = value.decode("latin-1")
            conn.add_resp_header("vary", "Origin")
            conn.halt()
            return
        simple = self.policy.simple_headers(origin)
        vary = self._vary

        def add(c: Conn) -> None:
            if simple is not None:
                for name, value in simple:
                    c.resp_headers[name.decode()] = value.decode("latin-1")
            if vary:
                _vary_origin(c)

        conn.register_before_send(add)


def _vary_origin(conn: Conn) -> None:
    existing = conn.resp_headers.get("vary", "")
    if "origin" not in existing.lower():
        conn.resp_headers["vary"] = f"{existing}, Origin" if existing else "Origin"
