"""Static: MIME, validators, 304, ranges, precompressed siblings, hostile paths."""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import pytest
from zzz.exceptions import ImproperlyConfigured
from zzz.plugs import Static
from zzz.router import get


async def fallback(conn, path: str):
    return conn.text("router")


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "static"
    (root / "css").mkdir(parents=True)
    (root / "app.js").write_text("console.log(1)\n" * 10)
    (root / "app.js.gz").write_bytes(gzip.compress((root / "app.js").read_bytes()))
    (root / "app.js.br").write_bytes(b"fake-brotli")
    (root / "css" / "site-3f2a9c1d0b.css").write_text("body{}")
    (root / "data.bin").write_bytes(bytes(range(100)))
    (root / ".env").write_text("SECRET=1")
    (tmp_path / "outside.txt").write_text("outside secret")
    os.symlink(tmp_path / "outside.txt", root / "escape.txt")
    os.symlink(root / "app.js", root / "inside-link.js")
    (root / "page.html").write_text("<p>page</p>")
    os.symlink(tmp_path / "outside.txt", root / "page.html.gz")  # sibling escaping the root
    return root


@pytest.fixture
def client(client_for, site: Path):
    return client_for(get("/*path", fallback), plugs=[Static(site, at="/static")])


@pytest.mark.anyio
async def test_serves_with_validators(client) -> None:
    r = await client.request("GET", "/static/app.js")
    assert r.status == 200
    assert r.headers["content-type"].startswith("text/javascript")
    assert r.body == b"console.log(1)\n" * 10
    assert r.headers["cache-control"] == "public, max-age=3600"
    assert r.headers["accept-ranges"] == "bytes"
    assert r.headers["vary"] == "Accept-Encoding"
    assert r.file is not None  # sent through send_file
    etag, modified = r.headers["etag"], r.headers["last-modified"]
    r = await client.request("GET", "/static/app.js", headers=[("If-None-Match", etag)])
    assert (r.status, r.body) == (304, b"")
    r = await client.request("GET", "/static/app.js", headers=[("If-Modified-Since", modified)])
    assert r.status == 304
    r = await client.request("GET", "/static/app.js", headers=[("If-None-Match", '"nope"')])
    assert r.status == 200
    r = await client.request("HEAD", "/static/app.js")
    assert r.status == 200


@pytest.mark.anyio
async def test_fingerprinted_is_immutable(client) -> None:
    r = await client.request("GET", "/static/css/site-3f2a9c1d0b.css")
    assert r.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert r.headers["content-type"].startswith("text/css")


@pytest.mark.anyio
async def test_ranges(client) -> None:
    r = await client.request("GET", "/static/data.bin", headers=[("Range", "bytes=10-19")])
    assert r.status == 206
    assert r.body == bytes(range(10, 20))
    assert r.headers["content-range"] == "bytes 10-19/100"
    r = await client.request("GET", "/static/data.bin", headers=[("Range", "bytes=-5")])
    assert r.body == bytes(range(95, 100))
    r = await client.request("GET", "/static/data.bin", headers=[("Range", "bytes=500-")])
    assert r.status == 416
    assert r.headers["content-range"] == "bytes */100"
    r = await client.request("GET", "/static/data.bin", headers=[("Range", "bytes=0-1,5-6")])
    assert r.status == 200
    assert len(r.body) == 100
    r = await client.request(
        "GET", "/static/data.bin", headers=[("Range", "bytes=0-1"), ("If-Range", '"stale"')]
    )
    assert r.status == 200
    assert len(r.body) == 100


@pytest.mark.anyio
async def test_precompressed(client) -> None:
    r = await client.request("GET", "/static/app.js", headers=[("Accept-Encoding", "gzip")])
    assert r.headers["content-encoding"] == "gzip"
    assert gzip.decompress(r.body) == b"console.log(1)\n" * 10
    assert r.headers["content-type"].startswith("text/javascript")
    gz_etag = r.headers["etag"]
    r = await client.request("GET", "/static/app.js", headers=[("Accept-Encoding", "gzip, br")])
    assert r.headers["content-encoding"] == "br"
    assert r.body == b"fake-brotli"
    assert r.headers["etag"] != gz_etag
    r = await client.request("GET", "/static/data.bin", headers=[("Accept-Encoding", "gzip")])
    assert "content-encoding" not in r.headers  # no sibling
    r = await client.request("GET", "/static/page.html", headers=[("Accept-Encoding", "gzip")])
    assert "content-encoding" not in r.headers  # the sibling is a symlink leaving the root
    assert r.body == b"<p>page</p>"


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/static/../outside.txt", 400),
        ("/static/css/../../outside.txt", 400),
        ("/static/./app.js", 400),
        ("/static/app.js\x00.png", 400),
        ("/static/css\\..\\..\\outside.txt", 400),
        ("/static/C:/Windows/win.ini", 400),
        ("/static//etc/passwd", 400),
        ("/static/escape.txt", 404),  # symlink leaving the directory
        ("/static/.env", 404),  # hidden file
    ],
)
async def test_hostile_paths(client, path: str, status: int) -> None:
    r = await client.request("GET", path)
    assert r.status == status
    assert b"secret" not in r.body.lower()


@pytest.mark.anyio
async def test_passthrough(client) -> None:
    assert (await client.request("GET", "/static/missing.js")).text == "router"
    assert (await client.request("GET", "/static/css")).text == "router"  # a directory
    assert (await client.request("GET", "/other")).text == "router"
    assert (await client.request("GET", "/static/inside-link.js")).status == 200


def test_static_config(tmp_path: Path) -> None:
    with pytest.raises(ImproperlyConfigured, match="does not exist"):
        Static(tmp_path / "nope")
    with pytest.raises(ImproperlyConfigured, match="start with"):
        Static(tmp_path, at="static")
    with pytest.raises(ImproperlyConfigured, match="precompressed"):
        Static(tmp_path, precompressed=("zstd",))
