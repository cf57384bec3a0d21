"""Conn sending: before-send order, streaming, chunked, files, flash persistence."""

from __future__ import annotations

import pytest
from zzz.conn import AlreadySentError, NoSessionError

pytestmark = pytest.mark.anyio


async def test_send_resp_runs_before_send_in_reverse_order(make_conn, recorder) -> None:
    conn = make_conn(writer=recorder)
    order: list[str] = []

    def first(c) -> None:
        order.append("first")
        c.put_resp_header("x-order", ",".join(order))

    async def second(c) -> None:
        order.append("second")

    conn.register_before_send(first).register_before_send(second)
    conn.put_resp_cookie("a", "1").text("body", status=201)
    await conn.send_resp()
    assert order == ["second", "first"]
    assert recorder.status == 201
    assert recorder.header("x-order") == "second,first"
    assert recorder.header("set-cookie").startswith("a=1")
    assert recorder.body == b"body"
    assert conn.state == "sent"
    with pytest.raises(AlreadySentError, match="already sent"):
        conn.put_resp_header("x", "y")
    with pytest.raises(AlreadySentError):
        await conn.send_resp()
    with pytest.raises(AlreadySentError):
        conn.text("again")


async def test_send_resp_without_response(make_conn, recorder) -> None:
    with pytest.raises(AlreadySentError, match="no response"):
        await make_conn(writer=recorder).send_resp()


async def test_no_body_for_204_and_304(make_conn, recorder) -> None:
    conn = make_conn(writer=recorder)
    conn.resp(304, b"ignored")
    await conn.send_resp()
    assert (recorder.status, recorder.body) == (304, b"")


async def test_send_stream(make_conn, recorder) -> None:
    async def pieces():
        yield b"a"
        yield b""
        yield b"b"

    conn = make_conn(writer=recorder).send_stream(pieces(), content_type="text/plain")
    await conn.send_resp()
    assert recorder.calls == ["start", "write", "write", "end"]
    assert recorder.body == b"ab"


async def test_chunked(make_conn, recorder) -> None:
    conn = make_conn(writer=recorder)
    with pytest.raises(AlreadySentError, match="send_chunked"):
        await conn.chunk(b"x")
    await conn.send_chunked(200)
    await conn.chunk("hé")
    await conn.chunk(b"")
    with pytest.raises(AlreadySentError):
        conn.text("no")
    await conn.finish()
    assert recorder.calls == ["start", "write", "end"]
    assert recorder.body == "hé".encode()
    assert conn.state == "sent"


async def test_send_file(make_conn, recorder, tmp_path) -> None:
    path = tmp_path / "f.txt"
    path.write_bytes(b"0123456789")
    conn = make_conn(writer=recorder).send_file(path, offset=2, count=3)
    await conn.send_resp()
    assert recorder.calls == ["send_file"]
    assert recorder.body == b"234"
    assert recorder.header("content-type") == "text/plain; charset=utf-8"


async def test_flash_requires_session(make_conn) -> None:
    with pytest.raises(NoSessionError, match="Session plug"):
        make_conn().put_flash("info", "x")


async def test_flash_survives_redirect_then_clears(make_conn, recorder) -> None:
    session: dict[str, object] = {}
    conn = make_conn(writer=recorder)
    conn.session = session
    conn.put_flash("info", "Saved").redirect(to="/next")
    assert conn.get_flash("info") == "Saved"
    await conn.send_resp()
    assert session == {"_flash": {"info": "Saved"}}

    nxt = make_conn(writer=type(recorder)())
    nxt.session = session
    assert nxt.flash == {"info": "Saved"}
    nxt.text("page")
    await nxt.send_resp()
    assert session == {}


@pytest.mark.parametrize(
    ("header", "value"),
    [("HX-Redirect", "/next"), ("HX-Location", '{"path": "/next"}'), ("HX-Refresh", "true")],
)
async def test_flash_survives_htmx_navigation(make_conn, recorder, header, value) -> None:
    # htmx answers 200 with HX-Redirect/HX-Location/HX-Refresh; the browser navigates next
    session: dict[str, object] = {}
    conn = make_conn("POST", headers={"hx-request": "true"}, writer=recorder)
    conn.session = session
    conn.put_flash("info", "Saved").put_resp_header(header, value).resp(200, b"")
    await conn.send_resp()
    assert recorder.status == 200
    assert session == {"_flash": {"info": "Saved"}}

    nxt = make_conn(writer=type(recorder)())
    nxt.session = session
    assert nxt.flash == {"info": "Saved"}
    nxt.text("page")
    await nxt.send_resp()
    assert session == {}


async def test_flash_cleared_after_plain_htmx_fragment(make_conn, recorder) -> None:
    session: dict[str, object] = {}
    conn = make_conn("POST", headers={"hx-request": "true"}, writer=recorder)
    conn.session = session
    # HX-Refresh other than "true" and unrelated htmx headers do not navigate
    conn.put_flash("info", "Saved").put_resp_header("HX-Refresh", "false")
    conn.put_resp_header("HX-Trigger", "saved").html("<p>fragment</p>")
    await conn.send_resp()
    assert session == {}


async def test_flash_clear_and_untouched(make_conn, recorder) -> None:
    session: dict[str, object] = {"_flash": {"error": "x"}}
    conn = make_conn(writer=recorder)
    conn.session = session
    conn.clear_flash().redirect(to="/")
    await conn.send_resp()
    assert session == {}
    untouched = make_conn(writer=type(recorder)())
    untouched.session = {"_flash": {"a": "b"}}
    untouched.text("x")
    await untouched.send_resp()
    assert untouched.session == {"_flash": {"a": "b"}}


async def test_render_context_includes_flash(make_conn) -> None:
    class Templates:
        def render(self, name, context, **kw):
            return str(context["flash"])

        def render_partial(self, name, context):
            return ""

    class App:
        templates = Templates()

    conn = make_conn(app=App())
    conn.session = {"_flash": {"info": "hi"}}
    conn.render("page")
    assert conn.resp_body == b"{'info': 'hi'}"
