"""Shared pytest configuration: every async test runs on asyncio and on trio."""

from __future__ import annotations

import os

import pytest

#: In CI a missing service is a failure, not a skip.
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@pytest.fixture(
    params=[
        pytest.param(("asyncio", {"use_uvloop": False}), id="asyncio"),
        pytest.param(("trio", {}), id="trio"),
    ]
)
def anyio_backend(request: pytest.FixtureRequest) -> tuple[str, dict[str, object]]:
    """Run each ``@pytest.mark.anyio`` test once per backend."""
    return request.param  # type: ignore[no-any-return]


def service_unavailable(name: str, url: str, error: BaseException) -> None:
    """Skip (locally) or fail (in CI) a test whose backing service is not reachable."""
    message = f"{name} not reachable at {url}: {error!r}"
    if IN_CI:
        pytest.fail(f"{message} (CI=true: a missing service is a failure)")
    pytest.skip(reason=message)


def _check_tcp(url: str, default_port: int) -> None:
    """Open and close a TCP connection to the host:port in ``url``."""
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or default_port), 2):
        pass


def _service_url(name: str, env: str, default: str, port: int) -> str:
    url = os.environ.get(env, default)
    try:
        _check_tcp(url, port)
    except OSError as exc:
        service_unavailable(name, url, exc)
    return url


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """URL of the PostgreSQL test database (``ZZZ_TEST_POSTGRES_URL``); skips/fails if down."""
    return _service_url(
        "PostgreSQL", "ZZZ_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test", 5432
    )


@pytest.fixture(scope="session")
def mysql_url() -> str:
    """URL of the MariaDB/MySQL test database (``ZZZ_TEST_MYSQL_URL``); skips/fails if down."""
    return _service_url("MariaDB", "ZZZ_TEST_MYSQL_URL", "mysql://root@127.0.0.1:3306/test", 3306)


@pytest.fixture(scope="session")
def redis_url() -> str:
    """URL of the Redis test server (``ZZZ_TEST_REDIS_URL``); skips/fails if down."""
    return _service_url("Redis", "ZZZ_TEST_REDIS_URL", "redis://127.0.0.1:6379/0", 6379)
