#!/usr/bin/env python3
"""Zzz benchmarks: each suite measures Zzz against its peers in the same run.

Usage::

    python benchmarks/run.py server  [--duration 10] [--connections 64] [--only NAME ...]
    python benchmarks/run.py routing [--duration 10] [--connections 64] [--only NAME ...]
    python benchmarks/run.py SUITE [...]   # any benchmarks/bench_<suite>.py with main(argv)

HTTP suites start every server on loopback pinned to CPU 0 (``taskset -c 0``), drive it with
``wrk`` pinned to CPU 1 for a bounded time, and print requests/s, p50/p99 latency and ratios
against the peers measured in the same run. They install ``wrk`` from Debian when missing; the
Python peers come with the workspace's dev dependencies (``python3 dev.py test`` sets them up).
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    """Dispatch to a suite module ``benchmarks/bench_<suite>.py``."""
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    suite, rest = sys.argv[1], sys.argv[2:]
    sys.path.insert(0, str(ROOT))
    try:
        module = importlib.import_module(f"benchmarks.bench_{suite}")
    except ModuleNotFoundError as exc:
        if exc.name != f"benchmarks.bench_{suite}":
            raise
        sys.exit(f"unknown suite {suite!r}: expected a benchmarks/bench_<suite>.py")
    module.main(rest)


if __name__ == "__main__":
    main()
