"""The Python examples in docs/router.md run, each block in its own namespace."""

from __future__ import annotations

import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[3] / "docs" / "router.md"


def test_router_doc_examples_run(capsys):
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert len(blocks) >= 8
    for number, block in enumerate(blocks, 1):
        namespace: dict[str, object] = {"__name__": f"router_doc_{number}"}
        exec(compile(block, f"{DOC}:block{number}", "exec"), namespace)
    assert "home" in capsys.readouterr().out
