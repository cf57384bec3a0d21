"""The Mustache spec (../shared/testdata/mustache-spec) in ``compat=True`` mode."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from zzz.templates import Template

SPEC_DIR = Path(__file__).resolve().parents[4] / "shared" / "testdata" / "mustache-spec"
FILES = ["comments", "interpolation", "sections", "inverted", "partials"]

#: (file, case name) → why it is skipped.
SKIPPED = {
    ("partials", "Failed Lookup"): (
        "a missing partial is a compile-time error by design (Handlebars semantics), "
        "not an empty string"
    ),
    ("partials", "Standalone Indentation"): (
        "Handlebars indents the partial's rendered output (including interpolated "
        "multi-line data), not only its template lines; Handlebars skips this case too"
    ),
}


def _cases() -> list[Any]:
    if not SPEC_DIR.is_dir():
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"{SPEC_DIR} not found"))]
    params = []
    for name in FILES:
        for case in json.loads((SPEC_DIR / f"{name}.json").read_text())["tests"]:
            reason = SKIPPED.get((name, case["name"]))
            marks = [pytest.mark.skip(reason=reason)] if reason else []
            params.append(pytest.param(case, id=f"{name}: {case['name']}", marks=marks))
    return params


@pytest.mark.parametrize("case", _cases())
def test_mustache_spec(case: dict[str, Any]) -> None:
    template = Template.from_string(
        case["template"], partials=case.get("partials"), strict=False, compat=True
    )
    assert template.render(case["data"]) == case["expected"]


def test_delimiters_are_reported_unsupported() -> None:
    """Set-delimiter tags ``{{=<% %>=}}`` are not supported: a clear compile error."""
    from zzz.templates import TemplateSyntaxError

    with pytest.raises(TemplateSyntaxError, match=r"1:1: set-delimiter tags"):
        Template.from_string("{{=<% %>=}}", compat=True)
