"""The sans-IO request parsers: framing, keep-alive, pipelining, Upgrade, EOF.

Every test runs on both parser paths (h11 and httptools) and, where the way
bytes arrive matters, with the input fed all at once and one byte at a time.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from zzz.exceptions import ProtocolError
from zzz.server.limits import Limits
from zzz.server.parser import (
    NEED_DATA,
    BodyData,
    ConnectionClosed,
    EndOfMessage,
    Head,
    ParserStateError,
    RequestParser,
    make_parser,
)

KINDS = ["h11", "httptools"]


@dataclass
class Parsed:
    head: Head
    body: bytes = b""
    events: list[str] = field(default_factory=list)


def drain(parser: RequestParser, out: list[Parsed]) -> bool:
    """Pull events until NEED_DATA; start the next cycle after each keep-alive request.

    Returns False once the parser will not produce another request.
    """
    while True:
        event = parser.next_event()
        if event is NEED_DATA:
            return True
        if isinstance(event, ConnectionClosed):
            return False
        if isinstance(event, Head):
            out.append(Parsed(event))
        elif isinstance(event, BodyData):
            out[-1].body += event.data
            out[-1].events.append("data")
        else:
            assert isinstance(event, EndOfMessage)
            head = out[-1].head
            if not head.keep_alive or head.upgrade is not None or head.method == b"CONNECT":
                return False
            parser.start_next_cycle()


def parse(
    kind: str, data: bytes, *, limits: Limits | None = None, step: int | None = None
) -> list[Parsed]:
    parser = make_parser(kind, limits)  # type: ignore[arg-type]
    out: list[Parsed] = []
    pieces = [data] if step is None else [data[i : i + step] for i in range(0, len(data), step)]
    for piece in pieces:
        parser.feed(piece)
        if not drain(parser, out):
            return out
    parser.feed(b"")
    drain(parser, out)
    return out


@pytest.fixture(params=KINDS)
def kind(request: pytest.FixtureRequest) -> str:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture(params=[None, 1], ids=["whole", "bytewise"])
def step(request: pytest.FixtureRequest) -> int | None:
    return request.param  # type: ignore[no-any-return]


def test_simple_get(kind: str, step: int | None) -> None:
    (req,) = parse(
        kind, b"GET /a/b?c=d HTTP/1.1\r\nHost: example.com\r\nX-A:  v  \r\n\r\n", step=step
    )
    head = req.head
    assert head.method == b"GET"
    assert head.target == b"/a/b?c=d"
    assert head.headers == [(b"host", b"example.com"), (b"x-a", b"v")]
    assert head.http_version == b"1.1"
    assert head.keep_alive is True
    assert head.content_length is None
    assert head.chunked is False
    assert head.expect_continue is False
    assert head.upgrade is None
    assert req.body == b""


def test_header_names_are_lower_cased_and_order_kept(kind: str) -> None:
    (req,) = parse(kind, b"GET / HTTP/1.1\r\nHOST: a\r\nX-B: 1\r\nx-b: 2\r\nAccept: */*\r\n\r\n")
    assert req.head.headers == [
        (b"host", b"a"),
        (b"x-b", b"1"),
        (b"x-b", b"2"),
        (b"accept", b"*/*"),
    ]


def test_content_length_body(kind: str, step: int | None) -> None:
    data = b"POST /f HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\nhello world"
    (req,) = parse(kind, data, step=step)
    assert req.head.content_length == 11
    assert req.body == b"hello world"
    assert req.events == (["data"] if step is None else ["data"] * 11)


def test_body_arrives_incrementally() -> None:
    for kind in KINDS:
        parser = make_parser(kind)  # type: ignore[arg-type]
        parser.feed(b"PUT / HTTP/1.1\r\nHost: a\r\nContent-Length: 6\r\n\r\nabc")
        assert isinstance(parser.next_event(), Head)
        assert parser.next_event() == BodyData(b"abc")
        assert parser.next_event() is NEED_DATA
        parser.feed(b"def")
        assert parser.next_event() == BodyData(b"def")
        assert isinstance(parser.next_event(), EndOfMessage)
        assert parser.next_event() is NEED_DATA


def test_chunked_body_with_extensions_and_trailers(kind: str, step: int | None) -> None:
    data = (
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
        b'5;name=value;q="x y"\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n0\r\nX-Trailer: 1\r\n\r\n'
    )
    (req,) = parse(kind, data, step=step)
    assert req.head.chunked is True
    assert req.head.content_length is None
    assert req.body == b"hello world"


def test_pipelined_requests_are_kept_for_the_next_cycle(kind: str, step: int | None) -> None:
    data = (
        b"GET /1 HTTP/1.1\r\nHost: a\r\n\r\n"
        b"POST /2 HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc"
        b"POST /3 HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nxy\r\n0\r\n\r\n"
        b"\r\nGET /4 HTTP/1.1\r\nHost: a\r\n\r\n"
    )
    reqs = parse(kind, data, step=step)
    assert [(r.head.target, r.body) for r in reqs] == [
        (b"/1", b""),
        (b"/2", b"abc"),
        (b"/3", b"xy"),
        (b"/4", b""),
    ]


def test_next_event_waits_for_start_next_cycle(kind: str) -> None:
    parser = make_parser(kind)  # type: ignore[arg-type]
    parser.feed(b"GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n")
    assert isinstance(parser.next_event(), Head)
    assert isinstance(parser.next_event(), EndOfMessage)
    assert parser.next_event() is NEED_DATA
    parser.start_next_cycle()
    second = parser.next_event()
    assert isinstance(second, Head)
    assert second.target == b"/2"


def test_start_next_cycle_before_the_end_is_an_error(kind: str) -> None:
    parser = make_parser(kind)  # type: ignore[arg-type]
    parser.feed(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nab")
    assert isinstance(parser.next_event(), Head)
    with pytest.raises(ParserStateError):
        parser.start_next_cycle()


@pytest.mark.parametrize(
    ("data", "keep_alive"),
    [
        (b"GET / HTTP/1.1\r\nHost: a\r\n\r\n", True),
        (b"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", False),
        (b"GET / HTTP/1.1\r\nHost: a\r\nConnection: Keep-Alive, CLOSE\r\n\r\n", False),
        (b"GET / HTTP/1.0\r\n\r\n", False),
        (b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", True),
        (b"GET / HTTP/1.0\r\nConnection: Keep-Alive\r\nHost: a\r\n\r\n", True),
        (b"GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n", False),
    ],
)
def test_keep_alive_semantics(kind: str, data: bytes, keep_alive: bool) -> None:
    (req,) = parse(kind, data)
    assert req.head.keep_alive is keep_alive


def test_http10_keep_alive_serves_the_next_request(kind: str) -> None:
    data = b"GET /1 HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /2 HTTP/1.0\r\n\r\n"
    reqs = parse(kind, data)
    assert [r.head.target for r in reqs] == [b"/1", b"/2"]
    assert [r.head.http_version for r in reqs] == [b"1.0", b"1.0"]


def test_data_after_connection_close_is_ignored(kind: str) -> None:
    parser = make_parser(kind)  # type: ignore[arg-type]
    parser.feed(b"GET /1 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\nGARBAGE\r\n\r\n")
    assert isinstance(parser.next_event(), Head)
    assert isinstance(parser.next_event(), EndOfMessage)
    parser.feed(b"GET /2 HTTP/1.1\r\n\r\n")
    assert parser.next_event() is NEED_DATA
    with pytest.raises(ParserStateError):
        parser.start_next_cycle()


def test_expect_continue_is_surfaced(kind: str) -> None:
    data = b"PUT / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nok"
    (req,) = parse(kind, data)
    assert req.head.expect_continue is True
    assert req.body == b"ok"
    (old,) = parse(kind, b"PUT / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 0\r\n\r\n")
    assert old.head.expect_continue is False


def test_upgrade_is_surfaced_and_trailing_data_kept(kind: str) -> None:
    parser = make_parser(kind)  # type: ignore[arg-type]
    parser.feed(
        b"GET /ws HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, Upgrade\r\n"
        b"Upgrade: WebSocket\r\nSec-WebSocket-Version: 13\r\n\r\n\x81\x05hello"
    )
    head = parser.next_event()
    assert isinstance(head, Head)
    assert head.upgrade == b"websocket"
    assert isinstance(parser.next_event(), EndOfMessage)
    assert parser.next_event() is NEED_DATA
    parser.feed(b"more")
    assert parser.trailing_data == b"\x81\x05hellomore"


def test_upgrade_with_a_body_reads_the_body_first(kind: str, step: int | None) -> None:
    data = (
        b"POST /u HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\nUpgrade: h2c\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\nNEWPROTO"
    )
    (req,) = parse(kind, data, step=step)
    assert req.head.upgrade == b"h2c"
    assert req.body == b"abc"


def test_declined_upgrade_continues_with_http(kind: str) -> None:
    parser = make_parser(kind)  # type: ignore[arg-type]
    parser.feed(
        b"GET / HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\nUpgrade: foo\r\n\r\n"
        b"GET /next HTTP/1.1\r\nHost: a\r\n\r\n"
    )
    assert isinstance(parser.next_event(), Head)
    assert isinstance(parser.next_event(), EndOfMessage)
    parser.start_next_cycle()
    nxt = parser.next_event()
    assert isinstance(nxt, Head)
    assert nxt.target == b"/next"


def test_upgrade_header_without_connection_token_is_not_an_upgrade(kind: str) -> None:
    (req,) = parse(kind, b"GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n\r\n")
    assert req.head.upgrade is None


def test_connect_has_no_body_and_pauses(kind: str) -> None:
    parser = make_parser(kind)  # type: ignore[arg-type]
    parser.feed(
        b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\nContent-Length: 5\r\n\r\n"
        b"\x16\x03\x01tls"
    )
    head = parser.next_event()
    assert isinstance(head, Head)
    assert head.method == b"CONNECT"
    assert head.target == b"example.com:443"
    assert head.content_length is None
    assert isinstance(parser.next_event(), EndOfMessage)
    assert parser.trailing_data == b"\x16\x03\x01tls"


def test_clean_eof_between_requests(kind: str) -> None:
    parser = make_parser(kind)  # type: ignore[arg-type]
    assert parser.next_event() is NEED_DATA
    parser.feed(b"\r\n")
    parser.feed(b"")
    assert isinstance(parser.next_event(), ConnectionClosed)


@pytest.mark.parametrize(
    "data",
    [
        b"GET / HTTP/1.1\r\nHost: a\r\n",
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nab",
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
    ],
)
def test_eof_inside_a_request_is_a_400(kind: str, data: bytes) -> None:
    with pytest.raises(ProtocolError) as info:
        parse(kind, data)
    assert info.value.status == 400


def test_errors_are_sticky(kind: str) -> None:
    parser = make_parser(kind)  # type: ignore[arg-type]
    parser.feed(b"GET / HTTP/1.1\r\nHost: a\r\nBad Header: x\r\n\r\n")
    with pytest.raises(ProtocolError):
        parser.next_event()
    with pytest.raises(ProtocolError):
        parser.next_event()


def test_unknown_parser_kind() -> None:
    with pytest.raises(ValueError, match="unknown parser kind"):
        make_parser("nope")  # type: ignore[arg-type]


def test_empty_upgrade_value_is_not_an_upgrade(kind: str) -> None:
    (req,) = parse(kind, b"GET / HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\nUpgrade:\r\n\r\n")
    assert req.head.upgrade is None
    assert req.head.keep_alive is True
