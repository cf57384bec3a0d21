"""llhttp's request corpus over real sockets: no case crashes or hangs the server.

The parser-level conformance (same accept/reject decisions as llhttp, both parser
paths) is tested without sockets in ``tests/test_zzz/server/test_llhttp_corpus.py``.
Here every request case goes through a running server, on both backends and both
parsers: each connection must end within a bound, every rejected case must get a
4xx/5xx answer, and the server must still answer normally afterwards.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import anyio
import pytest
from zzz.server import Server, ServerConfig
from zzz.types import Body, RequestHead, ResponseWriter

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "testdata" / "llhttp_cases.json"
#: llhttp error codes that are not rejections: pauses (Upgrade/CONNECT/PRI) and
#: "data after Connection: close" (answer the first request, then close).
NOT_REJECTIONS = {5, 21, 22, 23}


def _load() -> list[dict[str, Any]]:
    if not CORPUS.exists():
        return []
    cases = json.loads(CORPUS.read_text(encoding="utf-8"))
    return [c for c in cases if c["meta"].get("type") == "request"]


CASES = _load()
pytestmark = [
    pytest.mark.anyio,
    pytest.mark.skipif(not CASES, reason=f"llhttp corpus not found at {CORPUS}"),
]


def _must_reject(case: dict[str, Any]) -> bool:
    if case["expect"] != "error":
        return False
    match = re.search(r"code=(\d+)", case["error"] or "")
    return match is not None and int(match.group(1)) not in NOT_REJECTIONS


class Drain:
    async def startup(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def handle_http(self, head: RequestHead, body: Body, response: ResponseWriter) -> None:
        while await body.receive():
            pass
        await response.respond(200, [], b"ok")


async def _exchange(host: str, port: int, data: bytes) -> bytes:
    async with await anyio.connect_tcp(host, port) as stream:
        await stream.send(data)
        await stream.send_eof()
        received = b""
        with anyio.fail_after(5):
            while True:
                try:
                    received += await stream.receive()
                except (anyio.EndOfStream, anyio.BrokenResourceError):
                    return received


@pytest.mark.parametrize("http", ["h11", "httptools"])
async def test_corpus_over_sockets(http: str) -> None:
    config = ServerConfig(port=0, http=http)  # type: ignore[arg-type]
    server = Server(Drain(), config)
    failures = []
    with anyio.fail_after(60):
        async with anyio.create_task_group() as tg:
            host, port = (await tg.start(server.serve))[0]
            for case in CASES:
                answer = await _exchange(host, port, case["input"].encode("utf-8"))
                statuses = re.findall(rb"HTTP/1\.[01] (\d{3}) ", answer)
                if _must_reject(case) and not any(s[:1] in (b"4", b"5") for s in statuses):
                    failures.append((case["title"], answer[:80]))
            final = await _exchange(
                host, port, b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
            )
            server.shutdown()
    assert not failures
    assert final.startswith(b"HTTP/1.1 200 OK")
