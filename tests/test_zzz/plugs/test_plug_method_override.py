"""MethodOverride: ``_method`` form field and ``X-HTTP-Method-Override`` through a real App."""

from __future__ import annotations

import json

import pytest
from zzz.app import App
from zzz.exceptions import ImproperlyConfigured
from zzz.plugs import CSRF, BodyParser, MethodOverride, Session
from zzz.plugs.method_override import ORIGINAL_METHOD_KEY
from zzz.router import Router, delete, forward, get, patch, pipeline, post, put, scope
from zzz.settings import Settings

FORM = ("content-type", "application/x-www-form-urlencoded")


async def which(conn, id: int):
    return conn.json(
        {
            "method": conn.method,
            "id": id,
            "original": conn.private.get(ORIGINAL_METHOD_KEY),
            "params": conn.body_params,
        }
    )


def routes():
    return [
        get("/posts/:id", which),
        post("/posts/:id", which),
        put("/posts/:id", which),
        patch("/posts/:id", which),
        delete("/posts/:id", which),
    ]


def override_client(client_for, **options):
    return client_for(*routes(), plugs=[BodyParser(), MethodOverride(**options)])


@pytest.mark.anyio
@pytest.mark.parametrize("value", ["put", "PATCH", "Delete", " delete "])
async def test_method_override_form_field(client_for, value) -> None:
    client = override_client(client_for)
    body = f"_method={value}&title=x".encode()
    r = await client.request("POST", "/posts/3", headers=[FORM], body=body)
    assert r.status == 200, r.text
    data = json.loads(r.body)
    assert data["method"] == value.strip().upper()
    assert data["id"] == 3
    assert data["original"] == "POST"
    assert data["params"] == {"_method": value, "title": "x"}


@pytest.mark.anyio
async def test_method_override_header_and_precedence(client_for) -> None:
    client = override_client(client_for)
    r = await client.request("POST", "/posts/1", headers=[("X-HTTP-Method-Override", "PATCH")])
    assert json.loads(r.body)["method"] == "PATCH"
    # the form field wins over the header (as in Rack)
    r = await client.request(
        "POST",
        "/posts/1",
        headers=[FORM, ("X-HTTP-Method-Override", "PATCH")],
        body=b"_method=DELETE",
    )
    assert json.loads(r.body)["method"] == "DELETE"


@pytest.mark.anyio
async def test_method_override_only_for_post(client_for) -> None:
    client = override_client(client_for)
    r = await client.request("GET", "/posts/1", headers=[("X-HTTP-Method-Override", "DELETE")])
    assert json.loads(r.body) == {"method": "GET", "id": 1, "original": None, "params": {}}
    r = await client.request("PUT", "/posts/1", headers=[FORM], body=b"_method=DELETE")
    assert json.loads(r.body)["method"] == "PUT"


@pytest.mark.anyio
async def test_method_override_no_op_values(client_for) -> None:
    client = override_client(client_for)
    for body in (b"title=x", b"_method=", b"_method=post"):
        r = await client.request("POST", "/posts/1", headers=[FORM], body=body)
        data = json.loads(r.body)
        assert data["method"] == "POST"
        assert data["original"] is None


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("body", "header"),
    [
        (b"_method=GET", None),
        (b"_method=CONNECT", None),
        (b"_method=" + b"x" * 500, None),
        (b"_method[]=PUT", None),
        (b"_method[a]=PUT", None),
        (b"", "TRACE"),
        (b"", "HEAD"),
    ],
)
async def test_method_override_rejects_other_methods(client_for, body, header) -> None:
    client = override_client(client_for)
    headers = [FORM] + ([("X-HTTP-Method-Override", header)] if header else [])
    r = await client.request("POST", "/posts/1", headers=headers, body=body)
    assert r.status == 400
    assert "PUT, PATCH, DELETE" in r.text
    assert len(r.text) < 300  # a long value is not echoed whole


@pytest.mark.anyio
async def test_method_override_routing_sees_new_method(client_for) -> None:
    async def only_post(conn):
        return conn.text("post")

    client = client_for(
        post("/things", only_post), plugs=[BodyParser(), MethodOverride(methods=("DELETE",))]
    )
    r = await client.request("POST", "/things", headers=[FORM], body=b"_method=DELETE")
    assert r.status == 405
    assert r.headers["allow"].startswith("POST")
    # PUT is not in the configured methods
    r = await client.request("POST", "/things", headers=[FORM], body=b"_method=PUT")
    assert r.status == 400
    assert "use one of DELETE" in r.text


@pytest.mark.anyio
async def test_method_override_header_only_needs_no_body_parser(client_for) -> None:
    client = client_for(*routes(), plugs=[MethodOverride(param=None)])
    r = await client.request(
        "POST", "/posts/2", headers=[FORM, ("X-HTTP-Method-Override", "PUT")], body=b"_method=GET"
    )
    data = json.loads(r.body)
    assert data["method"] == "PUT"
    assert data["params"] is None  # the body was not read
    field_only = client_for(*routes(), plugs=[BodyParser(), MethodOverride(header=None)])
    r = await field_only.request("POST", "/posts/2", headers=[("X-HTTP-Method-Override", "PUT")])
    assert json.loads(r.body)["method"] == "POST"


@pytest.mark.anyio
async def test_method_override_with_csrf_still_checks_token(client_for) -> None:
    # the overridden DELETE is an unsafe method: CSRF still applies on the route
    browser = pipeline(Session("s" * 40), CSRF())
    client = client_for(
        scope("/", pipe_through=[browser], routes=routes()),
        plugs=[BodyParser(), MethodOverride()],
    )
    r = await client.request("POST", "/posts/1", headers=[FORM], body=b"_method=DELETE")
    assert r.status == 403


def test_method_override_order_checked_at_startup(client_for) -> None:
    with pytest.raises(ImproperlyConfigured) as info:
        client_for(*routes(), plugs=[MethodOverride(), BodyParser()])
    message = str(info.value)
    assert "App(plugs=...)" in message
    assert "BodyParser comes after it" in message
    assert "BodyParser() before MethodOverride()" in message
    with pytest.raises(ImproperlyConfigured, match=r"put BodyParser\(\) before MethodOverride"):
        client_for(*routes(), plugs=[MethodOverride()])


def test_method_override_in_route_pipeline_is_rejected(client_for) -> None:
    with pytest.raises(ImproperlyConfigured) as info:
        client_for(
            scope(
                "/",
                pipe_through=[pipeline(BodyParser(), MethodOverride())],
                routes=[post("/x/:id", which)],
            )
        )
    message = str(info.value)
    assert "route POST /x/:id" in message
    assert "test_plug_method_override.py" in message
    assert "app-level plug" in message


@pytest.mark.anyio
async def test_method_override_hidden_in_route_pipeline_fails_at_runtime(client_for) -> None:
    override = MethodOverride(param=None)

    async def hidden(conn):
        await override(conn)

    client = client_for(scope("/", pipe_through=[pipeline(hidden)], routes=[post("/x/:id", which)]))
    r = await client.request("POST", "/x/1", headers=[("X-HTTP-Method-Override", "PUT")])
    assert r.status == 500


def test_method_override_config_errors() -> None:
    with pytest.raises(ImproperlyConfigured, match="both be None"):
        MethodOverride(param=None, header=None)
    with pytest.raises(ImproperlyConfigured, match="non-empty field name"):
        MethodOverride(param="")
    with pytest.raises(ImproperlyConfigured):
        MethodOverride(header="bad header")
    with pytest.raises(ImproperlyConfigured, match="subset"):
        MethodOverride(methods=("GET",))
    with pytest.raises(ImproperlyConfigured, match="subset"):
        MethodOverride(methods=())
    assert MethodOverride().requires == frozenset({"body_params"})
    assert MethodOverride(param=None).requires == frozenset()


@pytest.mark.anyio
async def test_method_override_reaches_mounted_app(client_for) -> None:
    async def removed(conn, id: int):
        return conn.json({"method": conn.method, "path": conn.path})

    inner = App(
        Router(delete("/items/:id", removed)),
        settings=Settings(env="test", secret_key="i" * 40, allowed_hosts=["testserver"]),
    )
    client = client_for(forward("/admin", inner), plugs=[BodyParser(), MethodOverride()])
    r = await client.request("POST", "/admin/items/1", headers=[FORM], body=b"_method=DELETE")
    assert r.status == 200, r.text
    assert json.loads(r.body) == {"method": "DELETE", "path": "/items/1"}
