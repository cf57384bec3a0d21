#!/usr/bin/env python3
"""Set up the development environment and run the example app or the test suite.

Only the standard library is used here, so this works on a fresh machine with
Python 3.11+ and nothing installed by hand::

    python3 dev.py serve     # set up, then serve the example app on http://127.0.0.1:4000/
    python3 dev.py test      # set up, then run lint, type checks and every test

Setting up means: create ``.venv`` (if missing), install ``uv`` into it, and
``uv sync`` the workspace (all four packages from ``packages/`` in editable mode,
with every extra and the dev tools). The sibling packages always resolve to the
local source tree; nothing named ``zzz-*`` is fetched from the package index.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")


def run(*args: str | Path, env: dict[str, str] | None = None) -> None:
    """Run a command from the repository root, exiting with its status on failure."""
    printable = " ".join(str(a) for a in args)
    print(f"+ {printable}", flush=True)
    result = subprocess.run([str(a) for a in args], cwd=ROOT, env=env, check=False)
    if result.returncode != 0:
        print(f"dev.py: command failed with exit code {result.returncode}: {printable}")
        sys.exit(result.returncode)


def setup() -> None:
    """Create the virtual environment and install the workspace into it."""
    if sys.version_info < (3, 11):  # noqa: UP036 - users may run an older python3
        sys.exit(f"Zzz needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    if not (BIN / "python").exists():
        print(f"creating {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    if not (BIN / "uv").exists():
        run(BIN / "python", "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "uv")
    env = {**os.environ, "UV_PROJECT_ENVIRONMENT": str(VENV)}
    run(BIN / "uv", "sync", "--python", BIN / "python", "--all-packages", env=env)


def serve(extra: list[str]) -> None:
    """Serve the example app on http://127.0.0.1:4000/ (SQLite, no server needed)."""
    setup()
    args = extra or ["--host", "127.0.0.1", "--port", "4000"]
    os.chdir(ROOT)
    os.execv(
        str(BIN / "python"), [str(BIN / "python"), "-m", "zzz.server", "example_app.app:app", *args]
    )


def test(extra: list[str]) -> None:
    """Lint, type-check and run every test (services are used when reachable)."""
    setup()
    run(BIN / "ruff", "check", ".")
    run(BIN / "ruff", "format", "--check", ".")
    run(BIN / "mypy", "packages", "tests", "example_app", "benchmarks", "noxfile.py", "dev.py")
    run(BIN / "nox", "--no-error-on-missing-interpreters", "-s", "isolated")
    run(BIN / "pytest", "-p", "no:cacheprovider", *extra)


def main() -> None:
    """Dispatch ``serve`` or ``test``."""
    commands = {"serve": serve, "test": test}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        sys.exit("usage: python3 dev.py serve|test [args...]")
    commands[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    main()
