"""Differential property tests: the h11 and httptools paths agree on every input.

Generated valid requests must parse to the fields they were built from, on both
paths, however the bytes are split; arbitrary and mutated bytes must give the
same accept/reject decision and the same parsed requests on both paths, and
never raise anything but ``ProtocolError``.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from zzz.exceptions import ProtocolError
from zzz.server.limits import Limits
from zzz.server.parser import NEED_DATA, BodyData, ConnectionClosed, EndOfMessage, Head, make_parser

LIMITS = Limits(
    max_request_line=512, max_header_bytes=1024, max_header_count=20, max_body_bytes=4096
)
TOKEN_CHARS = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
RESERVED_NAMES = {
    b"host",
    b"content-length",
    b"transfer-encoding",
    b"connection",
    b"upgrade",
    b"expect",
}
SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def outcome(kind: str, pieces: list[bytes]) -> tuple[Any, ...]:
    parser = make_parser(kind, LIMITS)  # type: ignore[arg-type]
    requests: list[tuple[Any, ...]] = []
    head: Head | None = None
    body = b""
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
                            head.http_version,
                            head.keep_alive,
                            head.content_length,
                            head.chunked,
                            head.expect_continue,
                            head.upgrade,
                        )
                    )
                    if not head.keep_alive or head.upgrade is not None or head.method == b"CONNECT":
                        return ("accept", tuple(requests))
                    parser.start_next_cycle()
    except ProtocolError as exc:
        if not 400 <= exc.status < 600:
            raise AssertionError(f"ProtocolError with status {exc.status}") from exc
        return ("reject", exc.status, tuple(requests))
    return ("accept", tuple(requests))


def split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    pieces, last = [], 0
    for point in points:
        pieces.append(data[last:point])
        last = point
    pieces.append(data[last:])
    return [p for p in pieces if p]


tokens = st.text(TOKEN_CHARS, min_size=1, max_size=12).map(str.encode)
header_values = st.lists(
    st.binary(min_size=1, max_size=8).map(
        lambda b: bytes(c if 0x21 <= c <= 0x7E or c >= 0x80 else 0x61 for c in b)
    ),
    max_size=3,
).map(b" ".join)
path_chars = st.sampled_from(list(b"abcXYZ019-._~!$&'()*+,;=:@%/?"))
targets = st.lists(path_chars, max_size=30).map(lambda cs: b"/" + bytes(cs))
methods = st.sampled_from(
    [b"GET", b"POST", b"PUT", b"DELETE", b"PATCH", b"OPTIONS", b"HEAD", b"QUERY"]
)


@st.composite
def requests(draw: st.DrawFn) -> tuple[bytes, dict[str, Any]]:
    method = draw(methods)
    target = draw(targets)
    version = draw(st.sampled_from([b"1.1", b"1.0"]))
    headers = [
        (name, value)
        for name, value in draw(st.lists(st.tuples(tokens, header_values), max_size=6))
        if name.lower() not in RESERVED_NAMES
    ]
    headers.insert(draw(st.integers(0, len(headers))), (b"Host", b"example.com:8080"))
    body = draw(st.binary(max_size=200))
    framing = draw(st.sampled_from(["length", "chunked"] if version == b"1.1" else ["length"]))
    if body or framing == "chunked" or draw(st.booleans()):
        if framing == "length":
            headers.append((b"Content-Length", b"%d" % len(body)))
            payload = body
        else:
            headers.append((b"Transfer-Encoding", b"chunked"))
            sizes = draw(st.lists(st.integers(1, 50), max_size=10))
            payload, rest = b"", body
            for size in sizes:
                if not rest:
                    break
                ext = draw(st.sampled_from([b"", b";a=b", b';q="x y"', b";flag"]))
                zeros = b"0" * draw(st.integers(0, 14))
                payload += b"%s%x%s\r\n%s\r\n" % (zeros, len(rest[:size]), ext, rest[:size])
                rest = rest[size:]
            if rest:
                payload += b"%X\r\n%s\r\n" % (len(rest), rest)
            trailers = draw(st.lists(st.tuples(tokens, header_values), max_size=2))
            payload += b"0\r\n" + b"".join(
                b"%s: %s\r\n" % (name, value)
                for name, value in trailers
                if name.lower() not in RESERVED_NAMES | {b"te", b"trailer", b"keep-alive"}
            )
            payload += b"\r\n"
    else:
        payload = b""
    keep_alive = True
    if version == b"1.0":
        headers.append((b"Connection", b"keep-alive"))
    head = b"%s %s HTTP/%s\r\n" % (method, target, version)
    head += b"".join(b"%s: %s\r\n" % h for h in headers) + b"\r\n"
    expected = {
        "method": method,
        "target": target,
        "headers": tuple((n.lower(), v) for n, v in headers),
        "body": body,
        "version": version,
        "keep_alive": keep_alive,
    }
    return head + payload, expected


@SETTINGS
@given(st.lists(requests(), min_size=1, max_size=3), st.lists(st.integers(0, 10_000), max_size=8))
def test_generated_requests_roundtrip_on_both_paths(
    batch: list[tuple[bytes, dict[str, Any]]], cuts: list[int]
) -> None:
    data = b"".join(raw for raw, _ in batch)
    pieces = split(data, cuts)
    results = {kind: outcome(kind, pieces) for kind in ("h11", "httptools")}
    assert results["h11"] == results["httptools"]
    assert outcome("h11", [data]) == results["h11"]
    decision, parsed = results["h11"][0], results["h11"][-1]
    assert decision == "accept", results["h11"]
    assert len(parsed) == len(batch)
    for got, (_, want) in zip(parsed, batch, strict=True):
        method, target, headers, body, version, keep_alive = got[:6]
        assert (method, target, headers, body, version, keep_alive) == (
            want["method"],
            want["target"],
            want["headers"],
            want["body"],
            want["version"],
            want["keep_alive"],
        )


@SETTINGS
@given(st.binary(max_size=300), st.lists(st.integers(0, 1000), max_size=5))
def test_arbitrary_bytes_agree_and_only_raise_protocol_error(data: bytes, cuts: list[int]) -> None:
    pieces = split(data, cuts)
    assert outcome("h11", pieces) == outcome("httptools", pieces)


@SETTINGS
@given(
    requests(),
    st.lists(
        st.tuples(
            st.integers(0, 10_000),
            st.sampled_from(
                [
                    *(b"", b"\r", b"\n", b" ", b"\t", b"\x00", b":", b"\r\n", b"0", b";"),
                    *(b"=", b'"', b"\\", b"\xff", b"\x7f", b"a", b"F", b",", b"/", b"\r\n\r\n"),
                    *(b"Content-Length: 2\r\n", b"Transfer-Encoding: chunked\r\n"),
                    *(b"Host: x\r\n", b"Connection: close\r\n", b"Connection: upgrade\r\n"),
                    *(b"Upgrade: websocket\r\n", b"HTTP/1.0", b"CONNECT a:1 ", b" HTTP/1.1"),
                ]
            ),
            st.integers(0, 2),
        ),
        min_size=1,
        max_size=3,
    ),
    st.lists(st.integers(0, 10_000), max_size=5),
)
def test_mutated_requests_agree(
    request: tuple[bytes, dict[str, Any]], edits: list[tuple[int, bytes, int]], cuts: list[int]
) -> None:
    data = bytearray(request[0])
    for position, insert, delete in edits:
        at = position % (len(data) + 1)
        data[at : at + delete] = insert
    pieces = split(bytes(data), cuts)
    assert outcome("h11", pieces) == outcome("httptools", pieces)
    # However the bytes arrive, the decision and the parsed requests are the same (the
    # status may differ: a streamed head is rejected at its first detectable error).
    whole, streamed = outcome("h11", [bytes(data)]), outcome("h11", pieces)
    assert (whole[0], whole[-1]) == (streamed[0], streamed[-1])


@SETTINGS
@given(
    st.lists(st.tuples(st.integers(0, 30), st.integers(0, 300)), min_size=1, max_size=4),
    st.sampled_from([b"", b";a", b";a=1", b';a="\\""', b"; a", b";a =1", b" ", b"\t"]),
)
def test_chunk_size_lines_agree(sizes: list[tuple[int, int]], ext: bytes) -> None:
    body = b"".join(
        b"0" * zeros + b"%x" % size + ext + b"\r\n" + b"x" * size + b"\r\n" for zeros, size in sizes
    )
    data = b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n" + body + b"0\r\n\r\n"
    assert outcome("h11", [data]) == outcome("httptools", [data])
