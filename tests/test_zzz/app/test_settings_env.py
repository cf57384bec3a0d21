"""Settings: ZZZ_ env vars, .env, per-environment defaults, clear startup errors."""

from __future__ import annotations

import pytest
from zzz.app import App
from zzz.exceptions import ImproperlyConfigured
from zzz.router import Router, get
from zzz.settings import DEV_SECRET_KEY, Settings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path):
    """No ZZZ_ settings from the outer environment, and no stray .env."""
    import os

    for name in list(os.environ):
        if name.startswith("ZZZ_") and not name.startswith("ZZZ_TEST_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def test_dev_defaults() -> None:
    s = Settings()
    assert s.env == "dev"
    assert s.debug is True
    assert s.secret == DEV_SECRET_KEY
    assert {"localhost", "127.0.0.1", "::1"} <= set(s.allowed_hosts)
    assert s.secure_cookies is None
    assert s.max_body_size == 8 * 1024 * 1024


def test_test_env_requires_secret_and_allows_testserver(monkeypatch) -> None:
    with pytest.raises(ImproperlyConfigured, match="ZZZ_SECRET_KEY is required when ZZZ_ENV=test"):
        Settings(env="test")
    monkeypatch.setenv("ZZZ_ENV", "test")
    monkeypatch.setenv("ZZZ_SECRET_KEY", "short is fine in test")
    s = Settings()
    assert s.debug is False
    assert "testserver" in s.allowed_hosts


def test_prod_requirements(monkeypatch) -> None:
    monkeypatch.setenv("ZZZ_ENV", "prod")
    with pytest.raises(ImproperlyConfigured, match="ZZZ_ALLOWED_HOSTS is required"):
        Settings()
    monkeypatch.setenv("ZZZ_ALLOWED_HOSTS", "example.com, .example.org")
    with pytest.raises(ImproperlyConfigured, match="ZZZ_SECRET_KEY is required when ZZZ_ENV=prod"):
        Settings()
    monkeypatch.setenv("ZZZ_SECRET_KEY", "too-short")
    with pytest.raises(ImproperlyConfigured, match="ZZZ_SECRET_KEY is too weak"):
        Settings()
    monkeypatch.setenv("ZZZ_SECRET_KEY", DEV_SECRET_KEY)
    with pytest.raises(ImproperlyConfigured, match="too weak"):
        Settings()
    monkeypatch.setenv("ZZZ_SECRET_KEY", "x" * 40)
    s = Settings()
    assert s.allowed_hosts == ["example.com", ".example.org"]
    assert s.debug is False
    assert s.secure_cookies is True
    assert "x" * 40 not in repr(s)  # the secret is not printed


def test_env_list_formats(monkeypatch) -> None:
    monkeypatch.setenv("ZZZ_TRUSTED_PROXIES", '["10.0.0.0/8", "::1"]')
    monkeypatch.setenv("ZZZ_ALLOWED_HOSTS", "[::1],A.Test")
    s = Settings()
    assert s.trusted_proxies == ["10.0.0.0/8", "::1"]
    assert s.allowed_hosts[:2] == ["::1", "a.test"]


@pytest.mark.parametrize(
    ("name", "value", "variable"),
    [
        ("ZZZ_MAX_BODY_SIZE", "lots", "ZZZ_MAX_BODY_SIZE"),
        ("ZZZ_MAX_BODY_SIZE", "-1", "ZZZ_MAX_BODY_SIZE"),
        ("ZZZ_ENV", "staging", "ZZZ_ENV"),
        ("ZZZ_DEBUG", "maybe", "ZZZ_DEBUG"),
        ("ZZZ_TRUSTED_PROXIES", "10.0.0.0/8,not-an-ip", "ZZZ_TRUSTED_PROXIES"),
        ("ZZZ_ALLOWED_HOSTS", "https://example.com", "ZZZ_ALLOWED_HOSTS"),
        ("ZZZ_MAX_QUERY_DEPTH", "0", "ZZZ_MAX_QUERY_DEPTH"),
    ],
)
def test_invalid_values_name_the_variable(
    monkeypatch, name: str, value: str, variable: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ImproperlyConfigured, match=variable):
        Settings()


def test_dotenv_file_and_kwargs_precedence(tmp_path, monkeypatch) -> None:
    (tmp_path / ".env").write_text("ZZZ_DEBUG=false\nZZZ_MAX_QUERY_PARAMS=50\nOTHER=1\n")
    s = Settings()
    assert s.debug is False
    assert s.max_query_params == 50
    monkeypatch.setenv("ZZZ_MAX_QUERY_PARAMS", "60")
    assert Settings().max_query_params == 60
    assert Settings(max_query_params=70).max_query_params == 70


def test_subclass_adds_app_settings(monkeypatch) -> None:
    class MySettings(Settings):
        database_url: str = "sqlite:///dev.db"

    monkeypatch.setenv("ZZZ_DATABASE_URL", "postgresql://db/app")
    assert MySettings().database_url == "postgresql://db/app"


def test_app_reads_settings_from_environment_at_startup(monkeypatch) -> None:
    async def ok(conn):
        return conn.text("ok")

    monkeypatch.setenv("ZZZ_ENV", "prod")
    with pytest.raises(ImproperlyConfigured, match="ZZZ_ALLOWED_HOSTS"):
        App(Router(get("/", ok)))
