"""CORS and the auth plugs through a real App (preflight beats auth)."""

from __future__ import annotations

import base64
import time

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from zzz.exceptions import ImproperlyConfigured
from zzz.plugs import CORS, BasicAuth, BearerAuth, JWTAuth, encode_jwt
from zzz.plugs._order import check_order
from zzz.plugs.csrf import CSRF
from zzz.plugs.session import Session
from zzz.router import get, pipeline, post, scope

ORIGIN = "https://app.example"
SECRET = "j" * 32


async def me(conn):
    return conn.json({"user": conn.assigns.get("current_user")})


async def check_token(token: str):
    return {"id": 1} if token == "good-token" else None


def api_client(client_for, *auth):
    # CORS is app-level: the router answers OPTIONS itself (automatic OPTIONS) without
    # running a route pipeline, so a route-level CORS plug would never see preflights.
    cors = CORS(allow_origins=[ORIGIN], allow_headers=["authorization"], allow_credentials=True)
    api = pipeline(*auth)
    return client_for(
        scope("/api", pipe_through=[api], routes=[get("/me", me), post("/me", me)]), plugs=[cors]
    )


@pytest.mark.anyio
async def test_preflight_answered_before_bearer_auth(client_for) -> None:
    client = api_client(client_for, BearerAuth(verify=check_token))
    r = await client.request(
        "OPTIONS",
        "/api/me",
        headers=[
            ("Origin", ORIGIN),
            ("Access-Control-Request-Method", "POST"),
            ("Access-Control-Request-Headers", "Authorization"),
        ],
    )
    assert r.status == 204
    assert r.headers["access-control-allow-origin"] == ORIGIN
    assert r.headers["access-control-allow-credentials"] == "true"
    assert r.headers["access-control-allow-headers"] == "authorization"
    assert "Origin" in r.headers["vary"]
    # the actual request still needs the token
    r = await client.request("POST", "/api/me", headers=[("Origin", ORIGIN)])
    assert r.status == 401
    assert r.headers["access-control-allow-origin"] == ORIGIN  # error responses keep CORS
    r = await client.request(
        "POST", "/api/me", headers=[("Origin", ORIGIN), ("Authorization", "Bearer good-token")]
    )
    assert r.status == 200
    assert r.headers["access-control-allow-origin"] == ORIGIN


@pytest.mark.anyio
async def test_wrong_origin(client_for) -> None:
    client = api_client(client_for, BearerAuth(verify=check_token))
    r = await client.request(
        "OPTIONS",
        "/api/me",
        headers=[("Origin", "https://evil.example"), ("Access-Control-Request-Method", "POST")],
    )
    assert r.status == 403
    assert "access-control-allow-origin" not in r.headers
    r = await client.request(
        "GET",
        "/api/me",
        headers=[("Origin", "https://evil.example"), ("Authorization", "Bearer good-token")],
    )
    assert r.status == 200
    assert "access-control-allow-origin" not in r.headers
    assert r.headers["vary"] == "Origin"


def test_cors_config() -> None:
    with pytest.raises(ImproperlyConfigured, match="cannot be combined"):
        CORS(allow_origins=["*"], allow_credentials=True)
    with pytest.raises(ImproperlyConfigured, match="not a str"):
        CORS(allow_origins="https://a.example")


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("header", "status", "error"),
    [
        (None, 401, None),
        ("Basic abc", 401, None),
        ("Bearer", 401, None),
        ("Bearer bad token", 401, "invalid_request"),
        ("Bearer " + "a" * 9000, 401, "invalid_request"),
        ("Bearer wrong-token", 401, "invalid_token"),
        ("bearer good-token", 200, None),
    ],
)
async def test_bearer(client_for, header: str | None, status: int, error: str | None) -> None:
    client = api_client(client_for, BearerAuth(verify=check_token))
    headers = [("Authorization", header)] if header else []
    r = await client.request("GET", "/api/me", headers=headers)
    assert r.status == status
    if status == 401:
        challenge = r.headers["www-authenticate"]
        assert challenge.startswith('Bearer realm="api"')
        if error:
            assert f'error="{error}"' in challenge
    else:
        assert r.text == '{"user":{"id":1}}'


@pytest.mark.anyio
async def test_bearer_optional_and_sync_verifier(client_for) -> None:
    client = api_client(
        client_for, BearerAuth(verify=lambda t: "u" if t == "t" else None, optional=True)
    )
    assert (await client.request("GET", "/api/me")).text == '{"user":null}'
    assert (
        await client.request("GET", "/api/me", headers=[("Authorization", "Bearer t")])
    ).text == '{"user":"u"}'
    assert (
        await client.request("GET", "/api/me", headers=[("Authorization", "Bearer x")])
    ).status == 401


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("header", "status"),
    [
        (_basic("admin", "s3cret"), 200),
        (_basic("admin", "wrong"), 401),
        (_basic("nobody", "s3cret"), 401),
        ("Basic !!!notbase64", 401),
        ("Basic " + base64.b64encode(b"no-colon").decode(), 401),
        ("Basic " + base64.b64encode(b"\xff\xfe:x").decode(), 401),
        (None, 401),
    ],
)
async def test_basic(client_for, header: str | None, status: int) -> None:
    client = api_client(client_for, BasicAuth({"admin": "s3cret"}))
    r = await client.request(
        "GET", "/api/me", headers=[("Authorization", header)] if header else []
    )
    assert r.status == status
    if status == 401:
        assert r.headers["www-authenticate"] == 'Basic realm="Restricted", charset="UTF-8"'
    else:
        assert r.text == '{"user":"admin"}'


def test_auth_config() -> None:
    with pytest.raises(ImproperlyConfigured):
        BasicAuth()
    with pytest.raises(ImproperlyConfigured):
        BasicAuth({"a": "b"}, verify=lambda u, p: u)
    with pytest.raises(ImproperlyConfigured):
        BasicAuth({"a": "b"}, realm='x"y')
    with pytest.raises(ImproperlyConfigured):
        BearerAuth(verify="nope")  # type: ignore[arg-type]
    with pytest.raises(ImproperlyConfigured):
        JWTAuth(SECRET, algorithm="none")


@pytest.mark.anyio
async def test_jwt_auth(client_for) -> None:
    client = api_client(client_for, JWTAuth(SECRET, algorithm="HS256", audience="api", leeway=2))
    now = int(time.time())
    good = encode_jwt({"sub": "42", "aud": "api", "exp": now + 60}, SECRET)
    r = await client.request("GET", "/api/me", headers=[("Authorization", f"Bearer {good}")])
    assert r.status == 200
    assert r.text == '{"user":"42"}'
    hostile = {
        "expired": encode_jwt({"sub": "42", "aud": "api", "exp": now - 30}, SECRET),
        "forged": encode_jwt({"sub": "42", "aud": "api", "exp": now + 60}, "f" * 32),
        "wrong alg": encode_jwt({"sub": "42", "aud": "api", "exp": now + 60}, SECRET, "HS512"),
        "wrong aud": encode_jwt({"sub": "42", "aud": "web", "exp": now + 60}, SECRET),
    }
    for name, token in hostile.items():
        r = await client.request("GET", "/api/me", headers=[("Authorization", f"Bearer {token}")])
        assert r.status == 401, name
        assert 'error="invalid_token"' in r.headers["www-authenticate"], name


@pytest.mark.anyio
async def test_jwt_rs256_with_loader(client_for) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    async def load(claims):
        return {"id": claims["sub"], "role": claims.get("role")}

    client = api_client(
        client_for, JWTAuth(key.public_key(), algorithm="RS256", load_identity=load)
    )
    token = encode_jwt({"sub": "7", "role": "admin", "exp": time.time() + 60}, key, "RS256")
    r = await client.request("GET", "/api/me", headers=[("Authorization", f"Bearer {token}")])
    assert r.text == '{"user":{"id":"7","role":"admin"}}'


def test_check_order() -> None:
    check_order([Session(SECRET), CSRF()])
    with pytest.raises(ImproperlyConfigured, match="Session comes after it"):
        check_order([CSRF(), Session(SECRET)])
    with pytest.raises(ImproperlyConfigured, match="needs"):
        check_order([CSRF()])
