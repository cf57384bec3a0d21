"""Conn request side: query, headers, cookies, client address, proxies, host, URL."""

from __future__ import annotations

import pytest
from zzz.conn import ConnConfig, parse_trusted_proxies
from zzz.exceptions import HTTPError
from zzz.http.query import QueryError

PROXY = ConnConfig(trusted_proxies=parse_trusted_proxies(["10.0.0.0/8", "::1"]))


def test_basic_attributes(make_conn) -> None:
    conn = make_conn("POST", "/a%20b?x=1", headers={"X-Tag": "t"})
    assert conn.method == "POST"
    assert conn.path == "/a%20b"
    assert conn.raw_path == b"/a%20b"
    assert conn.query_string == "x=1"
    assert conn.http_version == "1.1"
    assert conn.headers["x-tag"] == "t"
    assert conn.client == ("10.0.0.5", 5000)
    assert conn.root_path == ""
    assert conn.state == "unset"
    assert repr(conn) == "<Conn POST /a%20b state=unset status=None>"


def test_query_views(make_conn) -> None:
    conn = make_conn("GET", "/?a=1&a=2&u[name]=jo&t[]=x&t[]=y")
    assert conn.query.get_all("a") == ["1", "2"]
    assert conn.query["a"] == "2"
    assert conn.query_params == {"a": "2", "u": {"name": "jo"}, "t": ["x", "y"]}
    assert conn.query_params is conn.query_params  # parsed once


def test_query_limits_come_from_config(make_conn) -> None:
    config = ConnConfig(max_params=2, max_depth=2)
    with pytest.raises(QueryError):
        _ = make_conn("GET", "/?a=1&b=2&c=3", config=config).query
    with pytest.raises(QueryError):
        _ = make_conn("GET", "/?a[b][c]=1", config=config).query_params


def test_cookies(make_conn) -> None:
    conn = make_conn(headers=[("cookie", "a=1; b=2"), ("cookie", "c=3")])
    assert conn.cookies == {"a": "1", "b": "2", "c": "3"}
    assert make_conn().cookies == {}


def test_remote_ip_ignores_forwarding_from_untrusted_peer(make_conn) -> None:
    conn = make_conn(headers={"x-forwarded-for": "6.6.6.6", "x-forwarded-proto": "https"})
    assert conn.remote_ip == "10.0.0.5"
    assert conn.scheme == "http"


def test_remote_ip_x_forwarded_for_through_trusted_chain(make_conn) -> None:
    conn = make_conn(headers={"x-forwarded-for": "6.6.6.6, 1.2.3.4, 10.1.1.1"}, config=PROXY)
    # the rightmost untrusted hop is the client; the spoofable left part is ignored
    assert conn.remote_ip == "1.2.3.4"
    assert conn.remote_ip == "1.2.3.4"  # cached


def test_remote_ip_all_trusted(make_conn) -> None:
    conn = make_conn(headers={"x-forwarded-for": "10.9.9.9"}, config=PROXY)
    assert conn.remote_ip == "10.9.9.9"


def test_forwarded_header_wins(make_conn) -> None:
    conn = make_conn(
        headers={
            "forwarded": 'for="[2001:db8::7]:1234";proto=https;host=example.com',
            "x-forwarded-for": "9.9.9.9",
        },
        config=PROXY,
    )
    assert conn.remote_ip == "2001:db8::7"
    assert conn.scheme == "https"
    assert conn.host == "example.com"
    assert conn.port == 443
    assert conn.url == "https://example.com/"


def test_x_forwarded_proto_and_host(make_conn) -> None:
    conn = make_conn(
        "GET",
        "/p?q=1",
        headers={"x-forwarded-proto": "https", "x-forwarded-host": "Shop.Example:8443"},
        config=PROXY,
    )
    assert conn.scheme == "https"
    assert (conn.host, conn.port) == ("shop.example", 8443)
    assert conn.base_url == "https://shop.example:8443"
    assert conn.url == "https://shop.example:8443/p?q=1"


def test_bogus_forwarded_values_are_ignored(make_conn) -> None:
    conn = make_conn(
        headers={"x-forwarded-proto": "gopher", "x-forwarded-host": "a/b", "host": "real.test"},
        config=PROXY,
    )
    assert conn.scheme == "http"
    assert conn.host == "real.test"


def test_host_parsing(make_conn) -> None:
    conn = make_conn(headers={"host": "[::1]:4000"}, root_path="")
    assert (conn.host, conn.port) == ("::1", 4000)
    assert conn.base_url == "http://[::1]:4000"
    assert make_conn(headers={"host": "x.test"}, scheme="https").port == 443


def test_invalid_host_is_400(make_conn) -> None:
    with pytest.raises(HTTPError) as info:
        _ = make_conn(headers={"host": "evil.com/x"}).host
    assert info.value.status == 400


def test_missing_host_falls_back_to_server(make_conn) -> None:
    conn = make_conn()
    conn.head.headers = []  # an HTTP/1.0 request without Host, before any header access
    assert (conn.host, conn.port) == ("127.0.0.1", 8000)


def test_root_path_in_base_url(make_conn) -> None:
    conn = make_conn(headers={"host": "a.test"}, root_path="/api")
    assert conn.base_url == "http://a.test/api"


def test_content_type(make_conn) -> None:
    assert make_conn(headers={"content-type": "Application/JSON; charset=utf-8"}).content_type == (
        "application/json"
    )
    assert make_conn().content_type == ""
