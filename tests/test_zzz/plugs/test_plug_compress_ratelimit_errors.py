"""Compress, RateLimit and ErrorHandler through a real App."""

from __future__ import annotations

import gzip
import json
import logging
import uuid
import zlib

import anyio
import brotli
import pytest
from zzz.exceptions import HTTPError, ImproperlyConfigured
from zzz.plugs import Compress, ErrorHandler, RateLimit, RedisRateLimitStore
from zzz.plugs.compress import is_compressible
from zzz.router import get

BIG = "hello world " * 200


async def big(conn):
    conn.put_resp_header("etag", '"v1"')
    return conn.text(BIG)


async def small(conn):
    return conn.text("tiny")


async def png(conn):
    return conn.resp(200, b"\x89PNG" + b"\x00" * 2000, "image/png")


async def stream(conn):
    async def gen():
        for i in range(5):
            yield f"data: {i}\n\n".encode() * 50

    return conn.send_stream(gen(), content_type="text/event-stream")


def compress_client(client_for, **options):
    routes = [get("/big", big), get("/small", small), get("/png", png), get("/stream", stream)]
    return client_for(*routes, plugs=[Compress(**options)])


@pytest.mark.anyio
async def test_negotiation(client_for) -> None:
    c = compress_client(client_for)
    r = await c.request("GET", "/big", headers=[("Accept-Encoding", "gzip")])
    assert r.headers["content-encoding"] == "gzip"
    assert gzip.decompress(r.body).decode() == BIG
    assert r.headers["vary"] == "Accept-Encoding"
    assert r.headers["etag"] == 'W/"v1"'
    r = await c.request("GET", "/big", headers=[("Accept-Encoding", "gzip;q=0.5, br")])
    assert r.headers["content-encoding"] == "br"
    assert brotli.decompress(r.body).decode() == BIG
    r = await c.request("GET", "/big", headers=[("Accept-Encoding", "deflate")])
    assert zlib.decompress(r.body).decode() == BIG
    r = await c.request("GET", "/big", headers=[("Accept-Encoding", "identity")])
    assert "content-encoding" not in r.headers
    assert r.text == BIG
    r = await c.request("GET", "/big", headers=[("Accept-Encoding", "gzip;q=0, *;q=0")])
    assert "content-encoding" not in r.headers


@pytest.mark.anyio
async def test_skips(client_for) -> None:
    c = compress_client(client_for)
    r = await c.request("GET", "/small", headers=[("Accept-Encoding", "gzip")])
    assert "content-encoding" not in r.headers
    assert r.headers["vary"] == "Accept-Encoding"
    r = await c.request("GET", "/png", headers=[("Accept-Encoding", "gzip")])
    assert "content-encoding" not in r.headers
    assert "vary" not in r.headers


@pytest.mark.anyio
async def test_streaming(client_for) -> None:
    c = compress_client(client_for, encodings=("gzip",))
    r = await c.request("GET", "/stream", headers=[("Accept-Encoding", "gzip")])
    assert r.headers["content-encoding"] == "gzip"
    assert gzip.decompress(r.body).decode().count("data: 4") == 50


def test_compress_config() -> None:
    assert is_compressible("application/json; charset=utf-8")
    assert is_compressible("application/ld+json")
    assert not is_compressible("image/png")
    with pytest.raises(ImproperlyConfigured):
        Compress(encodings=("zstd",))
    with pytest.raises(ImproperlyConfigured):
        Compress(gzip_level=11)


# ---------------------------------------------------------------- RateLimit


@pytest.mark.anyio
async def test_rate_limit_memory(client_for) -> None:
    c = client_for(get("/", small), plugs=[RateLimit(limit=2, period=3600)])
    r1 = await c.request("GET", "/")
    assert r1.headers["ratelimit-limit"] == "2"
    assert r1.headers["ratelimit-remaining"] == "1"
    await c.request("GET", "/")
    r3 = await c.request("GET", "/")
    assert r3.status == 429
    assert int(r3.headers["retry-after"]) > 1000
    assert r3.headers["ratelimit-remaining"] == "0"
    other = await c.request("GET", "/", client=("10.9.9.9", 1))  # another IP has its own bucket
    assert other.status == 200


@pytest.mark.anyio
async def test_rate_limit_proxy_aware(client_for) -> None:
    c = client_for(
        get("/", small), plugs=[RateLimit(limit=1, period=3600)], trusted_proxies=["10.0.0.1"]
    )
    xff = [("X-Forwarded-For", "203.0.113.5")]
    assert (await c.request("GET", "/", headers=xff)).status == 200
    assert (await c.request("GET", "/", headers=xff)).status == 429
    assert (await c.request("GET", "/", headers=[("X-Forwarded-For", "203.0.113.6")])).status == 200


@pytest.mark.anyio
async def test_rate_limit_custom_key(client_for) -> None:
    async def key(conn):
        return conn.headers.get("x-api-key")

    c = client_for(get("/", small), plugs=[RateLimit(limit=1, period=3600, key=key)])
    assert (await c.request("GET", "/")).status == 200  # no key: not limited
    assert (await c.request("GET", "/")).status == 200
    assert (await c.request("GET", "/", headers=[("X-API-Key", "k")])).status == 200
    assert (await c.request("GET", "/", headers=[("X-API-Key", "k")])).status == 429


@pytest.mark.anyio
@pytest.mark.redis
async def test_rate_limit_redis(client_for, redis_url: str) -> None:
    store = RedisRateLimitStore(redis_url, prefix=f"test-plug-rl2-{uuid.uuid4().hex}:")
    try:
        c = client_for(get("/", small), plugs=[RateLimit(limit=2, period=3600, store=store)])
        with anyio.fail_after(10):
            statuses = [(await c.request("GET", "/")).status for _ in range(3)]
        assert statuses == [200, 200, 429]
    finally:
        store.close()


def test_rate_limit_config() -> None:
    with pytest.raises(ImproperlyConfigured):
        RateLimit(limit=0)
    with pytest.raises(ImproperlyConfigured):
        RateLimit(limit=5, burst=1, cost=2)


# ---------------------------------------------------------------- ErrorHandler


async def crash(conn):
    secret_local = "do-not-leak"  # noqa: F841 - visible in the dev page's source context
    raise ValueError("internal detail /srv/app/db.py")


async def teapot(conn):
    raise HTTPError(418, "short and stout")


def error_client(client_for, **options):
    return client_for(get("/crash", crash), get("/teapot", teapot), plugs=[ErrorHandler(**options)])


@pytest.mark.anyio
async def test_prod_never_leaks(client_for, caplog) -> None:
    c = error_client(client_for, debug=False)
    with caplog.at_level(logging.ERROR, logger="zzz.errors"):
        r = await c.request("GET", "/crash", headers=[("Authorization", "Bearer tok")])
    assert r.status == 500
    assert "internal detail" not in r.text
    assert "ValueError" not in r.text
    assert "Traceback" not in r.text
    assert "500 Internal Server Error" in r.text
    assert any(
        "ValueError" in (rec.exc_text or "") or rec.exc_info for rec in caplog.records
    )  # still logged
    r = await c.request("GET", "/crash", headers=[("Accept", "application/json")])
    assert json.loads(r.text) == {"errors": {"status": 500, "detail": "Internal Server Error"}}
    r = await c.request("GET", "/teapot")
    assert r.status == 418
    assert "short and stout" in r.text


@pytest.mark.anyio
async def test_dev_page(client_for) -> None:
    c = error_client(client_for, debug=True)
    r = await c.request(
        "GET",
        "/crash",
        headers=[("Authorization", "Bearer tok-123"), ("Cookie", "s=abc"), ("X-Ok", "<b>")],
    )
    page = r.text
    assert r.status == 500
    assert r.headers["content-type"].startswith("text/html")
    assert "ValueError" in page
    assert "internal detail" in page
    assert "secret_local" in page  # source context around the failing line
    assert "test_plug_compress_ratelimit_errors.py" in page
    assert "tok-123" not in page
    assert "abc" not in page
    assert "[FILTERED]" in page
    assert "&lt;b&gt;" in page
    assert "<b>" not in page.split("Request headers")[1]
    assert "/crash" in page
    r = await c.request("GET", "/crash", headers=[("Accept", "application/json")])
    body = json.loads(r.text)["errors"]
    assert body["exception"].startswith("ValueError")
    assert body["traceback"]


@pytest.mark.anyio
async def test_json_paths(client_for) -> None:
    c = client_for(
        get("/api/crash", crash), plugs=[ErrorHandler(debug=False, json_paths=("/api",))]
    )
    r = await c.request("GET", "/api/crash")
    assert r.headers["content-type"] == "application/json"
    r = await c.request("GET", "/api/missing")
    assert r.status == 404
    assert r.headers["content-type"] == "application/json"
