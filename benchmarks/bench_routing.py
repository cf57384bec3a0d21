"""The routing suite: a 200-route table (static, param, wildcard, nested scopes) behind three
middlewares, through the full stack, Zzz vs Starlette, FastAPI and Litestar.

Each framework serves the same table (``apps/routing_*.py``) with its fastest middleware form
(plugs for Zzz, pure ASGI middleware for the others). wrk cycles through eight URLs covering
every route kind. Every app is measured behind the same servers: uvicorn (h11, and httptools +
uvloop) and the Zzz server (h11, and httptools + uvloop; it serves any ASGI app). A lookup-only
micro-benchmark compares ``Router.match`` with Starlette's route scan.
"""

from __future__ import annotations

import argparse
import subprocess
import timeit

from benchmarks.apps.routing_table import REQUEST_PATHS
from benchmarks.harness import Result, ensure_wrk, measure

APPS = {
    "zzz": "benchmarks.apps.routing_zzz:app",
    "starlette": "benchmarks.apps.routing_starlette:app",
    "fastapi": "benchmarks.apps.routing_fastapi:app",
    "litestar": "benchmarks.apps.routing_litestar:app",
}
SERVERS = ["uvicorn-h11", "uvicorn-fast", "zzz-h11", "zzz-fast"]


def lookup() -> None:
    """Micro-benchmark: route lookup alone, no I/O."""
    from starlette.routing import Match

    from benchmarks.apps.routing_starlette import app as starlette_app
    from benchmarks.apps.routing_zzz import router

    def zzz_all() -> None:
        for path in REQUEST_PATHS:
            router.match("GET", path)

    routes = starlette_app.router.routes

    def starlette_all() -> None:
        for path in REQUEST_PATHS:
            scope = {"type": "http", "path": path, "method": "GET", "root_path": ""}
            for route in routes:
                match, _ = route.matches(scope)
                if match is Match.FULL:
                    break

    print("\nlookup only (8 paths per call):")
    per = {}
    for name, fn in (("zzz Router.match", zzz_all), ("starlette route scan", starlette_all)):
        number = 2000
        best = min(timeit.repeat(fn, number=number, repeat=5)) / (number * len(REQUEST_PATHS))
        per[name] = best
        print(f"  {name:24} {best * 1e6:7.2f} us/lookup  {1 / best:12.0f} lookups/s")
    ratio = per["starlette route scan"] / per["zzz Router.match"]
    print(f"  zzz is {ratio:.1f}x faster than Starlette's scan")


def main(argv: list[str]) -> None:
    """Run the suite and print a Markdown table."""
    parser = argparse.ArgumentParser(prog="run.py routing")
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--only", nargs="*", default=None, help="app or server names")
    args = parser.parse_args(argv)
    lookup()
    ensure_wrk()
    results: dict[tuple[str, str], Result] = {}
    for server in SERVERS:
        for app_name, app in APPS.items():
            if args.only and not any(o in (app_name, server) for o in args.only):
                continue
            try:
                r = measure(server, app, REQUEST_PATHS, args.duration, args.connections)
            except (RuntimeError, subprocess.SubprocessError) as exc:
                print(f"{app_name:10} on {server:13} FAILED: {exc}", flush=True)
                continue
            results[(app_name, server)] = r
            print(f"{app_name:10} on {server:13} {r.rps:>9.0f} req/s", flush=True)
    print(
        f"\nwrk -t1 -c{args.connections} -d{args.duration}s, 8 URLs round-robin; "
        "server on CPU 0, wrk on CPU 1; ratio = req/s / Starlette's on the same server"
    )
    print("| app | server | req/s | p50 ms | p99 ms | vs Starlette, same server |")
    print("|---|---|---:|---:|---:|---:|")
    for (app_name, server), r in results.items():
        ref = results.get(("starlette", server))
        ratio = f"{r.rps / ref.rps:.2f}x" if ref and ref.rps else "-"
        print(
            f"| {app_name} | {server} | {r.rps:.0f} | {r.p50_ms:.2f} | {r.p99_ms:.2f} | {ratio} |"
        )
