"""The browser-pipeline suite: Logger + Session + CSRF + a small HTML page, Zzz plugs vs the
equivalent Starlette middleware stack, both behind the same servers (uvicorn and the Zzz
server, h11 and httptools + uvloop). Every request starts a new session, so both sides sign a
new session cookie and mask a CSRF token on every response."""

from __future__ import annotations

import argparse
import subprocess
import time
from typing import Any

import anyio

from benchmarks.harness import Result, ensure_wrk, measure

APPS = {
    "zzz": "benchmarks.apps.pipeline_zzz:app",
    "starlette": "benchmarks.apps.pipeline_starlette:app",
}
SERVERS = ["uvicorn-h11", "uvicorn-fast", "zzz-h11", "zzz-fast"]


class _Body:
    async def receive(self) -> bytes:
        return b""


class _Writer:
    """A ResponseWriter that drops the response (the app's own work is what is timed)."""

    async def respond(self, status: int, headers: Any, body: bytes) -> None:
        self.status = status

    async def start(self, status: int, headers: Any) -> None:
        self.status = status

    async def write(self, data: bytes) -> None:
        pass

    async def end(self) -> None:
        pass

    async def send_file(self, *args: Any, **kwargs: Any) -> None:
        pass


async def _in_process(number: int) -> dict[str, float]:
    from zzz.types import RequestHead

    from benchmarks.apps.pipeline_starlette import app as starlette_app
    from benchmarks.apps.pipeline_zzz import app as zzz_app

    headers = [(b"host", b"localhost"), (b"user-agent", b"wrk")]
    body, writer = _Body(), _Writer()
    await zzz_app.startup()

    async def zzz_once() -> None:
        await zzz_app.handle_http(RequestHead("GET", "/", b"/", b"", list(headers)), body, writer)

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Any) -> None:
        pass

    async def starlette_once() -> None:
        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
            "scheme": "http", "path": "/", "raw_path": b"/", "root_path": "",
            "query_string": b"", "headers": list(headers), "client": ("127.0.0.1", 1),
            "server": ("127.0.0.1", 80),
        }  # fmt: skip
        await starlette_app(scope, receive, send)

    times = {}
    for name, once in (("zzz", zzz_once), ("starlette", starlette_once)):
        for _ in range(number // 10):  # warm-up
            await once()
        best = float("inf")
        for _ in range(3):
            start = time.process_time()
            for _ in range(number):
                await once()
            best = min(best, (time.process_time() - start) / number)
        times[name] = best
    return times


def main(argv: list[str]) -> None:
    """Run the suite and print a Markdown table."""
    parser = argparse.ArgumentParser(prog="run.py pipeline")
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--only", nargs="*", default=None, help="server names")
    parser.add_argument(
        "--in-process",
        type=int,
        default=20000,
        metavar="N",
        help="requests per in-process timing run (0: skip)",
    )
    args = parser.parse_args(argv)
    if args.in_process:
        times = anyio.run(_in_process, args.in_process)
        print("in-process, no server (CPU time per request, best of 3):")
        for name, t in times.items():
            print(f"  {name:10} {t * 1e6:6.1f} us")
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
