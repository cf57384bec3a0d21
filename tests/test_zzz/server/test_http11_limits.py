"""Every size limit applies on both parser paths, however the bytes arrive."""

from __future__ import annotations

import pytest
from zzz.exceptions import ImproperlyConfigured, ProtocolError
from zzz.server.limits import Limits
from zzz.server.parser import NEED_DATA, BodyData, EndOfMessage, Head, make_parser

KINDS = ["h11", "httptools"]
SMALL = Limits(max_request_line=64, max_header_bytes=128, max_header_count=4, max_body_bytes=10)


def run(kind: str, data: bytes, step: int | None, limits: Limits = SMALL) -> list[object]:
    """Feed ``data`` (in ``step``-sized pieces) and return the events; raise ProtocolError."""
    parser = make_parser(kind, limits)  # type: ignore[arg-type]
    events: list[object] = []
    pieces = [data] if step is None else [data[i : i + step] for i in range(0, len(data), step)]
    for piece in pieces:
        parser.feed(piece)
        while (event := parser.next_event()) is not NEED_DATA:
            events.append(event)
            if isinstance(event, EndOfMessage):
                parser.start_next_cycle()
    return events


@pytest.fixture(params=KINDS)
def kind(request: pytest.FixtureRequest) -> str:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture(params=[None, 1, 5], ids=["whole", "bytewise", "fives"])
def step(request: pytest.FixtureRequest) -> int | None:
    return request.param  # type: ignore[no-any-return]


def expect_status(kind: str, data: bytes, step: int | None, status: int) -> None:
    with pytest.raises(ProtocolError) as info:
        run(kind, data, step)
    assert info.value.status == status, info.value.detail


def test_request_line_at_the_limit_is_accepted(kind: str, step: int | None) -> None:
    line = b"GET /" + b"a" * (64 - len(b"GET / HTTP/1.1")) + b" HTTP/1.1"
    assert len(line) == 64
    events = run(kind, line + b"\r\nHost: a\r\n\r\n", step)
    assert isinstance(events[0], Head)


def test_request_line_too_long_is_414(kind: str, step: int | None) -> None:
    line = b"GET /" + b"a" * (65 - len(b"GET / HTTP/1.1")) + b" HTTP/1.1"
    expect_status(kind, line + b"\r\nHost: a\r\n\r\n", step, 414)


def test_endless_request_line_is_414_before_its_end(kind: str) -> None:
    parser = make_parser(kind, SMALL)  # type: ignore[arg-type]
    parser.feed(b"GET /" + b"a" * 100)
    with pytest.raises(ProtocolError) as info:
        parser.next_event()
    assert info.value.status == 414


def test_header_bytes_at_the_limit_are_accepted(kind: str, step: int | None) -> None:
    fields = b"Host: a\r\nX: " + b"v" * (128 - len(b"Host: a\r\nX: \r\n")) + b"\r\n"
    assert len(fields) == 128
    events = run(kind, b"GET / HTTP/1.1\r\n" + fields + b"\r\n", step)
    assert isinstance(events[0], Head)


def test_header_bytes_too_large_is_431(kind: str, step: int | None) -> None:
    fields = b"Host: a\r\nX: " + b"v" * (129 - len(b"Host: a\r\nX: \r\n")) + b"\r\n"
    expect_status(kind, b"GET / HTTP/1.1\r\n" + fields + b"\r\n", step, 431)


def test_endless_header_block_is_431_before_its_end(kind: str) -> None:
    parser = make_parser(kind, SMALL)  # type: ignore[arg-type]
    parser.feed(b"GET / HTTP/1.1\r\nHost: a\r\n")
    assert parser.next_event() is NEED_DATA
    parser.feed(b"X: " + b"v" * 200)
    with pytest.raises(ProtocolError) as info:
        parser.next_event()
    assert info.value.status == 431


def test_header_count_at_the_limit_is_accepted(kind: str, step: int | None) -> None:
    data = b"GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n"
    events = run(kind, data, step)
    assert isinstance(events[0], Head)
    assert len(events[0].headers) == 4


def test_too_many_headers_is_431(kind: str, step: int | None) -> None:
    data = b"GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n"
    expect_status(kind, data, step, 431)


def test_content_length_over_the_limit_is_413_before_the_body(kind: str) -> None:
    parser = make_parser(kind, SMALL)  # type: ignore[arg-type]
    parser.feed(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\n")
    with pytest.raises(ProtocolError) as info:
        parser.next_event()
    assert info.value.status == 413


def test_huge_content_length_is_413(kind: str) -> None:
    data = b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999999\r\n\r\n"
    expect_status(kind, data, None, 413)


def test_content_length_at_the_limit_is_accepted(kind: str, step: int | None) -> None:
    events = run(kind, b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n0123456789", step)
    body = b"".join(e.data for e in events if isinstance(e, BodyData))
    assert body == b"0123456789"


def test_chunked_body_over_the_limit_is_413_while_reading(kind: str) -> None:
    parser = make_parser(kind, SMALL)  # type: ignore[arg-type]
    parser.feed(b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n")
    assert isinstance(parser.next_event(), Head)
    parser.feed(b"6\r\nabcdef\r\n")
    assert parser.next_event() == BodyData(b"abcdef")
    parser.feed(b"5\r\n")
    with pytest.raises(ProtocolError) as info:
        parser.next_event()
    assert info.value.status == 413


def test_chunk_size_over_the_limit_is_413(kind: str) -> None:
    data = b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nb\r\n"
    expect_status(kind, data, None, 413)


def test_chunk_size_with_too_many_digits_is_400(kind: str) -> None:
    for size in (b"ffffffffffffffffff", b"0" * 16 + b"1"):
        data = b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n" + size
        expect_status(kind, data + b"\r\nx\r\n0\r\n\r\n", None, 400)


def test_chunk_size_with_leading_zeros_is_accepted(kind: str) -> None:
    data = (
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"0000000000000001\r\nx\r\n0000\r\n\r\n"
    )
    events = run(kind, data, None)
    assert BodyData(b"x") in events


def test_oversized_trailers_are_431(kind: str, step: int | None) -> None:
    trailers = b"".join(b"T%d: %s\r\n" % (i, b"v" * 30) for i in range(5))
    data = b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n" + trailers
    expect_status(kind, data + b"\r\n", step, 431)


def test_overlong_chunk_line_is_400(kind: str) -> None:
    data = b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1;x=" + b"y" * 5000
    expect_status(kind, data, None, 400)


def test_pipelining_beyond_the_limit_is_429(kind: str) -> None:
    limits = Limits(max_pipelined=2)
    parser = make_parser(kind, limits)  # type: ignore[arg-type]
    parser.feed(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
    assert isinstance(parser.next_event(), Head)
    assert isinstance(parser.next_event(), EndOfMessage)
    request = b"GET / HTTP/1.1\r\nHost: a\r\n\r\n"
    parser.feed(request * 2)  # two requests ahead of the pending response: allowed
    for byte in range(len(request) - 1):  # a third, trickled in byte by byte
        parser.feed(request[byte : byte + 1])
    with pytest.raises(ProtocolError) as info:
        parser.feed(request[-1:])
    assert info.value.status == 429


def test_pipelined_requests_in_one_read_are_served(kind: str) -> None:
    events = run(kind, b"GET / HTTP/1.1\r\nHost: a\r\n\r\n" * 50, None, Limits(max_pipelined=2))
    assert sum(isinstance(e, Head) for e in events) == 50


def test_default_limits_are_safe() -> None:
    limits = Limits()
    assert limits.max_request_line == 8192
    assert limits.max_header_bytes == 16384
    assert limits.max_header_count == 100
    assert limits.max_body_bytes == 8 * 1024 * 1024
    assert 0 < limits.header_timeout <= 30
    assert 0 < limits.keepalive_timeout <= 30
    assert limits.max_pipelined >= 1


@pytest.mark.parametrize("name", ["max_body_bytes", "header_timeout", "max_pipelined"])
@pytest.mark.parametrize("value", [0, -1, True, "10"])
def test_invalid_limits_fail_at_startup(name: str, value: object) -> None:
    with pytest.raises(ImproperlyConfigured, match=name):
        Limits(**{name: value})  # type: ignore[arg-type]
