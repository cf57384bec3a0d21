"""Every ``python`` code block in docs/conn.md, docs/app.md and docs/testing.md runs."""

from __future__ import annotations

import re
from pathlib import Path

import anyio
import pytest

DOCS = Path(__file__).resolve().parents[3] / "docs"
BLOCK = re.compile(r"```python\n(.*?)```", re.S)


def _blocks() -> list[pytest.ParameterSet]:
    params = []
    for name in ("conn.md", "app.md", "testing.md"):
        text = (DOCS / name).read_text()
        for index, match in enumerate(BLOCK.finditer(text)):
            line = text[: match.start()].count("\n") + 2
            params.append(pytest.param(name, line, match.group(1), id=f"{name}:{index}"))
    return params


@pytest.mark.parametrize(("doc", "line", "source"), _blocks())
@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_doc_example_runs(doc: str, line: int, source: str, backend: str) -> None:
    namespace: dict[str, object] = {"__name__": f"docs_{doc.replace('.', '_')}_{line}"}
    code = compile("\n" * (line - 1) + source, str(DOCS / doc), "exec")
    exec(code, namespace)
    main = namespace.get("main")
    if callable(main):
        anyio.run(main, backend=backend)
