"""Every construct of the template syntax, with exact expected output."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from zzz.templates import HelperOptions, SafeString, Template, escape


def render(source: str, context: Any = None, **options: Any) -> str:
    return str(Template.from_string(source, **options).render(context))


@dataclass
class User:
    name: str
    email: str
    _secret: str = "hidden"

    @property
    def display(self) -> str:
        return f"{self.name} <{self.email}>"


def test_escaping_matches_handlebars() -> None:
    assert escape("& < > \" ' ` =") == "&amp; &lt; &gt; &quot; &#x27; &#x60; &#x3D;"
    assert render("{{x}}", {"x": "<a href='x'>"}) == "&lt;a href&#x3D;&#x27;x&#x27;&gt;"
    assert render("{{{x}}}|{{&x}}", {"x": "<b>"}) == "<b>|<b>"


def test_safe_string_passes_through_and_values_render_like_js() -> None:
    assert render("{{x}}", {"x": SafeString("<b>ok</b>")}) == "<b>ok</b>"
    assert render("{{a}}{{b}}{{c}}{{d}}", {"a": None, "b": True, "c": False, "d": 0}) == (
        "truefalse0"
    )


def test_paths_dicts_attributes_and_privacy() -> None:
    user = User("Ann", "a@x")
    ctx = {"user": user, "d": {"k": {"j": "deep"}}, "xs": ["a", "b"]}
    assert render("{{user.name}} {{user.display}}", ctx) == "Ann Ann &lt;a@x&gt;"
    assert render("{{d.k.j}} {{d/k/j}} {{xs.1}} {{xs.length}}", ctx) == "deep deep b 2"
    assert render("[{{user._secret}}]", ctx, strict=False) == "[]"


def test_this_parent_and_root() -> None:
    ctx = {"title": "T", "groups": [{"title": "g", "items": ["x"]}]}
    out = render(
        "{{#each groups}}{{#each items}}{{this}}/{{../title}}/{{../../title}}/{{@root.title}}"
        "{{/each}}{{/each}}",
        ctx,
    )
    assert out == "x/g/T/T"


def test_comments() -> None:
    assert render("a{{! one }}b{{!-- two }} --}}c") == "abc"


def test_if_else_chain_and_unless() -> None:
    src = "{{#if a}}A{{else if b}}B{{else unless c}}C{{else}}D{{/if}}"
    assert render(src, {"a": 1, "b": 0, "c": 0}) == "A"
    assert render(src, {"a": 0, "b": 1, "c": 0}) == "B"
    assert render(src, {"a": 0, "b": 0, "c": 0}) == "C"
    assert render(src, {"a": 0, "b": 0, "c": 1}) == "D"
    assert render("{{#unless x}}no{{else}}yes{{/unless}}", {"x": []}) == "no"
    assert render("{{#if missing}}y{{else}}n{{/if}}", {}) == "n"


def test_each_lists_mappings_generators_and_else() -> None:
    src = "{{#each xs as |x i|}}{{i}}{{x}}{{#if @first}}^{{/if}}{{#if @last}}${{/if}}{{/each}}"
    assert render(src, {"xs": ["a", "b", "c"]}) == "0a^1b2c$"
    assert render("{{#each m}}{{@key}}={{this}},{{/each}}", {"m": {"a": 1, "b": 2}}) == "a=1,b=2,"
    assert render("{{#each m as |v k|}}{{k}}{{v}}{{/each}}", {"m": {"a": 1}}) == "a1"
    assert render("{{#each g}}{{this}}{{/each}}", {"g": (i for i in range(3))}) == "012"
    assert render("{{#each xs}}x{{else}}empty{{/each}}", {"xs": []}) == "empty"
    assert render("{{#each xs}}x{{else}}none{{/each}}", {}) == "none"


def test_with_and_block_params() -> None:
    assert render("{{#with u}}{{name}}{{/with}}", {"u": {"name": "A"}}) == "A"
    assert render("{{#with u as |p|}}{{p.name}}{{/with}}", {"u": {"name": "B"}}) == "B"
    assert render("{{#with u}}x{{else}}none{{/with}}", {"u": None}) == "none"


def test_sections_and_inverted_sections() -> None:
    assert render("{{#xs}}<{{.}}>{{/xs}}", {"xs": [1, 2]}) == "<1><2>"
    assert render("{{#u}}{{name}}{{/u}}", {"u": {"name": "N"}}) == "N"
    assert render("{{^xs}}none{{/xs}}", {"xs": []}) == "none"


def test_partials_with_context_and_hash() -> None:
    partials = {"row": "<{{name}}{{#if sep}}{{sep}}{{/if}}>", "users/_card": "[{{who}}]"}
    ctx = {"u": {"name": "A"}, "name": "root"}
    assert render("{{> row}}{{> row u}}{{> row u sep='!'}}", ctx, partials=partials) == (
        "<root><A><A!>"
    )
    assert render("{{> users/_card who=u.name}}", ctx, partials=partials) == "[A]"


def test_partial_hash_over_object_context() -> None:
    out = render(
        "{{> p user extra=1}}", {"user": User("A", "e")}, partials={"p": "{{name}}{{extra}}"}
    )
    assert out == "A1"


def test_recursive_partials() -> None:
    tree = {"name": "root", "children": [{"name": "a", "children": [{"name": "b"}]}]}
    partials = {"node": "{{name}}({{#each children}}{{> node}}{{/each}})"}
    assert render("{{> node}}", tree, partials=partials, strict=False) == "root(a(b()))"


def test_standalone_partial_is_indented() -> None:
    assert render("<ul>\n  {{> li}}\n</ul>", {}, partials={"li": "<li>1</li>\n<li>2</li>\n"}) == (
        "<ul>\n  <li>1</li>\n  <li>2</li>\n</ul>"
    )


def test_partials_see_each_data() -> None:
    partials = {"row": "{{@index}}{{#if @last}}!{{/if}}"}
    assert render("{{#each xs}}{{> row}}{{/each}}", {"xs": [1, 2]}, partials=partials) == "01!"


def test_whitespace_control_and_standalone_lines() -> None:
    assert render("a  {{~x~}}  b", {"x": 1}) == "a1b"
    src = "<ul>\n  {{#each xs}}\n  <li>{{this}}</li>\n  {{/each}}\n</ul>\n"
    assert render(src, {"xs": [1, 2]}) == "<ul>\n  <li>1</li>\n  <li>2</li>\n</ul>\n"
    assert render("x\n  {{! note }}\ny") == "x\ny"


def test_escaped_mustache() -> None:
    assert render("\\{{x}} {{x}}", {"x": 1}) == "{{x}} 1"
    assert render("\\\\{{x}}", {"x": 1}) == "\\1"


def test_helpers_positional_hash_and_subexpressions() -> None:
    def wrap(s: str, tag: str = "b") -> SafeString:
        return SafeString(f"<{tag}>{escape(s)}</{tag}>")

    helpers = {"wrap": wrap, "up": lambda s: str(s).upper()}
    ctx = {"s": "<x>"}
    assert render("{{wrap s}}{{wrap s tag='i'}}", ctx, helpers=helpers) == (
        "<b>&lt;x&gt;</b><i>&lt;x&gt;</i>"
    )
    assert render("{{up (wrap s)}}", ctx, helpers=helpers) == "&lt;B&gt;&amp;LT;X&amp;GT;&lt;/B&gt;"


def test_block_helpers() -> None:
    def repeat(n: int, *, options: HelperOptions) -> str:
        return "".join(
            options.fn(options.this, data=options.frame(index=i), block_params=[i])
            for i in range(n)
        )

    def maybe(flag: Any, *, options: HelperOptions) -> str:
        return options.fn() if flag else options.inverse()

    helpers = {"repeat": repeat, "maybe": maybe}
    assert render("{{#repeat 3 as |i|}}{{i}}{{@index}}{{name}};{{/repeat}}", {"name": "n"},
                  helpers=helpers) == "00n;11n;22n;"  # fmt: skip
    assert render("{{#maybe 0}}y{{else}}n{{/maybe}}", {}, helpers=helpers) == "n"


def test_builtin_helpers() -> None:
    ctx = {"d": dt.date(2024, 3, 5), "o": {"a": "</script>"}, "n": None, "k": "v"}
    assert render('{{format_date d "%Y/%m/%d"}}', ctx) == "2024/03/05"
    assert render("{{{json o}}}", ctx) == '{"a": "\\u003c/script\\u003e"}'
    assert render('{{default n "none"}}{{concat "a-" k}}{{lookup o "a"}}', ctx) == (
        "nonea-v&lt;/script&gt;"
    )
    assert render("{{#if (eq k 'v')}}eq{{/if}}{{#if (and k (not n))}}!{{/if}}", ctx) == "eq!"


def test_log_helper(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level("WARNING", logger="zzz.templates"):
        assert render('{{log "hello" x level="warn"}}', {"x": 1}) == ""
    assert "hello 1" in caplog.text


def test_components_with_default_and_named_slots() -> None:
    partials = {
        "components/card": '<div>{{title}}|{{yield}}|{{yield "footer"}}</div>',
        "components/badge": "<i>{{label}}</i>",
    }
    src = (
        '{{#component "card" title=t}}<p>{{body}}</p>'
        '{{#slot "footer"}}<a>{{t}}</a>{{/slot}}{{/component}}{{component "badge" label="x"}}'
    )
    assert render(src, {"t": "T", "body": "<b>"}, partials=partials) == (
        "<div>T|<p>&lt;b&gt;</p>|<a>T</a></div><i>x</i>"
    )


def test_named_blocks_render_in_place_and_alone() -> None:
    template = Template.from_string(
        'head {{#block "rows"}}{{#each xs}}<{{this}}>{{/each}}{{/block}} tail'
    )
    assert template.render({"xs": [1, 2]}) == "head <1><2> tail"
    assert template.render({"xs": [1, 2]}, block="rows") == "<1><2>"


def test_literals() -> None:
    helpers = {"show": lambda *a: "|".join(repr(x) for x in a)}
    assert render('{{show "s" 1 1.5 true false null}}', helpers=helpers) == (
        "&#x27;s&#x27;|1|1.5|True|False|None"
    )


def test_compat_mode_walks_the_context_stack() -> None:
    ctx = {"title": "T", "xs": [{"n": 1}]}
    assert render("{{#xs}}{{title}}{{n}}{{/xs}}", ctx, compat=True) == "T1"
    assert render("{{#xs}}{{title}}{{n}}{{/xs}}", ctx, strict=False) == "1"


def test_mutually_recursive_partials() -> None:
    partials = {
        "even": "e{{#if next}}{{> odd next}}{{/if}}",
        "odd": "o{{#if next}}{{> even next}}{{/if}}",
    }
    chain = {"next": {"next": {"next": {"next": None}}}}
    assert render("{{> even}}", chain, partials=partials) == "eoeo"


def test_markupsafe_markup_passes_through() -> None:
    markupsafe = pytest.importorskip("markupsafe")
    assert render("{{x}}", {"x": markupsafe.Markup("<i>")}) == "<i>"


def test_numbers_render_with_str() -> None:
    assert render("{{a}} {{b}} {{c}}", {"a": 3, "b": 2.5, "c": -1}) == "3 2.5 -1"


def test_compat_partials_see_the_context_stack() -> None:
    partials = {"p": "{{title}}:{{n}}"}
    ctx = {"title": "T", "xs": [{"n": 1}, {"n": 2}]}
    assert render("{{#xs}}{{> p}};{{/xs}}", ctx, partials=partials, compat=True) == "T:1;T:2;"


def test_data_frames_reach_nested_partials() -> None:
    partials = {"a": "[{{> b}}]", "b": "{{@index}}{{@last}}", "c": "{{@../index}}{{@index}},"}
    assert render("{{#each xs}}{{> a}}{{/each}}", {"xs": [1, 2]}, partials=partials) == (
        "[0false][1true]"
    )
    ctx = {"xs": [{"ys": [1, 2]}, {"ys": [3]}]}
    out = render("{{#each xs}}{{#each ys}}{{> c}}{{/each}}{{/each}}", ctx, partials=partials)
    assert out == "00,01,10,"


def test_slots_see_the_callers_loop_variables() -> None:
    partials = {"components/item": "<li>{{yield}}</li>"}
    source = '{{#each xs as |x|}}{{#component "item"}}{{@index}}:{{x}}{{/component}}{{/each}}'
    assert render(source, {"xs": ["a", "b"]}, partials=partials) == "<li>0:a</li><li>1:b</li>"
