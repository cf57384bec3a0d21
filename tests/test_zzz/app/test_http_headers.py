"""Headers multi-dict, header validation, Host and Forwarded parsing, MIME, status."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from zzz.http.headers import (
    Headers,
    check_header_name,
    check_header_value,
    parse_forwarded,
    parse_host,
)
from zzz.http.mime import accepts, guess_type, parse_content_type, preferred
from zzz.http.status import allows_body, is_redirect, reason_phrase


def test_headers_case_insensitive_multi() -> None:
    h = Headers([(b"x-a", b"1"), (b"content-type", b"text/plain"), (b"x-a", b"2")])
    assert h["X-A"] == "2"
    assert h.get_all("x-A") == ["1", "2"]
    assert "Content-Type" in h
    assert 3 not in h  # type: ignore[comparison-overlap]
    assert h.get("missing") is None
    assert len(h) == 2
    assert list(h) == ["x-a", "content-type"]
    assert h.multi_items()[0] == ("x-a", "1")


def test_header_validation() -> None:
    assert check_header_name("X-Thing") == "x-thing"
    for bad in ["", "a b", "a:b", "a\r\nb"]:
        with pytest.raises(ValueError, match="header name"):
            check_header_name(bad)
    assert check_header_value("a\tb") == "a\tb"
    for bad_value in ["a\r\nb", "a\nb", "a\x00"]:
        with pytest.raises(ValueError, match="injection"):
            check_header_value(bad_value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Example.COM", ("example.com", None)),
        ("example.com:8080", ("example.com", 8080)),
        ("[::1]:4000", ("::1", 4000)),
        ("[::1]", ("::1", None)),
        ("127.0.0.1", ("127.0.0.1", None)),
    ],
)
def test_parse_host(value: str, expected: tuple[str, int | None]) -> None:
    assert parse_host(value) == expected


@pytest.mark.parametrize(
    "value", ["", "a/b", "user@host", "host:99999", "host:x", "[::1", "[::1]x", "a b", "h:1:2"]
)
def test_parse_host_rejects(value: str) -> None:
    with pytest.raises(ValueError, match="invalid"):
        parse_host(value)


def test_parse_forwarded() -> None:
    hops = parse_forwarded(['for=1.2.3.4;proto=https, For="[2001:db8::1]:80"', "for=5.6.7.8;junk"])
    assert hops == [
        {"for": "1.2.3.4", "proto": "https"},
        {"for": "[2001:db8::1]:80"},
        {"for": "5.6.7.8"},
    ]


def test_mime_guess() -> None:
    assert guess_type("a/b/app.JS") == "text/javascript; charset=utf-8"
    assert guess_type("x.png") == "image/png"
    assert guess_type("noext") == "application/octet-stream"
    assert guess_type("x.unknownext", default="x/y") == "x/y"


def test_parse_content_type() -> None:
    assert parse_content_type('Multipart/Form-Data; boundary="a b"; X=1') == (
        "multipart/form-data",
        {"boundary": "a b", "x": "1"},
    )


def test_accept_negotiation() -> None:
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    assert preferred(browser, ["application/json", "text/html"]) == "text/html"
    assert preferred("*/*", ["application/json", "text/html"]) == "application/json"
    assert preferred(None, ["text/plain"]) == "text/plain"
    assert preferred("image/*", ["text/html", "image/png"]) == "image/png"
    assert preferred("text/html;q=0", ["text/html"]) is None
    assert preferred("text/html;q=bogus", ["text/html"]) is None
    assert preferred("text/html", []) is None
    assert accepts("application/json", "application/json")
    assert not accepts("text/html", "application/json")


def test_status_helpers() -> None:
    assert reason_phrase(404) == "Not Found"
    assert reason_phrase(422) == "Unprocessable Content"
    assert reason_phrase(599) == ""
    assert not allows_body(204)
    assert not allows_body(304)
    assert not allows_body(101)
    assert allows_body(200)
    assert is_redirect(308)
    assert not is_redirect(300)


@settings(max_examples=200)
@given(st.text(max_size=40))
def test_parse_host_only_raises_value_error(value: str) -> None:
    try:
        host, port = parse_host(value)
    except ValueError:
        return
    assert host
    assert host == host.lower()
    assert port is None or 0 <= port <= 65535


@settings(max_examples=200)
@given(
    st.text(max_size=80), st.lists(st.sampled_from(["text/html", "application/json"]), max_size=3)
)
def test_accept_negotiation_never_crashes(header: str, offers: list[str]) -> None:
    choice = preferred(header, offers)
    assert choice is None or choice in offers


@settings(max_examples=200)
@given(st.lists(st.text(max_size=30), max_size=4))
def test_forwarded_parsing_never_crashes(values: list[str]) -> None:
    for hop in parse_forwarded(values):
        assert all(key == key.lower() and key for key in hop)
