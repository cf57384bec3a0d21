"""Conn response side: helpers, headers, cookies, redirects, sending, misuse errors."""

from __future__ import annotations

from typing import Any

import pytest
from zzz.conn import AlreadySentError, ConnConfig, UnsafeRedirectError, json_dumps, json_loads
from zzz.exceptions import ZzzError


def test_text_html_json(make_conn) -> None:
    conn = make_conn().text("hi")
    assert (conn.status, conn.resp_body, conn.state) == (200, b"hi", "set")
    assert conn.resp_headers["content-type"] == "text/plain; charset=utf-8"
    conn = make_conn().put_status(201).html("<p>")
    assert (conn.status, conn.resp_headers["content-type"]) == (201, "text/html; charset=utf-8")
    conn = make_conn().json({"a": [1, {2, 3}]}, status=202)
    assert conn.status == 202
    assert json_loads(conn.resp_body) == {"a": [1, [2, 3]]} or json_loads(conn.resp_body) == {
        "a": [1, [3, 2]]
    }


def test_json_encodes_pydantic_and_dates() -> None:
    import datetime
    import uuid

    from pydantic import BaseModel

    class User(BaseModel):
        name: str

    data = {
        "u": User(name="Jo"),
        "d": datetime.date(2024, 1, 2),
        "id": uuid.UUID(int=1),
        1: "int key",
    }
    decoded = json_loads(json_dumps(data))
    assert decoded["u"] == {"name": "Jo"}
    assert decoded["d"] == "2024-01-02"
    assert decoded["id"] == "00000000-0000-0000-0000-000000000001"
    assert decoded["1"] == "int key"
    with pytest.raises(TypeError):
        json_dumps({"x": object()})


def test_responding_twice_is_an_error(make_conn) -> None:
    conn = make_conn().text("one")
    with pytest.raises(AlreadySentError, match="already set"):
        conn.json({})
    conn.reset_response()
    conn.json({"ok": True})
    assert conn.state == "set"


def test_put_status_validation(make_conn) -> None:
    with pytest.raises(ValueError, match="invalid HTTP status"):
        make_conn().put_status(99)
    with pytest.raises(ValueError, match="invalid HTTP status"):
        make_conn().put_status("200")


def test_resp_headers(make_conn) -> None:
    conn = make_conn()
    conn.put_resp_header("X-Thing", "a").put_resp_header("x-thing", "b")
    assert conn.resp_headers["x-thing"] == "b"
    conn.add_resp_header("Vary", "Accept").add_resp_header("vary", "Cookie")
    assert conn.resp_headers["vary"] == "Accept, Cookie"
    conn.delete_resp_header("X-THING")
    assert "x-thing" not in conn.resp_headers
    conn.put_resp_content_type("text/csv")
    assert conn.resp_headers["content-type"] == "text/csv"


@pytest.mark.parametrize(
    ("name", "value", "match"),
    [
        ("x", "a\r\nSet-Cookie: evil=1", "injection"),
        ("bad name", "v", "header name"),
        ("set-cookie", "a=b", "put_resp_cookie"),
        ("x", "naïve ✓", "latin-1"),
    ],
)
def test_resp_header_injection_refused(make_conn, name: str, value: str, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        make_conn().put_resp_header(name, value)


def test_cookies_secure_defaults(make_conn) -> None:
    conn = make_conn(scheme="https")
    conn.put_resp_cookie("sid", "abc", max_age=60)
    assert conn.resp_cookies["sid"].startswith("sid=abc; Path=/; Max-Age=60; Expires=")
    assert conn.resp_cookies["sid"].endswith("; Secure; HttpOnly; SameSite=Lax")
    http = make_conn(scheme="http").put_resp_cookie("a", "1")
    assert "Secure" not in http.resp_cookies["a"]
    forced = make_conn(config=ConnConfig(secure_cookies=True)).put_resp_cookie("a", "1")
    assert "Secure" in forced.resp_cookies["a"]
    deleted = make_conn().delete_resp_cookie("a", path="/x")
    assert deleted.resp_cookies["a"].startswith("a=; Path=/x; Max-Age=0; Expires=Thu, 01 Jan 1970")


def test_cookie_injection_refused(make_conn) -> None:
    with pytest.raises(ValueError, match="invalid cookie value"):
        make_conn().put_resp_cookie("a", "x; Domain=evil.com")


@pytest.mark.parametrize(
    "target",
    [
        "//evil.com",
        "/\\evil.com",
        "https://evil.com",
        "evil.com",
        "javascript:alert(1)",
        "/a\r\nX: y",
        "",
    ],
)
def test_redirect_to_refuses_off_site_targets(make_conn, target: str) -> None:
    with pytest.raises(UnsafeRedirectError) as info:
        make_conn().redirect(to=target)
    assert info.value.status == 400


def test_redirect_local_and_external(make_conn) -> None:
    conn = make_conn().redirect(to="/users/3?tab=a&b=<c>")
    assert conn.status == 302
    assert conn.resp_headers["location"] == "/users/3?tab=a&b=<c>"
    assert b'href="/users/3?tab=a&amp;b=&lt;c>"' in conn.resp_body
    conn = make_conn().redirect(external="https://example.com/x y", status=303)
    assert (conn.status, conn.resp_headers["location"]) == (303, "https://example.com/x%20y")
    conn = make_conn().redirect(to="/café")
    assert conn.resp_headers["location"] == "/caf%C3%A9"
    with pytest.raises(UnsafeRedirectError):
        make_conn().redirect(external="ftp://x")
    with pytest.raises(ValueError, match="exactly one"):
        make_conn().redirect()
    with pytest.raises(ValueError, match="exactly one"):
        make_conn().redirect(to="/", external="https://a")
    with pytest.raises(ValueError, match="redirect status"):
        make_conn().redirect(to="/", status=200)


def test_halt(make_conn) -> None:
    conn = make_conn()
    assert conn.halt() is conn
    assert conn.halted


def test_send_file_checks(make_conn, tmp_path) -> None:
    path = tmp_path / "report.csv"
    path.write_bytes(b"a,b\n1,2\n")
    conn = make_conn().send_file(path, filename="rapport é.csv")
    assert conn.state == "file"
    assert conn.resp_headers["content-type"] == "text/csv; charset=utf-8"
    assert conn.resp_headers["content-disposition"] == (
        "attachment; filename=\"rapport ?.csv\"; filename*=UTF-8''rapport%20%C3%A9.csv"
    )
    with pytest.raises(FileNotFoundError):
        make_conn().send_file(tmp_path / "missing")
    with pytest.raises(FileNotFoundError, match="regular file"):
        make_conn().send_file(tmp_path)
    with pytest.raises(ValueError, match="outside"):
        make_conn().send_file(path, offset=2, count=100)


def test_render_without_templates(make_conn) -> None:
    from zzz.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="templates"):
        make_conn().render("x")


class FakeTemplates:
    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []

    def render(self, name, context, *, layout=..., block=None):
        self.calls.append(("render", name, dict(context), layout))
        return f"<{name}:{context['user']}>"

    def render_partial(self, name, context):
        self.calls.append(("partial", name, dict(context)))
        return f"[{name}:{context['user']}]"


class FakeApp:
    def __init__(self) -> None:
        self.templates = FakeTemplates()


def test_render_and_partial(make_conn) -> None:
    app = FakeApp()
    conn = make_conn(app=app)
    conn.assigns["user"] = "jo"
    conn.assigns["title"] = "T"
    conn.render("users/show", status=201)
    assert (conn.status, conn.resp_body) == (201, b"<users/show:jo>")
    _, _, ctx, layout = app.templates.calls[0]
    assert ctx["title"] == "T"
    assert ctx["conn"] is conn
    assert "flash" not in ctx
    assert layout is ...
    conn = make_conn(app=app).render("x", layout=None, user="bo")
    assert app.templates.calls[-1][3] is None
    conn = make_conn(app=app).render_partial("row", user="al")
    assert conn.resp_body == b"[row:al]"


def test_no_writer(make_conn) -> None:
    import anyio

    conn = make_conn().text("x")
    with pytest.raises(ZzzError, match="no response writer"):
        anyio.run(conn.send_resp)


def test_json_without_orjson(monkeypatch) -> None:
    import zzz.conn._json

    monkeypatch.setattr(zzz.conn._json, "_orjson", None)
    assert json_dumps({"a": "é", "b": {1, 2} - {1}}) == '{"a":"é","b":[2]}'.encode()
    assert json_loads(b'{"a": [1]}') == {"a": [1]}
    with pytest.raises(ValueError, match="nested too deeply"):
        json_loads("[" * 100_000 + "]" * 100_000)
