"""The quick-start app in docs/server.md runs as written."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from zzz.server import Server, ServerConfig, asgi_to_native

pytestmark = pytest.mark.anyio

DOC = Path(__file__).parents[3] / "docs" / "server.md"


def quick_start_app() -> Any:
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), re.DOTALL)
    namespace: dict[str, Any] = {}
    exec(compile(blocks[0], str(DOC), "exec"), namespace)
    return namespace["app"]


async def test_quick_start_app_is_served() -> None:
    server = Server(quick_start_app(), ServerConfig(port=0))
    with anyio.fail_after(10):
        async with anyio.create_task_group() as tg:
            host, port = (await tg.start(server.serve))[0]
            async with httpx.AsyncClient() as client:
                default = await client.get(f"http://{host}:{port}/")
                named = await client.get(f"http://{host}:{port}/Zzz")
            server.shutdown()
    assert default.text == "Hello, World!"
    assert named.text == "Hello, Zzz!"


async def test_quick_start_app_as_asgi() -> None:
    transport = httpx.ASGITransport(app=asgi_to_native(quick_start_app()))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get("/docs")
    assert response.text == "Hello, docs!"
