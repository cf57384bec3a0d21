"""llhttp's request test cases as a conformance corpus for both parser paths.

The corpus lives outside the repository (``../shared/testdata/llhttp_cases.json``,
see its README); the tests skip when it is absent. Only ``meta.type == "request"``
cases apply. llhttp error codes 21-23 are pauses (Upgrade/CONNECT/PRI), not
rejections; code 5 means "answer the first request, then close". Every other
request error must be rejected. Cases llhttp accepts must be accepted too, except
for the deliberate strictness listed in ``DELIBERATE`` and HTTP/1.1 requests
without ``Host`` (400).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from zzz.exceptions import ProtocolError
from zzz.server.parser import NEED_DATA, BodyData, ConnectionClosed, EndOfMessage, Head, make_parser

CORPUS = Path(__file__).resolve().parents[3].parent / "shared" / "testdata" / "llhttp_cases.json"
PAUSES = {21, 22, 23}
CLOSE_AFTER_FIRST = 5

#: llhttp accepts these; we reject them on purpose (each documented in
#: docs/guides/server-protocol.md).
DELIBERATE = {
    "SOURCE request with ICE": "not HTTP (ICE protocol)",
    "OPTIONS request with RTSP": "not HTTP (RTSP protocol)",
    "ANNOUNCE request with RTSP": "not HTTP (RTSP protocol)",
    "No HTTP version": "HTTP/0.9 is not supported",
    "PRI request HTTP2": "HTTP/2 prior knowledge is not supported",
    "M-SEARCH request": "asterisk-form target is only allowed with OPTIONS",
}


def _load() -> list[dict[str, Any]]:
    if not CORPUS.exists():
        return []
    cases = json.loads(CORPUS.read_text(encoding="utf-8"))
    return [c for c in cases if c["meta"].get("type") == "request"]


CASES = _load()
pytestmark = pytest.mark.skipif(
    not CASES, reason=f"llhttp corpus not found at {CORPUS} (shared test data is not checked out)"
)

Outcome = tuple[Any, ...]


def outcome(kind: str, data: bytes, step: int | None = None) -> Outcome:
    """Feed ``data`` then EOF; return ("accept", requests) or ("reject", status, requests).

    A request is (method, target, headers, body, keep_alive, upgrade). Parsing stops
    after a request that closes the connection or switches protocols, as a server would.
    """
    parser = make_parser(kind)  # type: ignore[arg-type]
    requests: list[tuple[Any, ...]] = []
    head: Head | None = None
    body = b""
    pieces = [data] if step is None else [data[i : i + step] for i in range(0, len(data), step)]
    try:
        for piece in [*pieces, b""]:
            parser.feed(piece)
            while (event := parser.next_event()) is not NEED_DATA:
                if isinstance(event, ConnectionClosed):
                    break
                if isinstance(event, Head):
                    head, body = event, b""
                elif isinstance(event, BodyData):
                    body += event.data
                else:
                    assert isinstance(event, EndOfMessage)
                    assert head is not None
                    requests.append(
                        (
                            head.method,
                            head.target,
                            tuple(head.headers),
                            body,
                            head.keep_alive,
                            head.upgrade,
                        )
                    )
                    if not head.keep_alive or head.upgrade is not None or head.method == b"CONNECT":
                        return ("accept", tuple(requests))
                    parser.start_next_cycle()
    except ProtocolError as exc:
        return ("reject", exc.status, tuple(requests))
    return ("accept", tuple(requests))


def _error_code(case: dict[str, Any]) -> int | None:
    if not case["error"]:
        return None
    match = re.search(r"code=(\d+)", case["error"])
    assert match is not None
    return int(match.group(1))


def _without_host(data: bytes) -> bool:
    """Whether some HTTP/1.1 request head in ``data`` lacks a Host field."""
    for head in re.findall(rb"[A-Z-]+ \S+ HTTP/1\.1\r\n(?:.*?\r\n)?\r\n", data, re.DOTALL):
        if not re.search(rb"\r\nhost:", b"\r\n" + head.lower()):
            return True
    return False


@pytest.mark.parametrize(
    "case", CASES, ids=[f"{c['file'].split('/')[-1]}:{c['title']}" for c in CASES]
)
def test_llhttp_case(case: dict[str, Any]) -> None:
    data = case["input"].encode("utf-8")
    result = outcome("h11", data)
    for kind, step in [
        ("httptools", None),
        ("h11", 1),
        ("httptools", 1),
        ("h11", 3),
        ("httptools", 3),
    ]:
        assert outcome(kind, data, step) == result, f"{kind} step={step} disagrees"

    code = _error_code(case)
    if case["expect"] == "error" and code not in PAUSES and code != CLOSE_AFTER_FIRST:
        assert result[0] == "reject", "llhttp rejects this request"
        assert 400 <= result[1] < 600
        return
    if case["title"] in DELIBERATE:
        assert result[0] == "reject", DELIBERATE[case["title"]]
        return
    if code == CLOSE_AFTER_FIRST:
        assert result[0] == "accept"
        assert len(result[1]) == 1
        assert result[1][0][4] is False  # keep_alive: answer, then close
        return
    if _without_host(data):
        assert result[0] == "reject"
        assert result[1] == 400
        return
    if case["title"] == "CRLF between requests, implicit `keep-alive`":
        # The input ends inside a second request head: the first is served, then EOF.
        assert result[0] == "reject"
        assert len(result[2]) == 1
        return
    assert result[0] == "accept", result
    assert result[1], "at least one request is parsed"
    if code in PAUSES:
        last = result[1][-1]
        assert last[5] is not None or last[0] == b"CONNECT"


def test_corpus_has_the_documented_shape() -> None:
    assert len(CASES) == 134
    assert sum(c["expect"] == "error" for c in CASES) == 65
