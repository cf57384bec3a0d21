"""Response head serialisation: framing decisions, default headers, injection."""

from __future__ import annotations

import re
import time
from email.utils import parsedate_to_datetime

import h11
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from zzz.server import response
from zzz.server.response import (
    CONTINUE_RESPONSE,
    LAST_CHUNK,
    InvalidResponseHeader,
    build_head,
    encode_chunk,
    error_response,
    http_date,
    reason_phrase,
)


def header_map(data: bytes) -> dict[bytes, list[bytes]]:
    lines = data.split(b"\r\n")
    assert lines[-2:] == [b"", b""]
    out: dict[bytes, list[bytes]] = {}
    for line in lines[1:-2]:
        name, _, value = line.partition(b": ")
        out.setdefault(name, []).append(value)
    return out


def test_one_shot_response_gets_length_date_and_server() -> None:
    head = build_head(200, [(b"content-type", b"text/plain")], content_length=13)
    assert head.data.startswith(b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n")
    fields = header_map(head.data)
    assert fields[b"content-length"] == [b"13"]
    assert fields[b"server"] == [b"zzz"]
    assert re.fullmatch(
        rb"[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT", fields[b"date"][0]
    )
    assert (head.chunked, head.keep_alive, head.body_allowed, head.content_length) == (
        False,
        True,
        True,
        13,
    )


def test_app_date_and_server_are_kept() -> None:
    head = build_head(200, [(b"date", b"x"), (b"server", b"mine")], content_length=0)
    fields = header_map(head.data)
    assert fields[b"date"] == [b"x"]
    assert fields[b"server"] == [b"mine"]


def test_streamed_http11_body_is_chunked() -> None:
    head = build_head(200, [])
    assert header_map(head.data)[b"transfer-encoding"] == [b"chunked"]
    assert head.chunked is True
    assert head.keep_alive is True
    assert b"content-length" not in header_map(head.data)


def test_streamed_body_with_app_length_is_not_chunked() -> None:
    head = build_head(200, [(b"content-length", b"42")])
    assert head.chunked is False
    assert head.content_length == 42
    assert header_map(head.data)[b"content-length"] == [b"42"]


def test_streamed_http10_body_closes_the_connection() -> None:
    head = build_head(200, [], http_version=b"1.0", keep_alive=True)
    assert head.data.startswith(b"HTTP/1.0 200 OK\r\n")
    assert head.chunked is False
    assert head.keep_alive is False
    assert header_map(head.data)[b"connection"] == [b"close"]


def test_http10_keep_alive_is_announced() -> None:
    head = build_head(200, [], http_version=b"1.0", keep_alive=True, content_length=2)
    assert head.keep_alive is True
    assert header_map(head.data)[b"connection"] == [b"keep-alive"]


def test_not_keep_alive_adds_connection_close() -> None:
    head = build_head(200, [], keep_alive=False, content_length=0)
    assert header_map(head.data)[b"connection"] == [b"close"]
    assert head.keep_alive is False


def test_app_connection_close_ends_keep_alive() -> None:
    head = build_head(200, [(b"connection", b"Close")], content_length=0)
    assert head.keep_alive is False
    assert header_map(head.data)[b"connection"] == [b"close"]


def test_head_request_keeps_framing_but_drops_the_body() -> None:
    head = build_head(200, [], content_length=100, head_request=True)
    assert head.body_allowed is False
    assert header_map(head.data)[b"content-length"] == [b"100"]
    streamed = build_head(200, [], head_request=True)
    assert streamed.body_allowed is False
    assert streamed.chunked is False


@pytest.mark.parametrize("status", [101, 204, 304])
def test_statuses_without_a_body(status: int) -> None:
    head = build_head(status, [], content_length=5)
    assert head.body_allowed is False
    assert head.chunked is False
    fields = header_map(head.data)
    assert b"content-length" not in fields
    assert b"transfer-encoding" not in fields


def test_304_keeps_an_app_content_length() -> None:
    head = build_head(304, [(b"content-length", b"1234")], content_length=0)
    assert header_map(head.data)[b"content-length"] == [b"1234"]


def test_mismatching_content_length_is_refused() -> None:
    with pytest.raises(InvalidResponseHeader, match="does not match"):
        build_head(200, [(b"content-length", b"3")], content_length=4)
    with pytest.raises(InvalidResponseHeader, match="content-length"):
        build_head(200, [(b"content-length", b"abc")])


def test_only_chunked_transfer_encoding_may_be_set() -> None:
    head = build_head(200, [(b"transfer-encoding", b"chunked")])
    assert head.chunked is True
    assert header_map(head.data)[b"transfer-encoding"] == [b"chunked"]
    with pytest.raises(InvalidResponseHeader, match="chunked"):
        build_head(200, [(b"transfer-encoding", b"gzip")])


@pytest.mark.parametrize(
    "value",
    [b"a\r\nset-cookie: x=1", b"a\nb", b"a\rb", b"a\x00b", b"a\x7fb", b" lead", b"trail\t"],
)
def test_header_injection_in_values_is_refused(value: bytes) -> None:
    with pytest.raises(InvalidResponseHeader, match="x-a"):
        build_head(200, [(b"x-a", value)], content_length=0)


@pytest.mark.parametrize("name", [b"X-Upper", b"a b", b"a:b", b"a\r\nb", b""])
def test_invalid_header_names_are_refused(name: bytes) -> None:
    with pytest.raises(InvalidResponseHeader, match="lower-case token"):
        build_head(200, [(name, b"v")], content_length=0)


def test_obs_text_and_tabs_inside_values_are_allowed() -> None:
    head = build_head(200, [(b"x-a", b"caf\xe9 \tb")], content_length=0)
    assert header_map(head.data)[b"x-a"] == [b"caf\xe9 \tb"]


def test_unknown_status_has_an_empty_reason_and_bad_status_is_refused() -> None:
    assert build_head(599, [], content_length=0).data.startswith(b"HTTP/1.1 599 \r\n")
    with pytest.raises(InvalidResponseHeader, match="status"):
        build_head(42, [], content_length=0)


def test_reason_phrases() -> None:
    assert reason_phrase(404) == b"Not Found"
    assert reason_phrase(431) == b"Request Header Fields Too Large"
    assert reason_phrase(799) == b""


def test_date_is_cached_within_a_second(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1_700_000_000.2]
    monkeypatch.setattr(time, "time", lambda: now[0])
    monkeypatch.setattr(response, "_date_cache", [0, b""])
    first = http_date()
    assert first == b"Tue, 14 Nov 2023 22:13:20 GMT"
    now[0] = 1_700_000_000.9
    assert http_date() is first
    now[0] = 1_700_000_001.0
    assert http_date() == b"Tue, 14 Nov 2023 22:13:21 GMT"


def test_real_date_is_current() -> None:
    sent = parsedate_to_datetime(http_date().decode()).timestamp()
    assert abs(sent - time.time()) < 2


def test_chunk_encoding() -> None:
    assert encode_chunk(b"hello") == b"5\r\nhello\r\n"
    assert encode_chunk(b"x" * 26) == b"1a\r\n" + b"x" * 26 + b"\r\n"
    assert encode_chunk(b"") == b""
    assert LAST_CHUNK == b"0\r\n\r\n"
    assert CONTINUE_RESPONSE == b"HTTP/1.1 100 Continue\r\n\r\n"


def test_error_response_closes() -> None:
    data = error_response(431, "request header fields too large")
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 431 Request Header Fields Too Large\r\n")
    assert body == b"request header fields too large\n"
    fields = header_map(head + b"\r\n\r\n")
    assert fields[b"connection"] == [b"close"]
    assert fields[b"content-length"] == [str(len(body)).encode()]
    assert error_response(400).endswith(b"\r\n\r\nBad Request\n")


names = st.text("abcdefghijklmnopqrstuvwxyz-0123456789", min_size=1, max_size=10).map(str.encode)
values = st.binary(max_size=20).map(lambda b: bytes(c if 0x21 <= c <= 0x7E else 0x61 for c in b))


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from([200, 201, 204, 304, 404, 500]),
    st.lists(st.tuples(names, values), max_size=6),
    st.one_of(st.none(), st.binary(max_size=50)),
    st.booleans(),
)
def test_heads_are_valid_http_for_h11_clients(
    status: int, headers: list[tuple[bytes, bytes]], body: bytes | None, is_head: bool
) -> None:
    reserved = {b"content-length", b"transfer-encoding", b"connection", b"date", b"server"}
    headers = [(n, v) for n, v in headers if n not in reserved]
    head = build_head(
        status,
        headers,
        content_length=None if body is None else len(body),
        head_request=is_head,
    )
    client = h11.Connection(h11.CLIENT)
    client.send(
        h11.Request(method="HEAD" if is_head else "GET", target="/", headers=[("host", "a")])
    )
    client.send(h11.EndOfMessage())
    wire = head.data
    if head.body_allowed and body is not None:
        wire += encode_chunk(body) + LAST_CHUNK if head.chunked else body
    elif head.body_allowed and head.chunked:
        wire += LAST_CHUNK
    client.receive_data(wire)
    event = client.next_event()
    assert isinstance(event, h11.Response)
    assert event.status_code == status
    received = b""
    while True:
        event = client.next_event()
        if isinstance(event, h11.Data):
            received += event.data
        else:
            assert isinstance(event, h11.EndOfMessage)
            break
    if head.body_allowed and body is not None:
        assert received == body
    else:
        assert received == b""
    for name, value in headers:
        assert (name, value.strip()) in list(client_headers(head.data))


def client_headers(data: bytes) -> list[tuple[bytes, bytes]]:
    return [(n, v) for n, vs in header_map(data).items() for v in vs]
