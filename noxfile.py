"""Nox sessions: isolated per-package checks, lint, type checks, tests and benchmarks.

``nox -s isolated`` installs each package alone (with only the siblings it declares)
into its own virtual environment and imports every module of it, so an undeclared
sibling import (e.g. ``zzz_db`` importing ``zzz``) fails here even though the shared
development environment would hide it.
"""

from __future__ import annotations

from pathlib import Path

import nox

nox.options.default_venv_backend = "uv"
nox.options.sessions = ["lint", "typecheck", "isolated", "tests"]

ROOT = Path(__file__).parent
PACKAGES = {
    # package: (import name, the local siblings it declares)
    "zzz": ("zzz", []),
    "zzz_db": ("zzz_db", []),
    "zzz_jobs": ("zzz_jobs", ["zzz_db"]),
    "zzz_cli": ("zzz_cli", ["zzz"]),
}

IMPORT_ALL = """
import importlib, pkgutil, sys
root = importlib.import_module(sys.argv[1])
for info in pkgutil.walk_packages(root.__path__, prefix=sys.argv[1] + "."):
    # __main__ runs a program; a pytest plugin is only ever imported by pytest itself
    if info.name.endswith(("__main__", ".pytest_plugin")):
        continue
    try:
        importlib.import_module(info.name)
    except ImportError as exc:
        # an optional extra that is not installed announces itself with the pip command
        if "pip install" not in str(exc):
            raise
print("imported", sys.argv[1], "alone: ok")
"""


@nox.session
def lint(session: nox.Session) -> None:
    """ruff check and ruff format --check."""
    session.install("ruff")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session(python=False)
def typecheck(session: nox.Session) -> None:
    """mypy --strict over the workspace (uses the shared .venv from ``python3 dev.py``)."""
    session.run(".venv/bin/mypy", "packages", "tests", external=True)


@nox.session
@nox.parametrize("package", list(PACKAGES))
def isolated(session: nox.Session, package: str) -> None:
    """Install one package (plus its declared local siblings) alone and import all of it."""
    import_name, siblings = PACKAGES[package]
    for sibling in siblings:
        session.install("--no-deps", f"./packages/{sibling}")
    # siblings first without deps so the resolver never looks for them on the index
    sibling_deps = [f"./packages/{s}" for s in siblings]
    session.install(f"./packages/{package}", *sibling_deps)
    session.run("python", "-c", IMPORT_ALL, import_name)


@nox.session(python=False)
def tests(session: nox.Session) -> None:
    """The full test suite in the shared .venv."""
    session.run(".venv/bin/pytest", *session.posargs, external=True)


@nox.session(python=False)
def bench(session: nox.Session) -> None:
    """Run the benchmarks (``nox -s bench -- server``)."""
    session.run(".venv/bin/python", "benchmarks/run.py", *session.posargs, external=True)
