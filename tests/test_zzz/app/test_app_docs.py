"""The examples of the conn, app and testing guides run on asyncio and trio.

The guides are found by file name anywhere under ``docs/`` (they live in
``docs/guides/``; the lookup survives docs reorganisations).

``tests/docs`` runs every docs file once (``anyio.run`` defaults to asyncio); this
runs the blocks of these three guides the same way (in order, one namespace per
file, ``python fragment`` blocks only compiled) with ``anyio.run`` on each backend.
"""

from __future__ import annotations

import re
from pathlib import Path

import anyio
import pytest

DOCS = Path(__file__).resolve().parents[3] / "docs"
FENCE = re.compile(r"^```([^\n]*)\n(.*?)^```\s*$", re.MULTILINE | re.DOTALL)


@pytest.mark.parametrize("doc", ["conn.md", "app.md", "testing.md"])
@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_doc_examples_run_on_backend(
    doc: str, backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    calls: list[object] = []
    real_run = anyio.run

    def run(func: object, *args: object, **kwargs: object) -> object:
        calls.append(func)
        return real_run(func, *args, backend=backend)  # type: ignore[arg-type]

    monkeypatch.setattr(anyio, "run", run)
    found = sorted(DOCS.rglob(doc))
    assert len(found) == 1, f"expected one {doc} under docs/, found {found}"
    path = found[0]
    text = path.read_text(encoding="utf-8")
    namespace: dict[str, object] = {"__name__": f"docs_{doc.replace('.', '_')}"}
    blocks = 0
    for match in FENCE.finditer(text):
        info = match.group(1).strip()
        if info.split(" ")[0] != "python":
            continue
        line = text.count("\n", 0, match.start(2)) + 1
        code = compile("\n" * (line - 1) + match.group(2), str(path), "exec")
        if info == "python":
            exec(code, namespace)
            blocks += 1
    assert blocks >= 2
    assert calls, f"no example of {doc} ran an event loop"
