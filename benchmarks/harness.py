"""Shared machinery of the HTTP benchmarks: start a server pinned to CPU 0, load it with wrk
pinned to CPU 1, parse wrk's numbers."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


@dataclass(frozen=True)
class Result:
    """What wrk measured for one target and one endpoint."""

    rps: float
    p50_ms: float
    p99_ms: float


def free_port() -> int:
    """An unused TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def ensure_wrk() -> None:
    """Install Debian's wrk when it is missing."""
    if shutil.which("wrk"):
        return
    print("installing wrk (Debian package)", flush=True)
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True)


def _pin(cpu: int, cmd: Sequence[str]) -> list[str]:
    if shutil.which("taskset") and (os.cpu_count() or 1) > 1:
        return ["taskset", "-c", str(cpu), *cmd]
    return list(cmd)


def server_command(kind: str, app: str, port: int) -> list[str]:
    """The command line of one server configuration serving ``app`` ("module:attr")."""
    host = ["--host", "127.0.0.1", "--port", str(port)]
    uvi = [PY, "-m", "uvicorn", *host, "--log-level", "error", "--no-access-log"]
    zzz = [PY, "-m", "zzz.server", *host, "--log-level", "warning"]
    commands = {
        "uvicorn-h11": [*uvi, "--http", "h11", "--loop", "asyncio", app],
        "uvicorn-fast": [*uvi, "--http", "httptools", "--loop", "uvloop", app],
        "granian": [
            PY,
            "-m",
            "granian",
            "--interface",
            "asgi",
            *host,
            "--workers",
            "1",
            "--log-level",
            "error",
            app,
        ],
        "hypercorn": [
            PY,
            "-m",
            "hypercorn",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "error",
            app,
        ],
        "zzz-h11": [*zzz, "--http", "h11", "--backend", "asyncio", app],
        "zzz-fast": [*zzz, "--http", "httptools", "--backend", "uvloop", app],
        "zzz-trio": [*zzz, "--http", "h11", "--backend", "trio", app],
    }
    return commands[kind]


@contextmanager
def running(cmd: Sequence[str], port: int, timeout: float = 30.0) -> Iterator[str]:
    """Start ``cmd`` pinned to CPU 0, wait until ``port`` accepts, yield the base URL."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LITESTAR_WARN_SYNC_TO_THREAD_WITH_ASYNC": "0"}
    proc = subprocess.Popen(_pin(0, cmd), cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited with {proc.returncode}")
            try:
                with socket.create_connection(("127.0.0.1", port), 0.2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("server did not start listening") from None
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s)", text)
    return float(match.group(1)) * _UNITS[match.group(2)] if match else float("nan")


_LUA = """
paths = {%s}
i = 0
request = function()
  i = i %% #paths + 1
  return wrk.format("GET", paths[i])
end
"""


def wrk(base: str, paths: Sequence[str], duration: int, connections: int) -> Result:
    """Load ``base`` with wrk for ``duration`` seconds, cycling through ``paths``."""
    cmd = ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency"]
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(_LUA % ", ".join(f'"{p}"' for p in paths))
    try:
        if len(paths) > 1:
            cmd += ["-s", script.name]
        cmd.append(base + paths[0])
        out = subprocess.run(
            _pin(1, cmd), capture_output=True, text=True, check=True, timeout=duration + 30
        ).stdout
    finally:
        os.unlink(script.name)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise RuntimeError(f"{errors.group(1)} non-2xx responses from {base}")
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p50 = re.search(r"^\s+50%\s+(\S+)", out, re.MULTILINE)
    p99 = re.search(r"^\s+99%\s+(\S+)", out, re.MULTILINE)
    return Result(
        float(rps.group(1)) if rps else 0.0,
        _ms(p50.group(1)) if p50 else float("nan"),
        _ms(p99.group(1)) if p99 else float("nan"),
    )


def measure(kind: str, app: str, paths: Sequence[str], duration: int, connections: int) -> Result:
    """Start one server configuration, warm it up, and measure it."""
    port = free_port()
    with running(server_command(kind, app, port), port) as base:
        wrk(base, paths, 2, connections)
        return wrk(base, paths, duration, connections)
