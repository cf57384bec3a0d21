"""Session (cookie and server stores) and CSRF through a real App."""

from __future__ import annotations

import json
import uuid

import anyio
import pytest
from zzz.exceptions import ImproperlyConfigured
from zzz.plugs import CSRF, BodyParser, MemorySessionStore, RedisSessionStore, Session
from zzz.plugs.csrf import mask_token, unmask_token
from zzz.router import get, pipeline, post, scope

KEY_OLD = "o" * 32
KEY_NEW = "n" * 32


async def show(conn):
    return conn.json(dict(conn.session))


async def put(conn):
    conn.session["count"] = conn.session.get("count", 0) + 1
    return conn.text("ok")


async def login(conn):
    conn.session["user"] = 1
    conn.session.renew()
    return conn.text("in")


async def logout(conn):
    conn.session.clear()
    return conn.text("out")


def routes():
    return [get("/", show), get("/put", put), get("/login", login), get("/logout", logout)]


def session_client(client_for, plug: Session):
    return client_for(scope("/", pipe_through=[pipeline(plug)], routes=routes()))


@pytest.mark.anyio
@pytest.mark.parametrize("encrypt", [False, True])
async def test_cookie_session_roundtrip(client_for, encrypt: bool) -> None:
    client = session_client(client_for, Session([KEY_NEW], encrypt=encrypt))
    r = await client.request("GET", "/")
    assert "set-cookie" not in r.headers  # untouched session: no cookie
    r = await client.request("GET", "/put")
    cookie = r.header_all("set-cookie")[0]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Path=/" in cookie
    assert "Secure" not in cookie
    assert "Max-Age=1209600" in cookie
    await client.request("GET", "/put")
    assert (await client.request("GET", "/")).text == '{"count":2}'
    r = await client.request("GET", "/put", scheme="https")
    assert "Secure" in r.header_all("set-cookie")[0]
    await client.request("GET", "/logout")
    assert "zzz_session" not in client.cookies


@pytest.mark.anyio
async def test_key_rotation_and_forgery(client_for) -> None:
    old = session_client(client_for, Session([KEY_OLD]))
    await old.request("GET", "/put")
    rotated = session_client(client_for, Session([KEY_NEW, KEY_OLD]))
    rotated.cookies = dict(old.cookies)
    assert (await rotated.request("GET", "/")).text == '{"count":1}'
    r = await rotated.request("GET", "/put")
    assert r.cookie("zzz_session") != old.cookies["zzz_session"]
    dropped = session_client(client_for, Session([KEY_NEW]))
    dropped.cookies = dict(old.cookies)
    assert (await dropped.request("GET", "/")).text == "{}"
    # forged / garbage cookies are ignored (fresh empty session), never a 500
    for forged in ["eyJ1c2VyIjoxfQ.0.AAAA", "garbage", "e.AAAA", "a" * 5000]:
        dropped.cookies = {"zzz_session": forged}
        r = await dropped.request("GET", "/")
        assert (r.status, r.text) == (200, "{}")


@pytest.mark.anyio
async def test_expired_cookie(client_for) -> None:
    client = session_client(client_for, Session([KEY_NEW], max_age=1))
    await client.request("GET", "/put")
    plug = Session([KEY_NEW], max_age=1)
    assert plug._signer is not None
    value = plug._signer.dumps(b'{"count":5}', now=1000)  # signed long ago
    client.cookies = {"zzz_session": value}
    assert (await client.request("GET", "/")).text == "{}"


@pytest.mark.anyio
async def test_oversized_cookie_session(client_for) -> None:
    async def big(conn):
        conn.session["blob"] = "x" * 5000
        return conn.text("ok")

    client = client_for(
        scope("/", pipe_through=[pipeline(Session([KEY_NEW]))], routes=[get("/", big)])
    )
    r = await client.request("GET", "/")
    assert r.status == 500
    assert "set-cookie" not in r.headers


@pytest.mark.anyio
async def test_memory_store_renew_and_clear(client_for) -> None:
    store = MemorySessionStore()
    client = session_client(client_for, Session([KEY_NEW], store=store))
    await client.request("GET", "/put")
    first = client.cookies["zzz_session"]
    assert len(store) == 1
    await client.request("GET", "/login")  # renew: new id, old one deleted
    assert client.cookies["zzz_session"] != first
    assert len(store) == 1
    assert (await client.request("GET", "/")).text == '{"count":1,"user":1}'
    stolen = dict(client.cookies)
    await client.request("GET", "/logout")
    assert len(store) == 0
    client.cookies = stolen  # replaying the cookie after logout gives nothing
    assert (await client.request("GET", "/")).text == "{}"


@pytest.mark.anyio
@pytest.mark.redis
async def test_redis_store(client_for, redis_url: str) -> None:
    store = RedisSessionStore(redis_url, prefix=f"test-plug-session-{uuid.uuid4().hex}:")
    try:
        client = session_client(client_for, Session([KEY_NEW], store=store))
        with anyio.fail_after(10):
            await client.request("GET", "/put")
            await client.request("GET", "/put")
            assert (await client.request("GET", "/")).text == '{"count":2}'
            await client.request("GET", "/logout")
            assert (await client.request("GET", "/")).text == "{}"
    finally:
        store.close()


def test_session_config() -> None:
    with pytest.raises(ImproperlyConfigured, match="32 bytes"):
        Session(["short"])
    with pytest.raises(ImproperlyConfigured, match="cookie store only"):
        Session([KEY_NEW], store=MemorySessionStore(), encrypt=True)
    with pytest.raises(ImproperlyConfigured, match="max_age"):
        Session([KEY_NEW], max_age=0)
    with pytest.raises(ImproperlyConfigured):
        Session([KEY_NEW], same_site="none", secure=False)
    with pytest.raises(ImproperlyConfigured):
        Session([KEY_NEW], cookie_name="bad name")
    with pytest.raises(ImproperlyConfigured, match="SessionStore"):
        Session([KEY_NEW], store=object())  # type: ignore[arg-type]


@pytest.mark.anyio
async def test_session_uses_app_secret(client_for) -> None:
    client = session_client(client_for, Session())
    await client.request("GET", "/put")
    assert (await client.request("GET", "/")).text == '{"count":1}'


# ---------------------------------------------------------------- CSRF


async def form(conn):
    token = conn.assigns["csrf_token"]
    assert json.loads(token.hx_headers) == {"X-CSRF-Token": str(token)}
    return conn.html(f'<input name="_csrf_token" value="{token}">')


async def submit(conn):
    return conn.text("accepted")


def csrf_client(client_for):
    browser = pipeline(Session([KEY_NEW]), BodyParser(), CSRF())
    return client_for(
        scope("/", pipe_through=[browser], routes=[get("/form", form), post("/submit", submit)])
    )


def _token(html: str) -> str:
    return html.split('value="')[1].split('"', maxsplit=1)[0]


def test_mask_roundtrip() -> None:
    raw = bytes(range(32))
    a, b = mask_token(raw), mask_token(raw)
    assert a != b  # BREACH: a different mask every time
    assert unmask_token(a) == unmask_token(b) == raw
    for bad in ["", "!!!", "AAAA", "A" * 500]:
        assert unmask_token(bad) is None


@pytest.mark.anyio
async def test_csrf_form_and_header(client_for) -> None:
    client = csrf_client(client_for)
    page1 = await client.request("GET", "/form")
    page2 = await client.request("GET", "/form")
    t1, t2 = _token(page1.text), _token(page2.text)
    assert t1 != t2
    form_body = f"_csrf_token={t1}&x=1".encode()
    r = await client.request(
        "POST",
        "/submit",
        body=form_body,
        headers=[("Content-Type", "application/x-www-form-urlencoded")],
    )
    assert (r.status, r.text) == (200, "accepted")
    r = await client.request(
        "POST", "/submit", headers=[("X-CSRF-Token", t2), ("HX-Request", "true")]
    )
    assert r.status == 200
    boundary = "bnd"
    multipart = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="_csrf_token"\r\n\r\n{t1}\r\n'
        f"--{boundary}--\r\n"
    ).encode()
    r = await client.request(
        "POST",
        "/submit",
        body=multipart,
        headers=[("Content-Type", f"multipart/form-data; boundary={boundary}")],
    )
    assert r.status == 200


@pytest.mark.anyio
async def test_csrf_rejections(client_for) -> None:
    client = csrf_client(client_for)
    token = _token((await client.request("GET", "/form")).text)
    r = await client.request("POST", "/submit")
    assert r.status == 403
    assert "CSRF token missing" in r.text
    r = await client.request("POST", "/submit", headers=[("X-CSRF-Token", "garbage")])
    assert r.status == 403
    assert "CSRF token invalid" in r.text
    # a token from another session is rejected
    other = csrf_client(client_for)
    foreign = _token((await other.request("GET", "/form")).text)
    r = await client.request("POST", "/submit", headers=[("X-CSRF-Token", foreign)])
    assert r.status == 403
    # no session at all (cookie dropped) -> rejected
    client.cookies = {}
    r = await client.request("POST", "/submit", headers=[("X-CSRF-Token", token)])
    assert r.status == 403


def test_csrf_without_session_is_a_config_error(client_for) -> None:
    # App checks plug order when it is built (zzz.plugs.check_order): no request needed.
    with pytest.raises(ImproperlyConfigured) as info:
        client_for(scope("/", pipe_through=[pipeline(CSRF())], routes=[get("/form", form)]))
    message = str(info.value)
    assert "route GET /form" in message
    assert "test_plug_session_csrf.py" in message  # where the route was declared
    assert "CSRF" in message
    assert "Session() before CSRF()" in message  # the fix


def test_csrf_before_session_names_the_later_session(client_for) -> None:
    with pytest.raises(ImproperlyConfigured) as info:
        client_for(
            scope(
                "/",
                pipe_through=[pipeline(CSRF(), Session(KEY_NEW))],
                routes=[get("/form", form)],
            )
        )
    assert "Session comes after it: move it before" in str(info.value)


@pytest.mark.anyio
async def test_csrf_without_session_at_runtime_is_a_500(client_for) -> None:
    # A function plug hides CSRF from the startup check: the runtime check still holds.
    csrf = CSRF()

    async def wrapped(conn):
        await csrf(conn)

    client = client_for(scope("/", pipe_through=[pipeline(wrapped)], routes=[get("/form", form)]))
    r = await client.request("GET", "/form")
    assert r.status == 500


def test_csrf_config() -> None:
    with pytest.raises(ImproperlyConfigured):
        CSRF(safe_methods=frozenset({"GET", "POST"}))
    with pytest.raises(ImproperlyConfigured):
        CSRF(header_name="bad header")
