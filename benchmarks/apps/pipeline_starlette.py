"""The same browser pipeline in Starlette: a logging middleware, SessionMiddleware and a CSRF
middleware (Starlette ships none; this one keeps a per-session token and masks it per response
the way the Zzz plug does), all pure ASGI, then a small HTML page."""

from __future__ import annotations

import base64
import logging
import secrets
import time
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

SECRET = "benchmark-secret-key-benchmark-secret-key"
log = logging.getLogger("bench.starlette")
log.addHandler(logging.NullHandler())
log.setLevel(logging.INFO)
log.propagate = False


class LogRequests:
    """Log method, path, status and duration of every request."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 0

        async def capture(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        await self.app(scope, receive, capture)
        ms = (time.perf_counter() - start) * 1000
        log.info("%s %s %s %.2fms", scope["method"], scope["path"], status, ms)


class Csrf:
    """Per-session token, masked per response (XOR with a fresh pad)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            session = scope["session"]
            raw = session.get("csrf")
            if raw is None:
                raw = session["csrf"] = secrets.token_urlsafe(32)
            secret = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))
            pad = secrets.token_bytes(len(secret))
            masked = pad + bytes(a ^ b for a, b in zip(secret, pad, strict=True))
            scope.setdefault("state", {})["csrf_token"] = base64.urlsafe_b64encode(masked).decode()
        await self.app(scope, receive, send)


async def page(request: Request) -> HTMLResponse:
    token = request.scope["state"]["csrf_token"]
    return HTMLResponse(
        "<!doctype html><title>Hi</title><form method=post>"
        f'<input type=hidden name=_csrf_token value="{token}"><button>Go</button></form>'
    )


app = Starlette(
    routes=[Route("/", page)],
    middleware=[
        Middleware(LogRequests),
        Middleware(SessionMiddleware, secret_key=SECRET),
        Middleware(Csrf),
    ],
)
