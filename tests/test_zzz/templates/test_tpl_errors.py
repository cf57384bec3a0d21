"""Compile errors carry file, line, column and a caret; strict mode errors at render."""

from __future__ import annotations

from pathlib import Path

import pytest
from zzz.exceptions import ImproperlyConfigured
from zzz.templates import (
    Template,
    TemplateNotFound,
    Templates,
    TemplateSyntaxError,
    UndefinedError,
)
from zzz.templates.parser import MAX_ELSE_CHAIN, MAX_NESTING, MAX_SUBEXPRESSION_DEPTH


def syntax_error(source: str, **options: object) -> TemplateSyntaxError:
    with pytest.raises(TemplateSyntaxError) as info:
        Template.from_string(source, name="page.html.zzz", **options)  # type: ignore[arg-type]
    return info.value


@pytest.mark.parametrize(
    ("source", "line", "column", "message"),
    [
        ("ok\n  {{#each xs}}\n", 2, 3, "unclosed block {{#each}}"),
        ("{{#if a}}\n{{/each}}", 2, 1, "{{/each}} does not match {{#if}}"),
        ("{{/if}}", 1, 1, "closes nothing"),
        ("a {{else}}", 1, 3, "{{else}} outside of a block"),
        ("{{#if a}}{{else}}{{else}}{{/if}}", 1, 18, "only one {{else}}"),
        ("x\n{{name", 2, 1, "unclosed tag"),
        ("{{{name}}", 1, 8, "must be closed with '}}}'"),
        ("{{!-- never closed", 1, 1, "unclosed comment"),
        ("{{> nope}}", 1, 1, "unknown partial 'nope'"),
        ('{{#component "nope"}}{{/component}}', 1, 14, "unknown component 'nope'"),
        ("{{nohelper 1}}", 1, 3, "unknown helper 'nohelper'"),
        ("{{#nohelper 1}}{{/nohelper}}", 1, 4, "unknown helper 'nohelper'"),
        ("{{x (nohelper)}}", 1, 3, "unknown helper 'x'"),
        ("{{a.this}}", 1, 3, "invalid path"),
        ("{{#if}}{{/if}}", 1, 1, "#if requires exactly one argument"),
        ("{{#each a b}}{{/each}}", 1, 1, "#each requires exactly one argument"),
        ("{{a b=1 c}}", 1, 9, "positional argument after key=value"),
        ("{{a b=1 b=2}}", 1, 9, "duplicate hash argument"),
        ("{{}}", 1, 1, "empty tag"),
        ("{{a ;}}", 1, 5, "unexpected character"),
        ("{{#> layout}}{{/layout}}", 1, 1, "partial blocks"),
        ("{{{{raw}}}}", 1, 1, "raw blocks"),
        ("{{> (dyn)}}", 1, 1, "dynamic partial names"),
        ('{{#block "b"}}{{/block}}{{#block "b"}}{{/block}}', 1, 25, "defined twice"),
        ("{{#slot 'x'}}{{/slot}}", 1, 1, "only valid inside a component"),
        ("{{#each xs as ||}}{{/each}}", 1, 16, "empty block parameter list"),
    ],
)
def test_compile_errors_have_locations(source: str, line: int, column: int, message: str) -> None:
    err = syntax_error(source)
    assert (err.line, err.column) == (line, column), str(err)
    assert message in err.message
    assert str(err).startswith(f"page.html.zzz:{line}:{column}: ")
    assert isinstance(err, ImproperlyConfigured)


def test_caret_excerpt() -> None:
    err = syntax_error("<p>\n  <b>{{#if x}}</b>\n</p>")
    lines = str(err).splitlines()
    assert lines[1] == "      <b>{{#if x}}</b>"
    assert lines[2] == "         ^"


def test_nesting_limit() -> None:
    ok = "{{#if a}}" * MAX_NESTING + "x" + "{{/if}}" * MAX_NESTING
    assert Template.from_string(ok).render({"a": 1}) == "x"
    too_deep = "{{#if a}}" * (MAX_NESTING + 1) + "{{/if}}" * (MAX_NESTING + 1)
    assert "nested more than" in syntax_error(too_deep).message


def test_deeply_nested_loops_compile() -> None:
    """More nested loops than CPython's 20 static blocks: bodies move into closures."""
    depth = 25
    source = "{{#each xs}}" + "{{#each this}}" * (depth - 1) + "{{this}}" + "{{/each}}" * depth
    data: object = ["leaf"]
    for _ in range(depth - 1):
        data = [data]
    assert Template.from_string(source).render({"xs": data}) == "leaf"


def test_long_else_if_chain_compiles_up_to_the_limit() -> None:
    branches = "".join(f"{{{{else if (eq n {i})}}}}{i}" for i in range(MAX_ELSE_CHAIN))
    template = Template.from_string("{{#if no}}x" + branches + "{{/if}}")
    assert template.render({"no": False, "n": 77}) == "77"
    more = branches + "{{else if no}}y"
    assert "else if" in syntax_error("{{#if no}}x" + more + "{{/if}}").message


def test_pathological_nesting_is_a_clear_error() -> None:
    """Deep input never reaches a RecursionError: limits are checked while parsing."""
    assert "nested more than" in syntax_error("{{#if a}}" * 5000).message

    def nested(depth: int) -> str:
        return "{{concat " + "(concat " * depth + "1" + ")" * depth + "}}"

    assert Template.from_string(nested(MAX_SUBEXPRESSION_DEPTH)).render({}) == "1"
    assert "sub-expressions nested" in syntax_error(nested(MAX_SUBEXPRESSION_DEPTH + 1)).message
    assert "sub-expressions nested" in syntax_error(nested(5000)).message


def test_strict_mode_missing_name_raises_with_location() -> None:
    template = Template.from_string("line1\n  {{user.nmae}}", name="users/show.html.zzz")
    with pytest.raises(UndefinedError) as info:
        template.render({"user": {"name": "A"}})
    assert (info.value.filename, info.value.line, info.value.column) == (
        "users/show.html.zzz",
        2,
        5,
    )
    assert '"nmae" not defined' in str(info.value)


def test_strict_mode_if_missing_is_false_and_each_missing_is_empty() -> None:
    template = Template.from_string("{{#if nope}}y{{else}}n{{/if}}{{#each nope}}x{{/each}}")
    assert template.render({}) == "n"


def test_strict_mode_section_and_data() -> None:
    with pytest.raises(UndefinedError):
        Template.from_string("{{#nope}}x{{/nope}}").render({})
    with pytest.raises(UndefinedError):
        Template.from_string("{{@nope}}").render({})
    assert Template.from_string("{{x}}", strict=False).render({}) == ""


def test_not_found_errors(tmp_path: Path) -> None:
    templates = Templates(tmp_path)
    with pytest.raises(TemplateNotFound, match="'nope' not found"):
        templates.render("nope")
    with pytest.raises(TemplateNotFound):
        Templates(tmp_path / "missing")
    (tmp_path / "p.html.zzz").write_text('{{#each xs}}{{#block "b"}}x{{/block}}{{/each}}')
    with pytest.raises(TemplateNotFound, match="changes the context"):
        templates.render("p", {"xs": []}, block="b")
    with pytest.raises(TemplateNotFound, match="no"):
        templates.render("p", {"xs": []}, block="zzz")


def test_error_in_partial_names_the_partial_file(tmp_path: Path) -> None:
    (tmp_path / "users").mkdir()
    (tmp_path / "users" / "index.html.zzz").write_text("{{> users/_row}}")
    (tmp_path / "users" / "_row.html.zzz").write_text("<tr>\n{{#if x}}</tr>")
    with pytest.raises(TemplateSyntaxError) as info:
        Templates(tmp_path).compile_all()
    assert info.value.filename.endswith("_row.html.zzz")
    assert info.value.line == 2


def test_helper_registration_validation(tmp_path: Path) -> None:
    templates = Templates(tmp_path)
    with pytest.raises(ValueError, match="built-in block"):
        templates.register_helper("each", len)
    with pytest.raises(ValueError, match="invalid helper name"):
        templates.register_helper("a b", len)
    with pytest.raises(TypeError):
        templates.register_helper("x", "not callable")  # type: ignore[arg-type]


def test_strict_mode_does_not_apply_below_block_params() -> None:
    """As in Handlebars: ``{{p.missing}}`` with block parameter ``p`` renders empty."""
    template = Template.from_string("{{#each xs as |p|}}[{{p.missing}}]{{/each}}")
    assert template.render({"xs": ["a"]}) == "[]"


def test_helper_errors_name_the_template_location() -> None:
    def boom(value: object) -> str:
        raise ValueError(f"bad {value}")

    templates = Templates(
        {"page": "a\n{{> row}}", "row": "x\n  {{boom 1}}"}, helpers={"boom": boom}
    )
    with pytest.raises(ValueError, match="bad 1") as info:
        templates.render("page", {})
    assert info.value.__notes__ == ["  in template page:2:1", "  in template row:2:3"]
