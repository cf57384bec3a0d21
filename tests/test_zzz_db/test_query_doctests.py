"""The examples in the sans-IO modules' docstrings run and print what they claim."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "zzz_db.fields",
    "zzz_db.query.builder.query",
    "zzz_db.query.compile.select",
    "zzz_db.query.fragment",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0
