"""Cookie parsing (lenient) and Set-Cookie building (strict, injection-proof)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from zzz.http.cookies import build_set_cookie, parse_cookie_header


def test_parse_basic_and_quoted() -> None:
    assert parse_cookie_header('a=1; b="two words"; c=') == {"a": "1", "b": "two words", "c": ""}


def test_parse_first_wins_and_skips_garbage() -> None:
    assert parse_cookie_header("a=1; junk; =x; a=2;; b=3") == {"a": "1", "b": "3"}


def test_parse_limit() -> None:
    header = "; ".join(f"c{i}={i}" for i in range(50))
    assert len(parse_cookie_header(header, max_cookies=10)) == 10


def test_build_defaults_are_secure() -> None:
    value = build_set_cookie("sid", "abc")
    assert value == "sid=abc; Path=/; Secure; HttpOnly; SameSite=Lax"


def test_build_all_attributes() -> None:
    value = build_set_cookie(
        "t", "v", max_age=60, path="/app", domain="example.com", same_site="strict"
    )
    assert value.startswith("t=v; Path=/app; Domain=example.com; Max-Age=60; Expires=")
    assert value.endswith("GMT; Secure; HttpOnly; SameSite=Strict")


def test_build_delete() -> None:
    value = build_set_cookie("t", "", max_age=0, secure=False, http_only=False, same_site=None)
    assert value == "t=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT"


@pytest.mark.parametrize(
    ("name", "value"),
    [("a b", "x"), ("a;b", "x"), ("", "x"), ("a", "x;Domain=evil"), ("a", "x\r\nSet-Cookie: y")],
)
def test_build_rejects_injection(name: str, value: str) -> None:
    with pytest.raises(ValueError, match="invalid cookie"):
        build_set_cookie(name, value)


def test_build_rejects_bad_attributes() -> None:
    with pytest.raises(ValueError, match="path"):
        build_set_cookie("a", "b", path="/;x")
    with pytest.raises(ValueError, match="domain"):
        build_set_cookie("a", "b", domain="a.com\r\n")
    with pytest.raises(ValueError, match="requires secure"):
        build_set_cookie("a", "b", secure=False, same_site="none")
    with pytest.raises(ValueError, match="same_site"):
        build_set_cookie("a", "b", same_site="bogus")  # type: ignore[arg-type]


@settings(max_examples=200)
@given(st.text(max_size=30), st.text(max_size=30))
def test_built_cookie_never_contains_crlf(name: str, value: str) -> None:
    try:
        header = build_set_cookie(name, value)
    except ValueError:
        return
    assert "\r" not in header
    assert "\n" not in header
    assert parse_cookie_header(header)[name] == value
