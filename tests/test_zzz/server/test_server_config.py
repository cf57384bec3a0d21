"""ServerConfig validation, backend/parser resolution and the command-line flags."""

from __future__ import annotations

import importlib.util
import pickle
import socket

import pytest
from zzz.exceptions import ImproperlyConfigured
from zzz.server import Limits, ServerConfig
from zzz.server.__main__ import _config, build_parser
from zzz.server.listener import bind_sockets


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"port": 70000}, "port"),
        ({"workers": 0}, "workers"),
        ({"workers": 2, "port": 0}, "explicit port"),
        ({"backend": "gevent"}, "backend"),
        ({"http": "h2"}, "http"),
        ({"lifespan": "maybe"}, "lifespan"),
        ({"log_level": "loud"}, "log_level"),
        ({"graceful_timeout": -1}, "graceful_timeout"),
        ({"backlog": 0}, "backlog"),
        ({"root_path": "api"}, "root_path"),
        ({"root_path": "/api/"}, "root_path"),
        ({"keyfile": "/tmp/key.pem"}, "keyfile without certfile"),
        ({"forwarded_allow_ips": ("not-an-ip",)}, "forwarded_allow_ips"),
    ],
)
def test_invalid_values_fail_at_startup(options: dict[str, object], message: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=message):
        ServerConfig(**options)  # type: ignore[arg-type]


def test_defaults() -> None:
    config = ServerConfig()
    assert (config.host, config.port, config.workers) == ("127.0.0.1", 4000, 1)
    assert config.proxy_headers is False
    assert config.limits == Limits()
    assert not config.tls


def test_backend_resolution() -> None:
    has_uvloop = importlib.util.find_spec("uvloop") is not None
    assert ServerConfig(backend="auto").resolved_backend() == (
        "asyncio",
        {"use_uvloop": has_uvloop},
    )
    assert ServerConfig(backend="asyncio").resolved_backend() == ("asyncio", {"use_uvloop": False})
    assert ServerConfig(backend="trio").resolved_backend() == ("trio", {})
    if has_uvloop:
        assert ServerConfig(backend="uvloop").resolved_backend() == (
            "asyncio",
            {"use_uvloop": True},
        )


def test_http_resolution() -> None:
    has_httptools = importlib.util.find_spec("httptools") is not None
    assert ServerConfig(http="auto").resolved_http() == ("httptools" if has_httptools else "h11")
    assert ServerConfig(http="h11").resolved_http() == "h11"


def test_config_pickles_for_worker_processes() -> None:
    config = ServerConfig(port=1234, limits=Limits(max_body_bytes=10))
    assert pickle.loads(pickle.dumps(config)) == config


def test_command_line_flags() -> None:
    args = build_parser().parse_args(
        [
            "pkg.mod:app",
            "--port",
            "8000",
            "--workers",
            "3",
            "--backend",
            "trio",
            "--http",
            "h11",
            "--max-body-bytes",
            "1000",
            "--header-timeout",
            "2.5",
            "--forwarded-allow-ips",
            "10.0.0.0/8, 127.0.0.1",
            "--proxy-headers",
        ]
    )
    config = _config(args)
    assert args.app == "pkg.mod:app"
    assert (config.port, config.workers, config.backend, config.http) == (8000, 3, "trio", "h11")
    assert config.limits.max_body_bytes == 1000
    assert config.limits.header_timeout == 2.5
    assert config.limits.max_connections == Limits().max_connections
    assert config.forwarded_allow_ips == ("10.0.0.0/8", "127.0.0.1")
    assert config.proxy_headers


def test_bad_sni_flag_is_a_usage_error() -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["a:b", "--sni", "no-equals-sign"])


def test_bind_sockets_localhost_shares_one_port() -> None:
    sockets = bind_sockets(ServerConfig(host="localhost", port=0))
    try:
        ports = {sock.getsockname()[1] for sock in sockets}
        assert len(ports) == 1
        assert all(sock.get_inheritable() for sock in sockets)
        assert all(sock.type == socket.SOCK_STREAM for sock in sockets)
    finally:
        for sock in sockets:
            sock.close()
