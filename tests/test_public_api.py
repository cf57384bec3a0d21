"""Each package's ``__all__`` is complete, sorted, and every public name has one home."""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

import pytest

PACKAGES = ["zzz", "zzz_db", "zzz_jobs", "zzz_cli"]


def _public_modules(package: str) -> list[ModuleType]:
    root = importlib.import_module(package)
    modules = [root]
    for info in pkgutil.walk_packages(root.__path__, prefix=f"{package}."):
        if any(part.startswith("_") for part in info.name.split(".")[1:]):
            continue
        if info.name.endswith("__main__"):
            continue
        try:
            modules.append(importlib.import_module(info.name))
        except ImportError as exc:  # an optional extra that is not installed
            if "pip install" in str(exc):
                continue
            raise
    return modules


@pytest.mark.parametrize("package", PACKAGES)
def test_all_is_sorted_and_unique(package: str) -> None:
    for module in _public_modules(package):
        names = getattr(module, "__all__", None)
        assert names is not None, f"{module.__name__} has no __all__"
        assert list(names) == sorted(names), f"{module.__name__}.__all__ is not sorted"
        assert len(set(names)) == len(names), f"{module.__name__}.__all__ has duplicates"
        for name in names:
            assert hasattr(module, name), f"{module.__name__}.__all__ names missing {name!r}"


@pytest.mark.parametrize("package", PACKAGES)
def test_all_is_complete(package: str) -> None:
    """Every public class or function defined in a module is listed in its ``__all__``."""
    for module in _public_modules(package):
        names = set(getattr(module, "__all__", ()))
        for name, value in vars(module).items():
            if name.startswith("_"):
                continue
            defined_here = getattr(value, "__module__", None) == module.__name__
            if defined_here and (isinstance(value, type) or callable(value)):
                assert name in names, f"{module.__name__}.{name} is public but not in __all__"


@pytest.mark.parametrize("package", PACKAGES)
def test_each_public_name_has_one_home(package: str) -> None:
    """A public object is defined in exactly one module and re-exported only upwards."""
    homes: dict[int, str] = {}
    for module in _public_modules(package):
        for name in getattr(module, "__all__", ()):
            value = getattr(module, name)
            if not (isinstance(value, type) or callable(value)):
                continue
            home = getattr(value, "__module__", None)
            if home is None or not home.startswith(package):
                continue
            key = id(value)
            if key in homes:
                assert homes[key] == home
            homes[key] = home
            # a re-export must come from a parent package of the defining module
            assert home == module.__name__ or home.startswith(module.__name__ + "."), (
                f"{module.__name__} re-exports {name} from {home}, which is not below it"
            )
