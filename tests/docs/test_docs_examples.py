"""The Python examples in ``docs/`` run.

Every fenced block whose info string is exactly ``python`` is an example: the blocks of one
Markdown file run in order in one namespace (so a guide can build on its earlier blocks), in a
fresh temporary working directory. Blocks meant as fragments or pseudo-code use the info string
``python fragment`` and are only compiled (so they must at least be valid Python).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"
FENCE = re.compile(r"^```([^\n]*)\n(.*?)^```\s*$", re.MULTILINE | re.DOTALL)


def _blocks(path: Path) -> list[tuple[str, int, str]]:
    text = path.read_text(encoding="utf-8")
    found = []
    for match in FENCE.finditer(text):
        info = match.group(1).strip()
        if info.split(" ")[0] != "python":
            continue
        line = text.count("\n", 0, match.start(2)) + 1
        found.append((info, line, match.group(2)))
    return found


DOC_FILES = sorted(p for p in DOCS.rglob("*.md") if _blocks(p))


@pytest.mark.parametrize("path", DOC_FILES, ids=[str(p.relative_to(DOCS)) for p in DOC_FILES])
def test_doc_examples_run(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": f"docs_{path.stem}"}
    for info, line, source in _blocks(path):
        # pad with newlines so tracebacks point at the Markdown line
        code = compile("\n" * (line - 1) + source, str(path), "exec", dont_inherit=True)
        if info != "python":
            continue  # fragments are only compiled
        exec(code, namespace)
    assert os.getcwd() == str(tmp_path)
