"""CORS decisions without a Conn."""

from __future__ import annotations

import pytest
from zzz.exceptions import ImproperlyConfigured
from zzz.plugs._cors_policy import CORSPolicy


def test_list_regex_and_callable() -> None:
    p = CORSPolicy(
        allow_origins=("https://a.example",),
        allow_origin_regex=r"https://[a-z]+\.b\.example",
        allow_origin_func=lambda o: o == "https://c.example",
    )
    assert p.origin_allowed("https://a.example")
    assert p.origin_allowed("https://x.b.example")
    assert not p.origin_allowed("https://x.b.example.evil")
    assert p.origin_allowed("https://c.example")
    assert not p.origin_allowed("https://evil.example")
    assert p.simple_headers("https://evil.example") is None


def test_wildcard_without_credentials() -> None:
    p = CORSPolicy(allow_origins=("*",))
    assert dict(p.simple_headers("https://any") or [])[b"access-control-allow-origin"] == b"*"


def test_credentials_echo_origin() -> None:
    p = CORSPolicy(
        allow_origins=("https://a.example",), allow_credentials=True, expose_headers=("X-Id",)
    )
    headers = dict(p.simple_headers("https://a.example") or [])
    assert headers[b"access-control-allow-origin"] == b"https://a.example"
    assert headers[b"access-control-allow-credentials"] == b"true"
    assert headers[b"access-control-expose-headers"] == b"X-Id"


def test_preflight() -> None:
    p = CORSPolicy(
        allow_origins=("https://a.example",), allow_headers=("content-type", "authorization")
    )
    ok = dict(p.preflight_headers("https://a.example", "put", b"Content-Type, Authorization") or [])
    assert ok[b"access-control-allow-methods"] == b"DELETE, GET, HEAD, PATCH, POST, PUT"
    assert ok[b"access-control-allow-headers"] == b"content-type, authorization"
    assert ok[b"access-control-max-age"] == b"600"
    assert p.preflight_headers("https://a.example", "TRACE", None) is None
    assert p.preflight_headers("https://a.example", "GET", b"x-evil") is None
    assert p.preflight_headers("https://evil.example", "GET", None) is None
    anything = CORSPolicy(allow_origins=("*",), allow_methods=("*",), allow_headers=("*",))
    got = dict(anything.preflight_headers("https://z", "PURGE", b"x-a") or [])
    assert got[b"access-control-allow-methods"] == b"PURGE"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"allow_origins": ("*",), "allow_credentials": True}, "cannot be combined"),
        ({"allow_origins": "https://a.example"}, "not a str"),
        ({"allow_origins": ("https://a.example/",)}, "no path"),
        ({"allow_origins": ("a.example",)}, "no path"),
        ({"allow_origin_regex": "("}, "invalid"),
        ({"max_age": -1}, "max_age"),
    ],
)
def test_bad_config(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=message):
        CORSPolicy(**kwargs)  # type: ignore[arg-type]
