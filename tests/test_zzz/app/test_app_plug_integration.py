"""Fixes for plug authors: before-send return values, set_body, preflights, plug order."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from zzz.app import App
from zzz.exceptions import ImproperlyConfigured
from zzz.router import Router, get, pipeline, post, scope
from zzz.settings import Settings
from zzz.testing import TestClient

pytestmark = pytest.mark.anyio

SETTINGS = Settings(env="test", secret_key="s" * 40)


async def test_before_send_return_values_are_ignored_unless_awaitable(make_conn, recorder) -> None:
    seen: dict[str, str] = {}
    conn = make_conn(writer=recorder)
    conn.register_before_send(lambda c: seen.setdefault("sync", "ran"))  # returns a str
    conn.register_before_send(lambda c: c.put_resp_header("x-hook", "1"))  # returns the conn

    async def later(c) -> int:
        seen["async"] = "ran"
        return 3

    conn.register_before_send(later)
    await conn.text("ok").send_resp()
    assert seen == {"sync": "ran", "async": "ran"}
    assert recorder.status == 200
    assert recorder.header("x-hook") == "1"


async def test_set_body_hands_a_consumed_body_back(make_conn) -> None:
    conn = make_conn("POST", "/hook", body=[b'{"a":', b" 1}"])
    raw = b"".join([chunk async for chunk in conn.stream()])
    with pytest.raises(Exception, match="already consumed"):
        await conn.body()
    assert conn.set_body(raw) is conn
    assert await conn.body() == b'{"a": 1}'
    assert [chunk async for chunk in conn.stream()] == [b'{"a": 1}']
    assert await conn.json_body() == {"a": 1}
    with pytest.raises(TypeError, match="bytes"):
        conn.set_body("text")


async def test_webhook_signature_after_a_body_consuming_plug() -> None:
    secret = b"whsec"

    async def parse_and_return(conn) -> None:
        chunks = [chunk async for chunk in conn.stream()]
        conn.body_params = {"parsed": True}
        conn.set_body(b"".join(chunks))

    async def webhook(conn):
        expected = hmac.new(secret, await conn.body(), hashlib.sha256).hexdigest()
        valid = hmac.compare_digest(expected, conn.headers.get("x-signature", ""))
        return {"valid": valid, "parsed": conn.params["parsed"]}

    router = Router(
        scope("/", pipe_through=[pipeline(parse_and_return)], routes=[post("/hook", webhook)])
    )
    client = TestClient(App(router, settings=SETTINGS))
    body = b'{"event": "paid"}'
    signature = hmac.new(secret, body, hashlib.sha256).hexdigest()
    await client.post("/hook", content=body, headers={"x-signature": signature}).expect_json(
        {"valid": True, "parsed": True}
    )


async def users(conn):
    return {"users": []}


def cors_app() -> App:
    from zzz.plugs import CORS, BearerAuth

    async def verify(token: str) -> object | None:
        return "user" if token == "good" else None

    api = pipeline(CORS(allow_origins=["https://app.example"]), BearerAuth(verify=verify))
    router = Router(
        scope("/api", pipe_through=[api], routes=[get("/users", users), post("/users", users)]),
        get("/plain", users),
    )
    return App(router, settings=SETTINGS)


async def test_route_level_cors_answers_automatic_preflight() -> None:
    pytest.importorskip("zzz.plugs")
    client = TestClient(cors_app())
    preflight = {"origin": "https://app.example", "access-control-request-method": "POST"}
    resp = await client.options("/api/users", headers=preflight).expect_status(204)
    resp.expect_header("access-control-allow-origin", "https://app.example")
    # A disallowed origin is refused by the route's plug, not silently 204'd.
    bad = {**preflight, "origin": "https://evil.example"}
    await client.options("/api/users", headers=bad).expect_status(403)
    # A plain OPTIONS (no preflight) still gets the automatic 204 + Allow, no pipeline.
    resp = await client.options("/api/users").expect_status(204)
    resp.expect_header("allow").expect_no_header("access-control-allow-origin")
    # A preflight for a method the path does not answer: the automatic 204, no CORS headers.
    await (
        client.options(
            "/api/users", headers={**preflight, "access-control-request-method": "DELETE"}
        )
        .expect_status(204)
        .expect_no_header("access-control-allow-origin")
    )
    # No CORS plug on the route: the automatic answer.
    await client.options("/plain", headers=preflight).expect_status(204).expect_header("allow")


async def test_preflight_pipeline_that_does_not_respond_falls_back_to_204() -> None:
    seen: list[str] = []

    async def note(conn) -> None:
        seen.append(f"{conn.method} {conn.route.path}")

    router = Router(scope("/", pipe_through=[pipeline(note)], routes=[post("/items", users)]))
    client = TestClient(App(router, settings=SETTINGS))
    headers = {"origin": "https://x.example", "access-control-request-method": "post"}
    await (
        client.options("/items", headers=headers)
        .expect_status(204)
        .expect_header("allow", "POST, OPTIONS")
    )
    assert seen == ["OPTIONS /items"]


def test_plug_order_is_checked_at_startup() -> None:
    plugs = pytest.importorskip("zzz.plugs")
    csrf_first = pipeline(plugs.CSRF(), plugs.Session("k" * 40))
    router = Router(scope("/", pipe_through=[csrf_first], routes=[get("/", users)]))
    with pytest.raises(ImproperlyConfigured, match=r"route GET /.*CSRF.*Session"):
        App(router, settings=SETTINGS)
    # App-level plugs come before the route pipeline: Session at app level satisfies CSRF.
    ok = Router(scope("/", pipe_through=[pipeline(plugs.CSRF())], routes=[get("/", users)]))
    App(ok, settings=SETTINGS, plugs=[plugs.Session("k" * 40)])
    # ... but not the other way round.
    late = Router(
        scope("/", pipe_through=[pipeline(plugs.Session("k" * 40))], routes=[get("/", users)])
    )
    with pytest.raises(ImproperlyConfigured, match="CSRF"):
        App(late, settings=SETTINGS, plugs=[plugs.CSRF()])


def test_app_plug_order_is_checked_without_routes() -> None:
    plugs = pytest.importorskip("zzz.plugs")
    with pytest.raises(ImproperlyConfigured, match=r"App\(plugs=...\).*CSRF"):
        App(Router(), settings=SETTINGS, plugs=[plugs.CSRF(), plugs.Session("k" * 40)])
