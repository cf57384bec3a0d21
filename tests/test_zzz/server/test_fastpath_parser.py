"""The httptools path: optional dependency handling and llhttp specifics."""

from __future__ import annotations

import sys

import pytest
from zzz.exceptions import MissingDependency
from zzz.server.parser import BodyData, EndOfMessage, Head, make_parser


def test_missing_httptools_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "httptools", None)
    with pytest.raises(MissingDependency) as info:
        make_parser("httptools")
    assert info.value.package == "httptools"
    assert info.value.extra == "fast"
    assert "zzz-web[fast]" in str(info.value)


def test_h11_path_does_not_need_httptools(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "httptools", None)
    parser = make_parser("h11")
    parser.feed(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
    assert isinstance(parser.next_event(), Head)


def test_upgrade_request_body_is_decoded_although_llhttp_skips_it() -> None:
    # httptools stops at the head of an Upgrade request; the body still belongs to
    # the request (RFC 9110 section 7.8), so the shared framing delivers it.
    parser = make_parser("httptools")
    parser.feed(
        b"POST /u HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\nUpgrade: x\r\n"
        b"Content-Length: 5\r\n\r\nhelloNEW"
    )
    head = parser.next_event()
    assert isinstance(head, Head)
    assert head.upgrade == b"x"
    assert parser.next_event() == BodyData(b"hello")
    assert isinstance(parser.next_event(), EndOfMessage)
    assert parser.trailing_data == b"NEW"


def test_trailing_whitespace_is_stripped_like_h11() -> None:
    for kind in ("h11", "httptools"):
        parser = make_parser(kind)
        parser.feed(b"GET / HTTP/1.1\r\nHost: a \t\r\nX:\t b c \r\n\r\n")
        head = parser.next_event()
        assert isinstance(head, Head)
        assert head.headers == [(b"host", b"a"), (b"x", b"b c")]


def test_trailers_do_not_leak_into_the_head() -> None:
    for kind in ("h11", "httptools"):
        parser = make_parser(kind)
        parser.feed(
            b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"1\r\nx\r\n0\r\nX-Checksum: abc\r\n\r\n"
        )
        head = parser.next_event()
        assert isinstance(head, Head)
        assert parser.next_event() == BodyData(b"x")
        assert isinstance(parser.next_event(), EndOfMessage)
        assert head.headers == [(b"host", b"a"), (b"transfer-encoding", b"chunked")]
