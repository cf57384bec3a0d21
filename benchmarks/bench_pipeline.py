"""The browser-pipeline suite: Logger + Session + CSRF + a small HTML page, Zzz plugs vs the
equivalent Starlette middleware stack, both behind the same servers (uvicorn and the Zzz
server, h11 and httptools + uvloop). Every request starts a new session, so both sides sign a
new session cookie and mask a CSRF token on every response."""

from __future__ import annotations

import argparse
import subprocess

from benchmarks.harness import Result, ensure_wrk, measure

APPS = {
    "zzz": "benchmarks.apps.pipeline_zzz:app",
    "starlette": "benchmarks.apps.pipeline_starlette:app",
}
SERVERS = ["uvicorn-h11", "uvicorn-fast", "zzz-h11", "zzz-fast"]


def main(argv: list[str]) -> None:
    """Run the suite and print a Markdown table."""
    parser = argparse.ArgumentParser(prog="run.py pipeline")
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--only", nargs="*", default=None, help="server names")
    args = parser.parse_args(argv)
    ensure_wrk()
    results: dict[tuple[str, str], Result] = {}
    for server in SERVERS:
        if args.only and server not in args.only:
            continue
        for name, app in APPS.items():
            try:
                results[(name, server)] = measure(
                    server, app, ["/"], args.duration, args.connections
                )
            except (RuntimeError, subprocess.SubprocessError) as exc:
                print(f"{name} on {server} FAILED: {exc}", flush=True)
                continue
            print(f"{name:10} on {server:13} {results[(name, server)].rps:>9.0f} req/s", flush=True)
    print(f"\nwrk -t1 -c{args.connections} -d{args.duration}s; server on CPU 0, wrk on CPU 1")
    print("| app | server | req/s | p50 ms | p99 ms | vs Starlette, same server |")
    print("|---|---|---:|---:|---:|---:|")
    for (name, server), r in results.items():
        ref = results.get(("starlette", server))
        ratio = f"{r.rps / ref.rps:.2f}x" if ref and ref.rps else "-"
        print(f"| {name} | {server} | {r.rps:.0f} | {r.p50_ms:.2f} | {r.p99_ms:.2f} | {ratio} |")
