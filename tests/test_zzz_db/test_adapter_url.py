"""Database URL parsing and Repo configuration (pure, no database)."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from zzz_db.adapters import PoolConfig
from zzz_db.repo import Repo
from zzz_db.url import InvalidURL, parse_url


@pytest.mark.parametrize(
    ("url", "backend", "database"),
    [
        ("sqlite:///app.db", "sqlite", "app.db"),
        ("sqlite:////var/lib/app.db", "sqlite", "/var/lib/app.db"),
        ("sqlite::memory:", "sqlite", ":memory:"),
        ("sqlite:///:memory:", "sqlite", ":memory:"),
        ("postgresql://u:p%40ss@db.example:6543/prod", "postgresql", "prod"),
        ("postgres://db/app", "postgresql", "app"),
        ("mysql://root@127.0.0.1:3306/test", "mysql", "test"),
        ("mariadb://root@h/test", "mysql", "test"),
    ],
)
def test_parse(url, backend, database):
    parsed = parse_url(url)
    assert (parsed.backend, parsed.database) == (backend, database)


def test_parse_details_and_redaction():
    parsed = parse_url("postgresql://u:p%40ss@db.example:6543/prod?sslmode=require")
    assert (parsed.user, parsed.password, parsed.host, parsed.port) == (
        "u",
        "p@ss",
        "db.example",
        6543,
    )
    assert parsed.options == {"sslmode": "require"}
    assert parsed.redacted() == "postgresql://u:***@db.example:6543/prod"
    assert "p@ss" not in repr(parsed)
    assert parse_url("mysql://h/db").port == 3306
    assert parse_url("sqlite::memory:").is_memory


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("oracle://x/y", "unsupported database URL"),
        ("nonsense", "unsupported database URL"),
        ("sqlite://app.db", "invalid SQLite URL"),
        ("sqlite:///", "invalid SQLite URL"),
        ("postgresql://host", "names no database"),
        ("postgresql://host:notaport/db", "invalid port"),
    ],
)
def test_invalid_urls(url, message):
    with pytest.raises(InvalidURL, match=message):
        parse_url(url)


def test_repo_options_from_url_and_keywords():
    repo = Repo(
        "postgresql://db/app?pool_size=3&acquire_timeout=1.5&statement_timeout=2&sslmode=off",
        acquire_timeout=4,
    )
    assert repo.config.pool == PoolConfig(size=3, acquire_timeout=4.0, health_check_interval=30.0)
    assert repo.config.connection.statement_timeout == 2.0
    assert repo.config.url.options == {"sslmode": "off"}
    assert "db" in repr(repo)
    never = Repo("sqlite:///x.db", health_check_interval=-1)
    assert never.config.pool.health_check_interval is None
    with pytest.raises(InvalidURL, match="pool_size='many' must be an integer"):
        Repo("sqlite:///x.db?pool_size=many")
    with pytest.raises(ValueError, match="pool size must be at least 1"):
        Repo("sqlite:///x.db", pool_size=0)
    with pytest.raises(ValueError, match="acquire_timeout must be positive"):
        Repo("sqlite:///x.db", acquire_timeout=0)


_TEXT = st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=12)


@settings(max_examples=200, deadline=None)
@given(
    user=_TEXT,
    password=_TEXT,
    host=st.from_regex(r"[a-z][a-z0-9-]{0,10}(\.[a-z]{2,5})?", fullmatch=True),
    port=st.integers(1, 65535),
    database=_TEXT,
    scheme=st.sampled_from(["postgresql", "mysql"]),
)
def test_quoted_components_round_trip(user, password, host, port, database, scheme):
    url = f"{scheme}://{quote(user, safe='')}:{quote(password, safe='')}@{host}:{port}/" + quote(
        database, safe=""
    )
    parsed = parse_url(url)
    assert (parsed.user, parsed.password, parsed.host, parsed.port, parsed.database) == (
        user,
        password,
        host,
        port,
        database,
    )
    assert parsed.redacted() == f"{scheme}://{user}:***@{host}:{port}/{database}"


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_arbitrary_text_parses_or_raises_invalid_url(text):
    message = ""
    try:
        parsed = parse_url(text)
    except InvalidURL as exc:
        message = str(exc)
    else:
        assert parsed.backend in {"sqlite", "postgresql", "mysql"}
        return
    assert repr(text) in message  # the error names the offending URL
