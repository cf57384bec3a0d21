"""App.startup compiles the templates: a broken template stops the app before any hook runs."""

from __future__ import annotations

from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

import pytest
from zzz.app import App
from zzz.exceptions import ImproperlyConfigured
from zzz.router import Router, get
from zzz.settings import Settings
from zzz.templates import Templates, TemplateSyntaxError
from zzz.testing import TestClient

pytestmark = pytest.mark.anyio

SETTINGS = Settings(env="test", secret_key="k" * 32)


async def page(conn):
    return conn.render("page")


def make_app(directory: Path, events: list[str]) -> App:
    return App(
        Router(get("/", page)),
        settings=SETTINGS,
        templates=Templates(directory),
        on_startup=[lambda: events.append("hook")],
    )


async def test_startup_compiles_templates(tmp_path: Path) -> None:
    (tmp_path / "layout").mkdir()
    (tmp_path / "layout" / "app.html.zzz").write_text("<main>{{yield}}</main>")
    (tmp_path / "page.html.zzz").write_text("<p>ok</p>")
    events: list[str] = []
    templates_app = make_app(tmp_path, events)
    async with TestClient(templates_app) as client:
        assert events == ["hook"]
        # compiled at startup: removing the file no longer matters (no auto-reload)
        (tmp_path / "page.html.zzz").unlink()
        await client.get("/").expect_status(200)
        assert (await client.get("/")).text == "<main><p>ok</p></main>"


async def test_template_syntax_error_fails_startup(tmp_path: Path) -> None:
    (tmp_path / "page.html.zzz").write_text("<p>ok</p>")
    (tmp_path / "broken.html.zzz").write_text("<ul>\n  {{#each items}}\n  <li>{{this}}</li>\n")
    events: list[str] = []
    app = make_app(tmp_path, events)
    with pytest.raises(TemplateSyntaxError) as info:
        await app.startup()
    exc = info.value
    assert isinstance(exc, ImproperlyConfigured)
    assert exc.filename.endswith("broken.html.zzz")
    assert (exc.line, exc.column) == (2, 3)
    message = str(exc)
    assert "broken.html.zzz:2:3" in message
    assert "^" in message  # the caret excerpt
    assert events == []  # hooks never ran


async def test_unknown_partial_fails_startup(tmp_path: Path) -> None:
    (tmp_path / "page.html.zzz").write_text("line one\n{{> missing}}")
    app = make_app(tmp_path, [])
    with pytest.raises(ImproperlyConfigured, match=r"page\.html\.zzz:2:1.*missing"):
        await app.startup()


async def test_templates_without_compile_all_start(tmp_path: Path) -> None:
    class Renderer:
        def render(self, name: str, context: MutableMapping[str, Any], **options: Any) -> str:
            return f"<{name}>"

        def render_partial(self, name: str, context: MutableMapping[str, Any]) -> str:
            return f"[{name}]"

    app = App(Router(get("/", page)), settings=SETTINGS, templates=Renderer())
    async with TestClient(app) as client:
        assert (await client.get("/")).text == "<page>"


async def test_no_templates_starts() -> None:
    events: list[str] = []
    app = App(Router(get("/", page)), settings=SETTINGS, on_startup=[lambda: events.append("up")])
    await app.startup()
    assert events == ["up"]
