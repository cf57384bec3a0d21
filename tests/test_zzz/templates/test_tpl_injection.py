"""Hostile template text, names and data cannot inject Python code."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from zzz.templates import Template, TemplateSyntaxError

HOSTILE = [
    '"""',
    "'''",
    "\\",
    "\n",
    "\r\n",
    "')\nimport os\nos.system('echo pwned')\nw('",
    '"""); __import__("os").system("echo pwned"); ("""',
    "{__import__('os')}",
    "\x00",
    "\u2028",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_is_literal(text: str) -> None:
    assert Template.from_string(f"a{text}b").render({}) == f"a{text}b"


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_strings_in_arguments_are_literal(text: str) -> None:
    escaped = text.replace('"', '\\"')
    template = Template.from_string(f'{{{{{{concat "{escaped}"}}}}}}')
    assert template.render({}) == text


@pytest.mark.parametrize(
    "name",
    ["__import__", "__class__", "os.system", "a')", "__builtins__", "_e", "w", "c", "data"],
)
def test_hostile_names_are_only_lookups(name: str) -> None:
    source = "{{[" + name + "]}}"
    assert Template.from_string(source, strict=False).render({}) == ""
    assert Template.from_string(source, strict=False).render({name: "ok"}) == "ok"


def test_generated_names_do_not_clash_with_context_names() -> None:
    ctx = {"w": "W", "c": "C", "dp": "DP", "data": "D", "_e": "E", "len": "L"}
    source = "{{w}}{{c}}{{dp}}{{data}}{{[_e]}}{{len}}"
    assert Template.from_string(source).render(ctx) == "WCDPDEL"


def test_block_params_cannot_shadow_generated_variables() -> None:
    source = "{{#each xs as |w c|}}{{w}}{{c}}{{/each}}"
    assert Template.from_string(source).render({"xs": ["a"]}) == "a0"


def test_dunder_attributes_are_not_reachable() -> None:
    source = "{{x.__class__}}{{x.__init__.__globals__}}"
    assert Template.from_string(source, strict=False).render({"x": object()}) == ""


def test_hash_keys_with_python_keywords() -> None:
    source = "{{concat 'a' 'b' sep=class}}{{> p class='k' if=1}}"
    out = Template.from_string(source, partials={"p": "{{class}}{{if}}"}).render({"class": "-"})
    assert out == "a-bk1"


@settings(max_examples=200, deadline=None)
@given(text=st.text())
def test_any_text_without_braces_round_trips(text: str) -> None:
    text = text.replace("{{", "{ {").replace("\\", "/")
    assert Template.from_string(text).render({}) == text


@settings(max_examples=200, deadline=None)
@given(text=st.text())
def test_any_input_either_compiles_or_raises_syntax_error(text: str) -> None:
    try:
        template = Template.from_string(text, strict=False)
    except TemplateSyntaxError:
        return
    template.render({})
