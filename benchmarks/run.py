#!/usr/bin/env python3
"""Zzz benchmarks: each suite measures Zzz against its peers in the same run.

Usage::

    python benchmarks/run.py server [--duration 10] [--connections 64] [--only NAME ...]
    python benchmarks/run.py SUITE       # any benchmarks/bench_<suite>.py with a main(argv)

The ``server`` suite starts every server on loopback pinned to CPU 0 (``taskset -c 0``), drives
it with ``wrk`` pinned to CPU 1 for a bounded time, and prints requests/s, p50/p99 latency and
the ratio against uvicorn with its h11 parser, for plaintext and JSON, one worker each. It
installs what it needs: the workspace (via ``python3 dev.py``'s environment) and ``wrk`` from
Debian when it is missing.
"""

from __future__ import annotations

import argparse
import importlib
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PY = sys.executable


@dataclass(frozen=True)
class Target:
    """One server configuration to measure."""

    name: str
    argv: list[str]


def _targets(port: int) -> list[Target]:
    raw, zapp = "benchmarks.apps.raw_asgi:app", "benchmarks.apps.zzz_app:app"
    zzz = [PY, "-m", "zzz.server", "--host", "127.0.0.1", "--port", str(port)]
    uvi = [PY, "-m", "uvicorn", "--host", "127.0.0.1", "--port", str(port), "--log-level", "error"]
    uvi += ["--no-access-log"]
    return [
        Target("uvicorn h11", [*uvi, "--http", "h11", "--loop", "asyncio", raw]),
        Target("uvicorn httptools+uvloop", [*uvi, "--http", "httptools", "--loop", "uvloop", raw]),
        Target(
            "granian asgi",
            [
                PY,
                "-m",
                "granian",
                "--interface",
                "asgi",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                "1",
                "--log-level",
                "error",
                raw,
            ],
        ),
        Target(
            "hypercorn",
            [PY, "-m", "hypercorn", "--bind", f"127.0.0.1:{port}", "--log-level", "error", raw],
        ),
        Target("zzz h11 (asgi app)", [*zzz, "--http", "h11", "--backend", "asyncio", raw]),
        Target("zzz h11 (zzz app)", [*zzz, "--http", "h11", "--backend", "asyncio", zapp]),
        Target("zzz fast (asgi app)", [*zzz, "--http", "httptools", "--backend", "uvloop", raw]),
        Target("zzz fast (zzz app)", [*zzz, "--http", "httptools", "--backend", "uvloop", zapp]),
        Target("zzz h11 trio (zzz app)", [*zzz, "--http", "h11", "--backend", "trio", zapp]),
        Target("uvicorn h11 (zzz app)", [*uvi, "--http", "h11", "--loop", "asyncio", zapp]),
    ]


@dataclass(frozen=True)
class Result:
    """What wrk measured for one target and one endpoint."""

    rps: float
    p50_ms: float
    p99_ms: float


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_port(port: int, proc: subprocess.Popen[bytes], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), 0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("server did not start listening")


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s)", text)
    if not match:
        return float("nan")
    return float(match.group(1)) * _UNITS[match.group(2)]


def _wrk(url: str, duration: int, connections: int) -> Result:
    cmd = ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency", url]
    if shutil.which("taskset"):
        cmd = ["taskset", "-c", "1", *cmd]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=duration + 30)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out.stdout)
    p50 = re.search(r"^\s+50%\s+(\S+)", out.stdout, re.MULTILINE)
    p99 = re.search(r"^\s+99%\s+(\S+)", out.stdout, re.MULTILINE)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out.stdout)
    if errors:
        raise RuntimeError(f"{errors.group(1)} non-2xx responses from {url}")
    return Result(
        float(rps.group(1)) if rps else 0.0,
        _ms(p50.group(1)) if p50 else float("nan"),
        _ms(p99.group(1)) if p99 else float("nan"),
    )


def _ensure_wrk() -> None:
    if shutil.which("wrk"):
        return
    print("installing wrk (Debian package)", flush=True)
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True)


def server(argv: list[str]) -> None:
    """Run the HTTP server suite and print the table."""
    parser = argparse.ArgumentParser(prog="run.py server")
    parser.add_argument("--duration", type=int, default=10, help="seconds of wrk per endpoint")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--only", nargs="*", default=None, help="substrings of target names")
    args = parser.parse_args(argv)
    _ensure_wrk()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    results: dict[str, dict[str, Result]] = {}
    for target in _targets(_free_port()):
        if args.only and not any(o in target.name for o in args.only):
            continue
        port = int(target.argv[target.argv.index("--port") + 1]) if "--port" in target.argv else 0
        if not port:
            port = int(target.argv[target.argv.index("--bind") + 1].rsplit(":", 1)[1])
        cmd = ["taskset", "-c", "0", *target.argv] if shutil.which("taskset") else target.argv
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
        try:
            _wait_port(port, proc)
            base = f"http://127.0.0.1:{port}"
            _wrk(base + "/", 2, args.connections)  # warm-up
            results[target.name] = {
                "plaintext": _wrk(base + "/", args.duration, args.connections),
                "json": _wrk(base + "/json", args.duration, args.connections),
            }
            r = results[target.name]
            print(
                f"{target.name:28} plaintext {r['plaintext'].rps:>9.0f} req/s   "
                f"json {r['json'].rps:>9.0f} req/s",
                flush=True,
            )
        except (RuntimeError, subprocess.SubprocessError) as exc:
            print(f"{target.name:28} FAILED: {exc}", flush=True)
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    _print_table(results, args)


def _print_table(results: dict[str, dict[str, Result]], args: argparse.Namespace) -> None:
    base = results.get("uvicorn h11")
    print()
    print(
        f"wrk -t1 -c{args.connections} -d{args.duration}s; server on CPU 0, wrk on CPU 1; "
        f"ratio = req/s / uvicorn h11 req/s"
    )
    print("| server | endpoint | req/s | p50 ms | p99 ms | vs uvicorn h11 |")
    print("|---|---|---:|---:|---:|---:|")
    for name, per in results.items():
        for endpoint, r in per.items():
            ratio = f"{r.rps / base[endpoint].rps:.2f}x" if base and base[endpoint].rps else "-"
            print(
                f"| {name} | {endpoint} | {r.rps:.0f} | {r.p50_ms:.2f} | {r.p99_ms:.2f} | {ratio} |"
            )


def main() -> None:
    """Dispatch to a suite."""
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    suite, rest = sys.argv[1], sys.argv[2:]
    if suite == "server":
        server(rest)
        return
    sys.path.insert(0, str(ROOT))
    try:
        module = importlib.import_module(f"benchmarks.bench_{suite}")
    except ModuleNotFoundError:
        sys.exit(f"unknown suite {suite!r}: expected 'server' or a benchmarks/bench_<suite>.py")
    module.main(rest)


if __name__ == "__main__":
    main()
