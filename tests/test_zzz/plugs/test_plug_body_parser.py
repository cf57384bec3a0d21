"""BodyParser: JSON, urlencoded, streaming multipart uploads, limits and errors."""

from __future__ import annotations

import hashlib
import hmac
import json
import os

import pytest
from pydantic import BaseModel
from zzz.conn import AlreadySentError
from zzz.exceptions import ImproperlyConfigured
from zzz.plugs import BodyParser, UploadFile
from zzz.router import pipeline, post, scope

seen: dict[str, object] = {}


async def echo(conn):
    params = conn.body_params
    files = {}
    for key, value in list(params.items()):
        if isinstance(value, UploadFile):
            files[key] = {
                "name": value.filename,
                "size": value.size,
                "data": (await value.read()).decode(),
            }
            seen["file"] = value
            params = {k: v for k, v in params.items() if k != key}
    return conn.json({"params": params, "files": files})


class User(BaseModel):
    name: str
    age: int


async def create_user(conn, user: User):
    return conn.json(user.model_dump())


def client(client_for, **options):
    return client_for(
        scope(
            "/",
            pipe_through=[pipeline(BodyParser(**options))],
            routes=[post("/echo", echo), post("/users", create_user)],
        )
    )


def multipart(*parts: tuple[str, str | None, bytes], boundary: str = "XyZ") -> tuple[bytes, str]:
    out = b""
    for name, filename, data in parts:
        disp = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        out += f"--{boundary}\r\nContent-Disposition: {disp}\r\n".encode()
        if filename:
            out += b"Content-Type: text/plain\r\n"
        out += b"\r\n" + data + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return out, f"multipart/form-data; boundary={boundary}"


@pytest.mark.anyio
async def test_json_and_urlencoded(client_for) -> None:
    c = client(client_for)
    r = await c.request(
        "POST", "/echo", body=b'{"a": [1, 2]}', headers=[("Content-Type", "application/json")]
    )
    assert r.text == '{"params":{"a":[1,2]},"files":{}}'
    r = await c.request(
        "POST", "/echo", body=b"[1]", headers=[("Content-Type", "application/vnd.x+json")]
    )
    assert r.text == '{"params":{"_json":[1]},"files":{}}'
    r = await c.request(
        "POST",
        "/echo",
        body=b"user[name]=jo&tags[]=a&tags[]=b",
        headers=[("Content-Type", "application/x-www-form-urlencoded")],
    )
    assert r.text == '{"params":{"user":{"name":"jo"},"tags":["a","b"]},"files":{}}'
    r = await c.request("POST", "/echo")
    assert r.text == '{"params":{},"files":{}}'


@pytest.mark.anyio
async def test_multipart_streaming_upload_cleaned_up(client_for, tmp_path) -> None:
    c = client(client_for, spool_size=16, temp_dir=str(tmp_path))
    content = b"line of file data\n" * 200
    body, ctype = multipart(("title", None, "héllo".encode()), ("doc", "../../etc/x.txt", content))
    r = await c.request("POST", "/echo", body=body, headers=[("Content-Type", ctype)], chunk=7)
    assert r.status == 200
    data = r.text
    assert '"params":{"title":"héllo"}' in data
    assert '"name":"x.txt"' in data
    assert f'"size":{len(content)}' in data
    upload = seen["file"]
    assert isinstance(upload, UploadFile)
    assert upload.file.closed
    assert os.listdir(tmp_path) == []


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("options", "body_ctype", "status"),
    [
        ({"max_body_size": 10}, (b'{"a": "0123456789"}', "application/json"), 413),
        ({}, (b'{"a": ', "application/json"), 400),
        ({}, (b"\xff\xfe", "application/json"), 400),
        ({}, (b"a=%ff", "application/x-www-form-urlencoded"), 400),
        ({}, (b"<xml/>", "application/xml"), 415),
        ({}, (b"raw", ""), 415),
        ({"parsers": ("json",)}, (b"a=1", "application/x-www-form-urlencoded"), 415),
        ({}, (b"--x\r\n", "multipart/form-data"), 400),  # no boundary
        (
            {},
            (
                b'--XyZ\r\nContent-Disposition: form-data; name="a"\r\n\r\nabc',
                "multipart/form-data; boundary=XyZ",
            ),
            400,
        ),
    ],
)
async def test_bad_bodies(client_for, options, body_ctype, status) -> None:
    body, ctype = body_ctype
    headers = [("Content-Type", ctype)] if ctype else []
    r = await client(client_for, **options).request("POST", "/echo", body=body, headers=headers)
    assert r.status == status, r.text


@pytest.mark.anyio
async def test_multipart_limits(client_for) -> None:
    body, ctype = multipart(("a", None, b"x" * 100))
    r = await client(client_for, max_field_size=50).request(
        "POST", "/echo", body=body, headers=[("Content-Type", ctype)]
    )
    assert r.status == 413
    assert "form field too large" in r.text
    body, ctype = multipart(("f", "a.txt", b"x" * 100))
    r = await client(client_for, max_file_size=50).request(
        "POST", "/echo", body=body, headers=[("Content-Type", ctype)]
    )
    assert r.status == 413
    assert "uploaded file too large" in r.text
    body, ctype = multipart(*[(f"k{i}", None, b"v") for i in range(5)])
    r = await client(client_for, max_parts=3).request(
        "POST", "/echo", body=body, headers=[("Content-Type", ctype)]
    )
    assert r.status == 413
    assert "too many" in r.text
    body, ctype = multipart(("f", "a.txt", b"x" * 1000))
    r = await client(client_for, max_multipart_size=500).request(
        "POST", "/echo", body=body, headers=[("Content-Type", ctype)]
    )
    assert r.status == 413
    body, ctype = multipart(("a", None, b"\xff\xfe"))
    r = await client(client_for).request(
        "POST", "/echo", body=body, headers=[("Content-Type", ctype)]
    )
    assert r.status == 400
    assert "UTF-8" in r.text


@pytest.mark.anyio
async def test_model_validation_422(client_for) -> None:
    c = client(client_for)
    r = await c.request(
        "POST",
        "/users",
        body=b'{"name": "jo", "age": 3}',
        headers=[("Content-Type", "application/json")],
    )
    assert r.text == '{"name":"jo","age":3}'
    r = await c.request(
        "POST",
        "/users",
        body=b'{"name": "jo", "age": "old"}',
        headers=[("Content-Type", "application/json"), ("Accept", "application/json")],
    )
    assert r.status == 422
    assert "age" in r.text


def test_config() -> None:
    with pytest.raises(ImproperlyConfigured, match="unknown parsers"):
        BodyParser(parsers=("xml",))
    with pytest.raises(ImproperlyConfigured, match="max_file_size"):
        BodyParser(max_file_size=0)


# -- the raw body stays readable after parsing (conn.set_body) ---------------------

WEBHOOK_KEY = b"whsec-test"


async def webhook(conn):
    raw = await conn.body()
    expected = hmac.new(WEBHOOK_KEY, raw, hashlib.sha256).hexdigest()
    ok = hmac.compare_digest(expected, conn.headers.get("x-signature", ""))
    again = b"".join([chunk async for chunk in conn.stream()])
    return conn.json(
        {"ok": ok, "params": conn.body_params, "raw": raw.decode(), "again": again == raw}
    )


async def raw_after_multipart(conn):
    try:
        await conn.body()
    except AlreadySentError:
        return conn.json({"buffered": False, "keys": sorted(conn.body_params)})
    return conn.json({"buffered": True})


def webhook_client(client_for, **options):
    return client_for(
        scope(
            "/",
            pipe_through=[pipeline(BodyParser(**options))],
            routes=[post("/hook", webhook), post("/upload", raw_after_multipart)],
        )
    )


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("content_type", "body", "params"),
    [
        ("application/json", b'{"event": "paid",  "id": 7}', {"event": "paid", "id": 7}),
        ("application/x-www-form-urlencoded", b"event=paid&id=7", {"event": "paid", "id": "7"}),
    ],
)
async def test_body_parser_keeps_raw_body_for_signatures(
    client_for, content_type, body, params
) -> None:
    signature = hmac.new(WEBHOOK_KEY, body, hashlib.sha256).hexdigest()
    r = await webhook_client(client_for).request(
        "POST",
        "/hook",
        headers=[("content-type", content_type), ("x-signature", signature)],
        body=body,
        chunk=5,  # several chunks: the raw bytes are joined exactly
    )
    assert r.status == 200, r.text
    data = json.loads(r.body)
    assert data == {"ok": True, "params": params, "raw": body.decode(), "again": True}


@pytest.mark.anyio
async def test_body_parser_raw_body_signature_mismatch(client_for) -> None:
    r = await webhook_client(client_for).request(
        "POST",
        "/hook",
        headers=[("content-type", "application/json"), ("x-signature", "0" * 64)],
        body=b'{"event": "paid"}',
    )
    assert json.loads(r.body)["ok"] is False


@pytest.mark.anyio
async def test_body_parser_multipart_is_not_buffered(client_for) -> None:
    body, ctype = multipart(("a", None, b"1"), ("f", "x.txt", b"x" * 5000))
    r = await webhook_client(client_for).request(
        "POST", "/upload", headers=[("content-type", ctype)], body=body
    )
    assert r.status == 200, r.text
    assert json.loads(r.body) == {"buffered": False, "keys": ["a", "f"]}
