"""The plain ASGI 3 app every server in the server benchmark serves.

``/`` answers ``Hello, World!`` as text/plain, ``/json`` answers
``{"message":"Hello, World!"}`` (the TechEmpower shapes).
"""

from __future__ import annotations

import json
from typing import Any

PLAIN = b"Hello, World!"
PLAIN_HEADERS = [(b"content-type", b"text/plain"), (b"content-length", b"13")]


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Answer plaintext or JSON; handle lifespan so every server starts cleanly."""
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["path"] == "/json":
        body = json.dumps({"message": "Hello, World!"}, separators=(",", ":")).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})
        return
    await send({"type": "http.response.start", "status": 200, "headers": PLAIN_HEADERS})
    await send({"type": "http.response.body", "body": PLAIN})
