"""Database URLs: ``sqlite:///path``, ``sqlite::memory:``, ``postgresql://…``, ``mysql://…``.

Parsing is pure (no I/O). Query-string options configure the pool and the session
(``?pool_size=5&acquire_timeout=3&statement_timeout=2.5&health_check_interval=30``);
keyword arguments given to :class:`zzz_db.repo.Repo` override them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import parse_qsl, unquote, urlsplit

__all__ = ["DatabaseURL", "InvalidURL", "parse_url"]

Backend = Literal["sqlite", "postgresql", "mysql"]

_SCHEMES: dict[str, Backend] = {
    "sqlite": "sqlite",
    "sqlite3": "sqlite",
    "postgres": "postgresql",
    "postgresql": "postgresql",
    "postgresql+psycopg": "postgresql",
    "mysql": "mysql",
    "mariadb": "mysql",
    "mysql+pymysql": "mysql",
}
_DEFAULT_PORTS: dict[Backend, int] = {"postgresql": 5432, "mysql": 3306}


class InvalidURL(ValueError):
    """A database URL could not be parsed; the message names the URL and the expected form."""


@dataclass(frozen=True, slots=True)
class DatabaseURL:
    """A parsed database URL.

    Attributes:
        backend: ``"sqlite"``, ``"postgresql"`` or ``"mysql"`` (MariaDB included).
        database: Database name, or for SQLite the file path (``":memory:"`` in memory).
        host: Server host name (server databases only).
        port: Server port (defaults: 5432 / 3306).
        user: User name, if any.
        password: Password, if any (never shown by ``repr``).
        options: Remaining query-string options, e.g. ``{"sslmode": "require"}``.
    """

    backend: Backend
    database: str
    host: str | None = None
    port: int | None = None
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    options: dict[str, str] = field(default_factory=dict)

    @property
    def is_memory(self) -> bool:
        """Whether this is an in-memory SQLite database."""
        return self.backend == "sqlite" and self.database == ":memory:"

    def redacted(self) -> str:
        """The URL as a string with the password replaced by ``***`` (safe to log)."""
        if self.backend == "sqlite":
            return "sqlite::memory:" if self.is_memory else f"sqlite:///{self.database}"
        auth = ""
        if self.user is not None:
            auth = self.user + (":***" if self.password else "") + "@"
        return f"{self.backend}://{auth}{self.host}:{self.port}/{self.database}"


def _parse_sqlite(url: str, rest: str) -> DatabaseURL:
    path, _, query = rest.partition("?")
    options = dict(parse_qsl(query, keep_blank_values=True))
    if path in {":memory:", "//:memory:", "///:memory:"}:
        return DatabaseURL("sqlite", ":memory:", options=options)
    if not path.startswith("///") or len(path) == 3:
        raise InvalidURL(
            f"invalid SQLite URL {url!r}: use 'sqlite:///relative/path.db', "
            "'sqlite:////absolute/path.db' or 'sqlite::memory:'"
        )
    return DatabaseURL("sqlite", unquote(path[3:]), options=options)


def parse_url(url: str) -> DatabaseURL:
    """Parse a database URL.

    Args:
        url: ``sqlite:///app.db`` (relative), ``sqlite:////var/app.db`` (absolute),
            ``sqlite::memory:``, ``postgresql://user:pw@host:5432/db``,
            ``mysql://root@127.0.0.1:3306/test`` (``mariadb://`` is an alias).

    Returns:
        The parsed :class:`DatabaseURL`.

    Raises:
        InvalidURL: Unknown scheme, missing database name or a malformed port.

    Example:
        >>> parse_url("postgresql://app@db/prod").port
        5432
    """
    scheme, sep, rest = url.partition(":")
    backend = _SCHEMES.get(scheme.lower())
    if not sep or backend is None:
        raise InvalidURL(
            f"unsupported database URL {url!r}: the scheme must be one of "
            f"{', '.join(sorted(_SCHEMES))}"
        )
    if backend == "sqlite":
        return _parse_sqlite(url, rest)
    parts = urlsplit(url)
    try:
        port = parts.port or _DEFAULT_PORTS[backend]
    except ValueError as exc:
        raise InvalidURL(f"invalid port in database URL {url!r}: {exc}") from None
    database = unquote(parts.path.lstrip("/"))
    if not database:
        raise InvalidURL(f"database URL {url!r} names no database: add '/<name>' after the host")
    return DatabaseURL(
        backend=backend,
        database=database,
        host=parts.hostname or "localhost",
        port=port,
        user=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        options=dict(parse_qsl(parts.query, keep_blank_values=True)),
    )
