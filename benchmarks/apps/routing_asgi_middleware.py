"""The three plugs as pure ASGI middleware: the fastest form Starlette, FastAPI and Litestar
offer, shared by their routing benchmark apps."""

from __future__ import annotations

from typing import Any

App = Any


class RequestId:
    """Middleware 1: remember a request id in the scope state."""

    def __init__(self, app: App) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            rid = b"none"
            for name, value in scope["headers"]:
                if name == b"x-request-id":
                    rid = value
            scope.setdefault("state", {})["request_id"] = rid
        await self.app(scope, receive, send)


class RequireAgent:
    """Middleware 2: read a header (never rejects in the benchmark)."""

    def __init__(self, app: App) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            for name, value in scope["headers"]:
                if name == b"user-agent" and value == b"blocked":
                    await send({"type": "http.response.start", "status": 403, "headers": []})
                    await send({"type": "http.response.body", "body": b"blocked"})
                    return
        await self.app(scope, receive, send)


class Stamp:
    """Middleware 3: add a response header."""

    def __init__(self, app: App) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def stamped(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (b"x-plugs", b"3")]
            await send(message)

        await self.app(scope, receive, stamped)
