"""``--workers N``: processes sharing the socket, restart on crash, graceful stop."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import httpx
import pytest
from zzz.exceptions import ImproperlyConfigured
from zzz.server import ServerConfig, run
from zzz.server.supervisor import import_app

APP_SOURCE = textwrap.dedent(
    """
    import os
    from pathlib import Path

    import anyio


    class App:
        async def startup(self):
            if os.environ.get("ZZZ_TEST_FAIL_STARTUP"):
                raise RuntimeError("cannot start")

        async def shutdown(self):
            pass

        async def handle_http(self, head, body, response):
            if head.path == "/slow":
                Path("slow-started").write_text("yes")
                await anyio.sleep(0.5)
            await response.respond(200, [], str(os.getpid()).encode())


    native = App()
    """
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def worker_pids(supervisor: int) -> set[int]:
    """Live worker processes (spawned children, not the resource tracker)."""
    pids = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == supervisor and fields[0] != "Z" and b"spawn_main" in cmdline:
            pids.add(int(entry.name))
    return pids


def wait_for(condition: object, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.05)
    pytest.fail("condition not met in time")


def start(tmp_path: Path, port: int, *extra: str, fail: bool = False) -> subprocess.Popen[bytes]:
    (tmp_path / "zzz_sup_app.py").write_text(APP_SOURCE)
    env = {**os.environ}
    if fail:
        env["ZZZ_TEST_FAIL_STARTUP"] = "1"
    command = [sys.executable, "-m", "zzz.server", "zzz_sup_app:native", "--port", str(port)]
    return subprocess.Popen(
        [*command, "--workers", "2", "--log-level", "warning", *extra],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def get(port: int, path: str = "/") -> httpx.Response:
    return httpx.get(f"http://127.0.0.1:{port}{path}", timeout=5)


def serving(port: int) -> bool:
    try:
        return get(port).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.mark.slow
def test_crashed_worker_is_replaced_and_shutdown_is_graceful(tmp_path: Path) -> None:
    port = free_port()
    process = start(tmp_path, port, "--graceful-timeout", "5")
    try:
        wait_for(lambda: len(worker_pids(process.pid)) == 2 and serving(port))
        before = worker_pids(process.pid)
        victim = min(before)
        os.kill(victim, signal.SIGKILL)
        wait_for(lambda: len(worker_pids(process.pid) - {victim}) == 2)
        after = worker_pids(process.pid)
        assert victim not in after
        assert len(after - before) == 1
        wait_for(lambda: serving(port))

        # SIGTERM while a request is in flight: it still completes.
        result: dict[str, object] = {}

        def slow_request() -> None:
            try:
                result["r"] = get(port, "/slow")
            except Exception as exc:
                result["r"] = exc

        thread = threading.Thread(target=slow_request)
        thread.start()
        wait_for((tmp_path / "slow-started").exists)
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        assert process.wait(15) == 0
        thread.join(5)
        assert time.monotonic() - started < 10
        response = result["r"]
        assert isinstance(response, httpx.Response), response
        assert response.status_code == 200
        assert not worker_pids(process.pid)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()


@pytest.mark.slow
def test_startup_failure_in_workers_stops_the_supervisor(tmp_path: Path) -> None:
    process = start(tmp_path, free_port(), fail=True)
    try:
        assert process.wait(30) == 1
        assert process.stdout is not None
        assert b"cannot start" in process.stdout.read()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()


def test_import_app_errors() -> None:
    with pytest.raises(ImproperlyConfigured, match="must look like"):
        import_app("no_colon")
    with pytest.raises(ImproperlyConfigured, match="cannot import module"):
        import_app("zzz_surely_missing_module:app")
    with pytest.raises(ImproperlyConfigured, match="no attribute 'nope'"):
        import_app("zzz.server:nope")
    with pytest.raises(ImproperlyConfigured, match="neither"):
        import_app("zzz.server.listener:logger")
    assert import_app("zzz.server:serve") is not None


def test_workers_need_an_import_string() -> None:
    async def app(scope: object, receive: object, send: object) -> None:
        raise AssertionError

    with pytest.raises(ImproperlyConfigured, match="import string"):
        run(app, ServerConfig(port=4999, workers=2))
