"""Conn body readers: whole, stream, JSON, form, body params, limits."""

from __future__ import annotations

import pytest
from zzz.conn import AlreadySentError, ConnConfig
from zzz.exceptions import HTTPError

pytestmark = pytest.mark.anyio


async def test_body_is_read_once_and_cached(make_conn) -> None:
    conn = make_conn("POST", "/", body=[b"ab", b"cd"])
    assert await conn.body() == b"abcd"
    assert await conn.body() == b"abcd"
    assert [c async for c in conn.stream()] == [b"abcd"]


async def test_stream_then_body_fails(make_conn) -> None:
    conn = make_conn("POST", "/", body=[b"ab", b"cd"])
    assert [c async for c in conn.stream()] == [b"ab", b"cd"]
    with pytest.raises(AlreadySentError, match="consumed"):
        await conn.body()


async def test_no_body_source(make_conn) -> None:
    conn = make_conn()
    conn._body_source = None
    assert await conn.body() == b""


async def test_body_limit_by_content_length(make_conn) -> None:
    conn = make_conn(
        "POST",
        "/",
        body=b"x" * 20,
        headers={"content-length": "20"},
        config=ConnConfig(max_body_size=10),
    )
    with pytest.raises(HTTPError) as info:
        await conn.body()
    assert info.value.status == 413


async def test_body_limit_while_streaming(make_conn) -> None:
    conn = make_conn("POST", "/", body=[b"x" * 6, b"x" * 6], config=ConnConfig(max_body_size=10))
    with pytest.raises(HTTPError) as info:
        await conn.body()
    assert info.value.status == 413


async def test_json_body(make_conn) -> None:
    assert await make_conn("POST", "/", body=b'{"a": [1, 2]}').json_body() == {"a": [1, 2]}
    for bad in [b"", b"  ", b"{nope"]:
        with pytest.raises(HTTPError) as info:
            await make_conn("POST", "/", body=bad).json_body()
        assert info.value.status == 400


async def test_form(make_conn) -> None:
    conn = make_conn(
        "POST",
        "/",
        body=b"user[name]=Jo+X&tags[]=a&tags[]=b",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert await conn.form() == {"user": {"name": "Jo X"}, "tags": ["a", "b"]}


async def test_form_refuses_multipart(make_conn) -> None:
    conn = make_conn(
        "POST", "/", body=b"--x", headers={"content-type": "multipart/form-data; boundary=x"}
    )
    with pytest.raises(HTTPError) as info:
        await conn.form()
    assert info.value.status == 415


async def test_load_body_params_by_content_type(make_conn) -> None:
    conn = make_conn(
        "POST",
        "/u/1?a=q&b=q",
        body=b'{"b": "body", "id": "body"}',
        headers={"content-type": "application/json"},
    )
    conn.set_path_params({"id": 1})
    assert conn.params == {"a": "q", "b": "q", "id": 1}
    assert conn.body_params is None
    assert await conn.load_body_params() == {"b": "body", "id": "body"}
    # path > body > query
    assert conn.params == {"a": "q", "b": "body", "id": 1}
    assert await conn.load_body_params() is conn.body_params


async def test_load_body_params_variants(make_conn) -> None:
    json_list = make_conn(
        "POST", "/", body=b"[1]", headers={"content-type": "application/vnd.x+json"}
    )
    assert await json_list.load_body_params() == {"_json": [1]}
    empty_json = make_conn("POST", "/", headers={"content-type": "application/json"})
    assert await empty_json.load_body_params() == {}
    no_body = make_conn("POST", "/")
    assert await no_body.load_body_params() == {}
    form = make_conn(
        "POST", "/", body=b"a=1", headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert await form.load_body_params() == {"a": "1"}


@pytest.mark.parametrize("content_type", ["text/plain", "multipart/form-data; boundary=x", ""])
async def test_load_body_params_unsupported_is_415(make_conn, content_type: str) -> None:
    headers = {"content-type": content_type} if content_type else {}
    conn = make_conn("POST", "/", body=b"data", headers=headers)
    with pytest.raises(HTTPError) as info:
        await conn.load_body_params()
    assert info.value.status == 415


async def test_body_params_set_by_a_plug_are_merged(make_conn) -> None:
    conn = make_conn("POST", "/?a=1")
    assert conn.params == {"a": "1"}
    conn.body_params = {"b": "2"}
    assert conn.params == {"a": "1", "b": "2"}
