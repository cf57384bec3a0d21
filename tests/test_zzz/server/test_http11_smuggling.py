"""Request smuggling shapes and malformed heads are rejected the same way on both paths."""

from __future__ import annotations

import pytest
from zzz.exceptions import ProtocolError
from zzz.server.parser import NEED_DATA, EndOfMessage, Head, make_parser

KINDS = ["h11", "httptools"]

REJECTED: list[tuple[str, bytes, int]] = [
    # framing conflicts
    (
        "cl-and-te",
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        400,
    ),
    (
        "te-and-cl",
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
        b"Content-Length: 3\r\n\r\n0\r\n\r\n",
        400,
    ),
    (
        "duplicate-cl-same",
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx",
        400,
    ),
    (
        "duplicate-cl-diff",
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nxy",
        400,
    ),
    ("cl-list", b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1, 1\r\n\r\nx", 400),
    ("cl-sign", b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +1\r\n\r\nx", 400),
    ("cl-hex", b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x1\r\n\r\nx", 400),
    ("cl-empty", b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n", 400),
    ("cl-space-inside", b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1 2\r\n\r\n", 400),
    (
        "cl-unicode-digit",
        "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: \u0661\r\n\r\n".encode(),
        400,
    ),
    ("te-identity", b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: identity\r\n\r\n", 400),
    (
        "te-chunked-not-final",
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
        400,
    ),
    (
        "te-gzip-chunked",
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
        501,
    ),
    (
        "te-duplicate",
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        400,
    ),
    (
        "te-chunkedchunked",
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunkedchunked\r\n\r\n",
        400,
    ),
    ("te-http10", b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
    # line structure
    ("obs-fold", b"GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n c\r\n\r\n", 400),
    ("obs-fold-tab", b"GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n\tc\r\n\r\n", 400),
    ("bare-lf-head", b"GET / HTTP/1.1\nHost: a\n\n", 400),
    ("bare-lf-header", b"GET / HTTP/1.1\r\nHost: a\nX: b\r\n\r\n", 400),
    ("bare-cr-header", b"GET / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n", 400),
    ("bare-cr-value", b"GET / HTTP/1.1\r\nHost: a\r\nX: b\rc\r\n\r\n", 400),
    ("space-before-colon", b"GET / HTTP/1.1\r\nHost: a\r\nContent-Length : 0\r\n\r\n", 400),
    ("invalid-name", b"GET / HTTP/1.1\r\nHost: a\r\nX@Y: b\r\n\r\n", 400),
    ("empty-name", b"GET / HTTP/1.1\r\nHost: a\r\n: b\r\n\r\n", 400),
    ("nul-in-value", b"GET / HTTP/1.1\r\nHost: a\r\nX: a\x00b\r\n\r\n", 400),
    ("ctl-in-value", b"GET / HTTP/1.1\r\nHost: a\r\nX: a\x0cb\r\n\r\n", 400),
    ("space-in-target", b"GET /a b HTTP/1.1\r\nHost: a\r\n\r\n", 400),
    ("utf8-in-target", "GET /\u00e9 HTTP/1.1\r\nHost: a\r\n\r\n".encode(), 400),
    ("missing-version", b"GET /\r\nHost: a\r\n\r\n", 400),
    ("lower-http", b"GET / http/1.1\r\nHost: a\r\n\r\n", 400),
    ("double-space", b"GET  / HTTP/1.1\r\nHost: a\r\n\r\n", 400),
    ("relative-target", b"GET a/b HTTP/1.1\r\nHost: a\r\n\r\n", 400),
    ("asterisk-get", b"GET * HTTP/1.1\r\nHost: a\r\n\r\n", 400),
    ("connect-origin-form", b"CONNECT / HTTP/1.1\r\nHost: a\r\n\r\n", 400),
    # Host
    ("no-host", b"GET / HTTP/1.1\r\n\r\n", 400),
    ("two-hosts", b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),
    ("host-with-space", b"GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400),
    ("host-with-slash", b"GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", 400),
    ("host-with-userinfo", b"GET / HTTP/1.1\r\nHost: u@a\r\n\r\n", 400),
    ("host-bad-port", b"GET / HTTP/1.1\r\nHost: a:8x\r\n\r\n", 400),
    ("two-hosts-http10", b"GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n", 400),
    # method and version
    ("unknown-method", b"FOO / HTTP/1.1\r\nHost: a\r\n\r\n", 501),
    ("h2-preface", b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 505),
    ("http-2", b"GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505),
    ("http-1-2", b"GET / HTTP/1.2\r\nHost: a\r\n\r\n", 505),
    # chunked framing
    (
        "chunk-size-not-hex",
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\ng\r\nx\r\n0\r\n\r\n",
        400,
    ),
    (
        "chunk-size-space",
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1 \r\nx\r\n0\r\n\r\n",
        400,
    ),
    (
        "chunk-size-negative",
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\nx\r\n0\r\n\r\n",
        400,
    ),
    (
        "chunk-empty-ext",
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1;\r\nx\r\n0\r\n\r\n",
        400,
    ),
    (
        "chunk-data-no-crlf",
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nxy\r\n0\r\n\r\n",
        400,
    ),
    (
        "chunk-bare-lf",
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1\nx\n0\n\n",
        400,
    ),
    (
        "chunk-missing-last",
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n\r\n",
        400,
    ),
    (
        "chunk-bad-trailer",
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"0\r\nBad Trailer: x\r\n\r\n",
        400,
    ),
    (
        "chunk-folded-trailer",
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: a\r\n b\r\n\r\n",
        400,
    ),
]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("step", [None, 1, 7], ids=["whole", "bytewise", "sevens"])
@pytest.mark.parametrize(("name", "data", "status"), REJECTED, ids=[r[0] for r in REJECTED])
def test_rejected(kind: str, step: int | None, name: str, data: bytes, status: int) -> None:
    parser = make_parser(kind)  # type: ignore[arg-type]
    pieces = [data] if step is None else [data[i : i + step] for i in range(0, len(data), step)]
    with pytest.raises(ProtocolError) as info:  # noqa: PT012 (the error may come at any piece)
        for piece in pieces:
            parser.feed(piece)
            while (event := parser.next_event()) is not NEED_DATA:
                assert not isinstance(event, EndOfMessage), f"{name} was accepted"
        parser.feed(b"")
        parser.next_event()
    assert info.value.status == status, info.value.detail
    assert info.value.detail


@pytest.mark.parametrize("kind", KINDS)
def test_smuggled_request_after_te_cl_is_never_parsed(kind: str) -> None:
    parser = make_parser(kind)  # type: ignore[arg-type]
    parser.feed(
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"0\r\n\r\nGET /admin HTTP/1.1\r\nHost: a\r\n\r\n"
    )
    with pytest.raises(ProtocolError):
        parser.next_event()
    with pytest.raises(ProtocolError):
        parser.next_event()


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    "data",
    [
        b"GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: \r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: xn--bcher-kva.example:443\r\n\r\n",
        b"GET http://a/b?c HTTP/1.1\r\nHost: a\r\n\r\n",
        b"OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n",
        b"GET /a%20b?q=%C3%A9#frag HTTP/1.1\r\nHost: a\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: a\r\nX-Empty:\r\nX-Tab:\tv\t\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: a\r\nX-Obs: caf\xe9\r\n\r\n",
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 007\r\n\r\nabcdefg",
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: CHUNKED\r\n\r\n0\r\n\r\n",
        b"M-SEARCH /x HTTP/1.1\r\nHost: a\r\n\r\n",
        b"GET / HTTP/1.0\r\n\r\n",
    ],
)
def test_accepted_edge_cases(kind: str, data: bytes) -> None:
    parser = make_parser(kind)  # type: ignore[arg-type]
    parser.feed(data)
    head = parser.next_event()
    assert isinstance(head, Head)
    while not isinstance(parser.next_event(), EndOfMessage):
        pass


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"GET / HTTP/1.1\r\nHost: a\r\nX: b\r\n c\r\n\r\n", "obs-fold"),
        (b"GET / HTTP/1.1\nHost: a\n\n", "bare CR or LF"),
        (
            b"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n",
            "duplicate",
        ),
        (b"GET / HTTP/1.1\r\n\r\n", "Host"),
        (
            b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n",
            "both",
        ),
        (b"GET /x y HTTP/1.1\r\nHost: a\r\n\r\n", "request line"),
    ],
)
def test_rejections_explain_themselves(kind: str, data: bytes, words: str) -> None:
    parser = make_parser(kind)  # type: ignore[arg-type]
    parser.feed(data)
    with pytest.raises(ProtocolError, match=words):
        parser.next_event()
