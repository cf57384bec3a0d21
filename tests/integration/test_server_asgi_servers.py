"""ASGI both ways across real servers.

* A native app wrapped by ``asgi_to_native`` runs under uvicorn and granian
  (HTTP and lifespan), each started as a subprocess.
* ``python -m zzz.server`` serves a native app and a Starlette app, then stops
  gracefully on SIGTERM.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import httpx
import pytest

APP_SOURCE = textwrap.dedent(
    """
    import os
    from pathlib import Path

    from zzz.server import asgi_to_native

    MARKS = Path(os.environ["ZZZ_TEST_MARKS"])


    class App:
        async def startup(self):
            (MARKS / "startup").write_text("ok")

        async def shutdown(self):
            (MARKS / "shutdown").write_text("ok")

        async def handle_http(self, head, body, response):
            data = b""
            while chunk := await body.receive():
                data += chunk
            if head.path == "/stream":
                await response.start(200, [(b"content-type", b"text/plain")])
                for part in (b"x", b"y", b"z"):
                    await response.write(part)
                await response.end()
                return
            text = f"{head.method} {head.path} {head.query_string.decode()} {data.decode()}"
            await response.respond(200, [(b"content-type", b"text/plain")], text.encode())


    native = App()
    asgi = asgi_to_native(native)
    """
)

STARLETTE_SOURCE = textwrap.dedent(
    """
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse, StreamingResponse
    from starlette.routing import Route


    async def hello(request):
        return JSONResponse({"message": "Hello, World!", "path": request.url.path})


    async def stream(request):
        async def parts():
            for part in ("a", "b", "c"):
                yield part
        return StreamingResponse(parts(), media_type="text/plain")


    app = Starlette(routes=[Route("/hello", hello), Route("/stream", stream)])
    """
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_ready(port: int, process: subprocess.Popen[bytes], timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout.read().decode() if process.stdout else ""
            pytest.fail(f"server exited early ({process.returncode}):\n{output}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    pytest.fail("server did not start listening in time")


def stop(process: subprocess.Popen[bytes], timeout: float = 15) -> int:
    process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        pytest.fail("server did not stop within the timeout after SIGTERM")


@pytest.fixture
def app_dir(tmp_path: Path) -> Path:
    (tmp_path / "zzz_it_native.py").write_text(APP_SOURCE)
    (tmp_path / "zzz_it_starlette.py").write_text(STARLETTE_SOURCE)
    return tmp_path


def start(command: list[str], app_dir: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "ZZZ_TEST_MARKS": str(app_dir), "PYTHONPATH": str(app_dir)}
    process = subprocess.Popen(
        command, cwd=app_dir, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    wait_ready(port, process)
    return process


def check_native(port: int) -> None:
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
        posted = client.post("/echo?a=1", content=b"body")
        streamed = client.get("/stream")
    assert posted.status_code == 200
    assert posted.text == "POST /echo a=1 body"
    assert streamed.text == "xyz"


@pytest.mark.parametrize("server", ["uvicorn", "granian"])
def test_native_app_under_other_asgi_servers(server: str, app_dir: Path) -> None:
    port = free_port()
    bin_dir = Path(sys.executable).parent
    if server == "uvicorn":
        command = [sys.executable, "-m", "uvicorn", "zzz_it_native:asgi", "--port", str(port)]
        command += ["--log-level", "warning", "--lifespan", "on"]
    else:
        command = [str(bin_dir / "granian"), "--interface", "asgi", "--port", str(port)]
        command += ["--no-ws", "--log-level", "warning", "zzz_it_native:asgi"]
    process = start(command, app_dir, port)
    try:
        assert (app_dir / "startup").exists()
        check_native(port)
    finally:
        stop(process)
    assert (app_dir / "shutdown").exists()


def test_zzz_server_cli_serves_a_native_app(app_dir: Path) -> None:
    port = free_port()
    command = [sys.executable, "-m", "zzz.server", "zzz_it_native:native", "--port", str(port)]
    process = start([*command, "--http", "h11", "--backend", "trio"], app_dir, port)
    try:
        check_native(port)
    finally:
        assert stop(process) == 0
    assert (app_dir / "startup").exists()
    assert (app_dir / "shutdown").exists()


def test_zzz_server_cli_serves_a_starlette_app(app_dir: Path) -> None:
    port = free_port()
    command = [sys.executable, "-m", "zzz.server", "zzz_it_starlette:app", "--port", str(port)]
    process = start([*command, "--backend", "asyncio"], app_dir, port)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
            hello = client.get("/hello")
            streamed = client.get("/stream")
            missing = client.get("/missing")
    finally:
        assert stop(process) == 0
    assert hello.json() == {"message": "Hello, World!", "path": "/hello"}
    assert streamed.text == "abc"
    assert missing.status_code == 404


def test_zzz_server_cli_reports_bad_input(app_dir: Path) -> None:
    run = [sys.executable, "-m", "zzz.server"]
    env = {**os.environ, "ZZZ_TEST_MARKS": str(app_dir)}
    missing = subprocess.run(
        [*run, "no_such_module:app", "--port", "0"],
        cwd=app_dir,
        env=env,
        capture_output=True,
        timeout=30,
        check=False,
    )
    assert missing.returncode == 2
    assert b"cannot import module 'no_such_module'" in missing.stderr
    bad_limit = subprocess.run(
        [*run, "zzz_it_native:native", "--max-body-bytes", "0"],
        cwd=app_dir,
        env=env,
        capture_output=True,
        timeout=30,
        check=False,
    )
    assert bad_limit.returncode == 2
    assert b"max_body_bytes" in bad_limit.stderr
