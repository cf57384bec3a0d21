"""Fixtures for the template tests: a batch runner for the real Handlebars (node)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
HANDLEBARS_VERSION = "4.7.8"

_RUNNER = r"""
const Handlebars = require(process.argv[2]);
const cases = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const results = cases.map((c) => {
  try {
    const hb = Handlebars.create();
    for (const [name, text] of Object.entries(c.partials || {})) hb.registerPartial(name, text);
    hb.registerHelper('concat', (...args) => args.slice(0, -1).join(''));
    hb.registerHelper('eq', (a, b) => a === b);
    hb.registerHelper('upper', (s) => (s == null ? '' : String(s).toUpperCase()));
    hb.registerHelper('bold', (s) => new Handlebars.SafeString('<b>' + s + '</b>'));
    hb.registerHelper('twice', function (options) { return options.fn(this) + options.fn(this); });
    const fn = hb.compile(c.template, { strict: !!c.strict, compat: !!c.compat });
    return { ok: fn(c.data) };
  } catch (e) {
    return { error: String(e && e.message) };
  }
});
process.stdout.write(JSON.stringify(results));
"""


def _unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: the Handlebars differential test must run)")
    pytest.skip(reason=reason)


@pytest.fixture(scope="session")
def handlebars() -> Callable[[list[dict[str, Any]]], list[dict[str, str]]]:
    """Render a batch of ``{template, data, partials, strict, compat}`` with Handlebars.js.

    Installs ``handlebars`` with npm into ``$ZZZ_NODE_CACHE`` (default
    ``~/.cache/zzz-node``), outside the repository.
    """
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        _unavailable("node/npm not installed: cannot run the Handlebars.js differential test")
    assert node is not None
    assert npm is not None
    cache = Path(os.environ.get("ZZZ_NODE_CACHE", Path.home() / ".cache" / "zzz-node"))
    module = cache / "node_modules" / "handlebars"
    if not (module / "package.json").exists() or (
        json.loads((module / "package.json").read_text())["version"] != HANDLEBARS_VERSION
    ):
        cache.mkdir(parents=True, exist_ok=True)
        if not (cache / "package.json").exists():
            (cache / "package.json").write_text('{"private": true}\n')
        try:
            subprocess.run(
                [npm, "install", "--no-audit", "--no-fund", f"handlebars@{HANDLEBARS_VERSION}"],
                cwd=cache,
                check=True,
                capture_output=True,
                timeout=180,
            )
        except (subprocess.SubprocessError, OSError) as exc:
            _unavailable(f"could not install handlebars with npm: {exc!r}")
    runner = cache / "zzz_handlebars_runner.js"
    runner.write_text(_RUNNER)

    def run(cases: list[dict[str, Any]]) -> list[dict[str, str]]:
        proc = subprocess.run(
            [node, str(runner), str(module)],
            input=json.dumps(cases),
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        return json.loads(proc.stdout)  # type: ignore[no-any-return]

    return run
