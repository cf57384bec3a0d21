"""Templates: directory loading, names, partial resolution, layouts, blocks, reloading."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from zzz.templates import DEFAULT, SafeString, Template, TemplateNotFound, Templates


def write(root: Path, name: str, text: str) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.fixture
def app_dir(tmp_path: Path) -> Path:
    write(tmp_path, "layout/app.html.zzz", "<html>{{title}}|{{yield}}</html>")
    write(tmp_path, "layout/bare.html.zzz", "[{{yield}}]")
    write(
        tmp_path,
        "users/index.html.zzz",
        '<h1>{{title}}</h1>{{#block "rows"}}{{#each users}}{{> _row}}{{/each}}{{/block}}',
    )
    write(tmp_path, "users/_row.html.zzz", "<tr>{{name}}</tr>")
    write(tmp_path, "shared/_flash.html.zzz", "<p>{{msg}}</p>")
    write(tmp_path, "components/card.html.zzz", "<div>{{title}}{{yield}}</div>")
    write(tmp_path, "emails/welcome.txt.zzz", "Hi {{name}}")
    return tmp_path


CTX = {"title": "Users", "users": [{"name": "a"}, {"name": "b"}]}


def test_names_and_compile_all(app_dir: Path) -> None:
    templates = Templates(app_dir)
    assert templates.names() == [
        "components/card",
        "emails/welcome.txt",
        "layout/app",
        "layout/bare",
        "shared/_flash",
        "users/_row",
        "users/index",
    ]
    templates.compile_all()
    assert "users/index" in templates
    assert list(templates) == templates.names()


def test_render_with_default_layout_other_layout_and_none(app_dir: Path) -> None:
    templates = Templates(app_dir)
    page = "<h1>Users</h1><tr>a</tr><tr>b</tr>"
    assert templates.render("users/index", CTX) == f"<html>Users|{page}</html>"
    assert templates.render("users/index", CTX, layout=DEFAULT) == f"<html>Users|{page}</html>"
    assert templates.render("users/index", CTX, layout="layout/bare") == f"[{page}]"
    assert templates.render("users/index", CTX, layout=None) == page
    assert templates.render_partial("users/index", CTX) == page
    assert isinstance(templates.render("users/index", CTX), SafeString)


def test_render_block_alone(app_dir: Path) -> None:
    templates = Templates(app_dir)
    assert templates.render("users/index", CTX, block="rows") == "<tr>a</tr><tr>b</tr>"


def test_missing_default_layout_is_skipped_but_explicit_layout_is_required(
    tmp_path: Path,
) -> None:
    write(tmp_path, "page.html.zzz", "x")
    templates = Templates(tmp_path)
    assert templates.render("page") == "x"
    with pytest.raises(TemplateNotFound):
        templates.render("page", layout="layout/nope")


def test_partial_resolution_rules(app_dir: Path) -> None:
    templates = Templates(app_dir)
    assert templates.resolve("partial", "users/_row") == "users/_row"
    assert templates.resolve("partial", "users/row") == "users/_row"
    assert templates.resolve("partial", "_row", "users/index") == "users/_row"
    assert templates.resolve("partial", "row", "users/index") == "users/_row"
    assert templates.resolve("partial", "shared/flash", "users/index") == "shared/_flash"
    assert templates.resolve("component", "card") == "components/card"
    assert templates.resolve("partial", "../etc/passwd") is None
    assert templates.resolve("partial", "/etc/passwd") is None


def test_components_from_directory(app_dir: Path) -> None:
    write(app_dir, "p.html.zzz", '{{#component "card" title="T"}}body{{/component}}')
    assert Templates(app_dir).render("p", {}, layout=None) == "<div>Tbody</div>"


def test_auto_reload_recompiles_changed_files(app_dir: Path) -> None:
    templates = Templates(app_dir, auto_reload=True)
    assert templates.render_partial("users/_row", {"name": "a"}) == "<tr>a</tr>"
    row = app_dir / "users" / "_row.html.zzz"
    row.write_text("<tr class=x>{{name}}</tr>")
    stat = row.stat()
    os.utime(row, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert templates.render_partial("users/_row", {"name": "a"}) == "<tr class=x>a</tr>"
    assert templates.render("users/index", CTX, block="rows") == (
        "<tr class=x>a</tr><tr class=x>b</tr>"
    )


def test_without_auto_reload_changes_are_ignored(app_dir: Path) -> None:
    templates = Templates(app_dir)
    assert templates.render_partial("users/_row", {"name": "a"}) == "<tr>a</tr>"
    row = app_dir / "users" / "_row.html.zzz"
    row.write_text("changed")
    stat = row.stat()
    os.utime(row, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert templates.render_partial("users/_row", {"name": "a"}) == "<tr>a</tr>"


def test_new_file_is_found_lazily(app_dir: Path) -> None:
    templates = Templates(app_dir)
    write(app_dir, "late.html.zzz", "late")
    assert templates.render_partial("late") == "late"


def test_register_helper_recompiles(app_dir: Path) -> None:
    write(app_dir, "h.html.zzz", "{{shout name}}")
    templates = Templates(app_dir, helpers={"shout": lambda s: s.upper()})
    assert templates.render_partial("h", {"name": "a"}) == "A"
    templates.register_helper("shout", lambda s: s + "!")
    assert templates.render_partial("h", {"name": "a"}) == "a!"
    assert "shout" in templates.helpers


def test_duplicate_template_names_are_an_error(tmp_path: Path) -> None:
    write(tmp_path, "a.html.zzz", "1")
    write(tmp_path, "a.zzz", "2")
    with pytest.raises(TemplateNotFound, match="two files define template 'a'"):
        Templates(tmp_path)


def test_mapping_source_and_template_handle() -> None:
    templates = Templates({"a": "{{> b}}!", "b": "B{{x}}"})
    assert templates.template("a").render({"x": 1}) == "B1!"
    assert Template.from_string("{{x}}").render({"x": 2}) == "2"


def test_concurrent_first_renders_compile_once(app_dir: Path) -> None:
    templates = Templates(app_dir)
    results: list[str] = []

    def work() -> None:
        results.append(templates.render("users/index", CTX, layout=None))

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert len(set(results)) == 1
    assert len(results) == 8


def test_objects_as_context(app_dir: Path) -> None:
    class Page:
        title = "Obj"
        users = ()

    assert Templates(app_dir).render("users/index", Page(), layout=None) == "<h1>Obj</h1>"


def test_layout_context_key_overrides_the_default(app_dir: Path) -> None:
    templates = Templates(app_dir)
    page = "<h1>Users</h1><tr>a</tr><tr>b</tr>"
    assert templates.render("users/index", {**CTX, "_layout": None}) == page
    assert templates.render("users/index", {**CTX, "_layout": "layout/bare"}) == f"[{page}]"
    assert templates.render("users/index", {**CTX, "_layout": None}, layout="layout/bare") == (
        f"[{page}]"
    )
