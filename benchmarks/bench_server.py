"""The HTTP server suite: plaintext and JSON, one worker each, Zzz vs its peers.

Every server serves the same raw ASGI app (``apps/raw_asgi.py``); Zzz also serves the same
endpoints written as a Zzz app (``apps/zzz_app.py``), natively and under uvicorn.
"""

from __future__ import annotations

import argparse
import subprocess

from benchmarks.harness import Result, ensure_wrk, measure

RAW, ZAPP = "benchmarks.apps.raw_asgi:app", "benchmarks.apps.zzz_app:app"
TARGETS = [
    ("uvicorn h11", "uvicorn-h11", RAW),
    ("uvicorn httptools+uvloop", "uvicorn-fast", RAW),
    ("granian asgi", "granian", RAW),
    ("hypercorn", "hypercorn", RAW),
    ("zzz h11 (asgi app)", "zzz-h11", RAW),
    ("zzz h11 (zzz app)", "zzz-h11", ZAPP),
    ("zzz fast (asgi app)", "zzz-fast", RAW),
    ("zzz fast (zzz app)", "zzz-fast", ZAPP),
    ("zzz trio h11 (zzz app)", "zzz-trio", ZAPP),
    ("uvicorn h11 (zzz app)", "uvicorn-h11", ZAPP),
]


def main(argv: list[str]) -> None:
    """Run the suite and print a Markdown table."""
    parser = argparse.ArgumentParser(prog="run.py server")
    parser.add_argument("--duration", type=int, default=10, help="seconds of wrk per endpoint")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--only", nargs="*", default=None, help="substrings of target names")
    args = parser.parse_args(argv)
    ensure_wrk()
    results: dict[str, dict[str, Result]] = {}
    for name, kind, app in TARGETS:
        if args.only and name != "uvicorn h11" and not any(o in name for o in args.only):
            continue
        try:
            results[name] = {
                endpoint: measure(kind, app, [path], args.duration, args.connections)
                for endpoint, path in (("plaintext", "/"), ("json", "/json"))
            }
        except (RuntimeError, subprocess.SubprocessError) as exc:
            print(f"{name:28} FAILED: {exc}", flush=True)
            continue
        r = results[name]
        print(
            f"{name:28} plaintext {r['plaintext'].rps:>9.0f} req/s   "
            f"json {r['json'].rps:>9.0f} req/s",
            flush=True,
        )
    base = results.get("uvicorn h11")
    print(f"\nwrk -t1 -c{args.connections} -d{args.duration}s; server on CPU 0, wrk on CPU 1")
    print("| server | endpoint | req/s | p50 ms | p99 ms | vs uvicorn h11 |")
    print("|---|---|---:|---:|---:|---:|")
    for name, per in results.items():
        for endpoint, res in per.items():
            ref = base[endpoint].rps if base else 0.0
            ratio = f"{res.rps / ref:.2f}x" if ref else "-"
            print(
                f"| {name} | {endpoint} | {res.rps:.0f} | {res.p50_ms:.2f} | {res.p99_ms:.2f} "
                f"| {ratio} |"
            )
