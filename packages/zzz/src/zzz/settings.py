"""Application settings from environment variables and ``.env`` (pydantic-settings).

Every field reads ``ZZZ_<FIELD>`` (case-insensitive) from the environment or a
``.env`` file in the working directory; keyword arguments win over both. Defaults
depend on ``ZZZ_ENV`` (``dev``, ``test`` or ``prod``), like Phoenix's per-environment
config::

    field            dev                         test                     prod
    debug            True                        False                    False
    secret_key       an insecure fixed dev key   required                 required (>= 32 chars)
    allowed_hosts    local + testserver          local + testserver       required
    secure_cookies   by request scheme           by request scheme        True

A missing or invalid setting raises :class:`~zzz.exceptions.ImproperlyConfigured`
naming the environment variable, when the settings are created (at startup).

Extend it for your app's own settings::

    class MySettings(Settings):
        database_url: str = "sqlite:///dev.db"
"""

from __future__ import annotations

from ipaddress import ip_network
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from zzz.exceptions import ImproperlyConfigured

__all__ = ["DEV_SECRET_KEY", "Environment", "Settings"]

Environment = Literal["dev", "test", "prod"]

#: The secret used in ``dev`` when ``ZZZ_SECRET_KEY`` is unset. Public, so never safe.
DEV_SECRET_KEY = "zzz-dev-insecure-secret-key-never-use-it-outside-development"  # noqa: S105

_LOCAL_HOSTS = ["localhost", ".localhost", "127.0.0.1", "::1"]
_MIN_SECRET = 32
_GENERATE = "python -c 'import secrets; print(secrets.token_urlsafe(48))'"


def _split(value: Any) -> Any:
    """Accept ``"a, b"`` as well as JSON lists and Python lists for list settings."""
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("[") and text.endswith("]"):
            import json

            try:
                return json.loads(text)
            except ValueError:
                pass  # e.g. "[::1]": an IPv6 host, not a JSON list
        return [part.strip() for part in text.split(",") if part.strip()]
    return value


class Settings(BaseSettings):
    """Settings for a Zzz app; see the module docstring for defaults.

    Attributes:
        env: ``dev``, ``test`` or ``prod`` (``ZZZ_ENV``).
        debug: Show error details in responses (``ZZZ_DEBUG``).
        secret_key: Signs sessions and CSRF tokens (``ZZZ_SECRET_KEY``).
        allowed_hosts: Host names the app answers; ``.example.com`` also allows
            subdomains, ``*`` allows any (``ZZZ_ALLOWED_HOSTS``, comma-separated).
        trusted_proxies: IPs/CIDRs whose ``Forwarded``/``X-Forwarded-*`` headers
            are believed (``ZZZ_TRUSTED_PROXIES``). Empty by default.
        max_body_size: Largest request body read by ``conn.body()`` (bytes).
        max_query_params: Most query/form pairs per request.
        max_query_depth: Deepest ``a[b][c]`` nesting of params.
        secure_cookies: Default ``Secure`` flag of response cookies (``None``:
            when the request is https).

    Raises:
        ImproperlyConfigured: A setting is missing or invalid (the message names
            the ``ZZZ_*`` variable).

    Example:
        >>> Settings(env="test", secret_key="s" * 32).debug
        False
    """

    model_config = SettingsConfigDict(
        env_prefix="ZZZ_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=False,
        validate_default=True,
    )

    env: Environment = "dev"
    debug: bool | None = None
    secret_key: SecretStr | None = None
    allowed_hosts: Annotated[list[str], NoDecode] = Field(default_factory=list)
    trusted_proxies: Annotated[list[str], NoDecode] = Field(default_factory=list)
    max_body_size: int = Field(default=8 * 1024 * 1024, ge=0)
    max_query_params: int = Field(default=1000, ge=1)
    max_query_depth: int = Field(default=8, ge=1, le=64)
    secure_cookies: bool | None = None

    def __init__(self, **values: Any) -> None:
        try:
            super().__init__(**values)
        except ValidationError as exc:
            problems = []
            for error in exc.errors():
                field = str(error["loc"][0]) if error["loc"] else "?"
                problems.append(f"ZZZ_{field.upper()}: {error['msg']}")
            raise ImproperlyConfigured(
                "invalid settings: " + "; ".join(problems) + " (set them in the environment "
                "or .env, or pass them to Settings(...))"
            ) from None

    @field_validator("allowed_hosts", "trusted_proxies", mode="before")
    @classmethod
    def _lists(cls, value: Any) -> Any:
        return _split(value)

    @field_validator("allowed_hosts")
    @classmethod
    def _hosts(cls, value: list[str]) -> list[str]:
        hosts = []
        for entry in value:
            host = entry.strip().lower()
            if any(c in host for c in "/@ \t") or host.startswith("http"):
                raise ValueError(f"{host!r} is not a host name (write 'example.com', no scheme)")
            hosts.append(host.strip("[]"))
        return hosts

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies(cls, value: list[str]) -> list[str]:
        for entry in value:
            try:
                ip_network(entry.strip(), strict=False)
            except ValueError:
                raise ValueError(f"{entry!r} is not an IP address or CIDR network") from None
        return [entry.strip() for entry in value]

    @model_validator(mode="after")
    def _environment_defaults(self) -> Settings:
        env = self.env
        if self.debug is None:
            self.debug = env == "dev"
        if env == "dev":
            # the in-process TestClient's host, as Django's test runner adds it
            for host in (*_LOCAL_HOSTS, "testserver"):
                if host not in self.allowed_hosts:
                    self.allowed_hosts.append(host)
        elif env == "test" and not self.allowed_hosts:
            self.allowed_hosts = ["testserver", *_LOCAL_HOSTS]
        elif env == "prod" and not self.allowed_hosts:
            raise ImproperlyConfigured(
                "ZZZ_ALLOWED_HOSTS is required when ZZZ_ENV=prod: list the host names this "
                "app serves, e.g. ZZZ_ALLOWED_HOSTS=example.com,.example.com"
            )
        if self.secret_key is None:
            if env != "dev":
                raise ImproperlyConfigured(
                    f"ZZZ_SECRET_KEY is required when ZZZ_ENV={env}: generate one with "
                    f"{_GENERATE} and set it in the environment"
                )
            self.secret_key = SecretStr(DEV_SECRET_KEY)
        elif env == "prod":
            secret = self.secret_key.get_secret_value()
            if len(secret) < _MIN_SECRET or secret == DEV_SECRET_KEY:
                raise ImproperlyConfigured(
                    f"ZZZ_SECRET_KEY is too weak for ZZZ_ENV=prod: use at least {_MIN_SECRET} "
                    f"random characters, e.g. from {_GENERATE}"
                )
        if self.secure_cookies is None and env == "prod":
            self.secure_cookies = True
        return self

    @property
    def secret(self) -> str:
        """The secret key as plain text (always set after validation)."""
        assert self.secret_key is not None
        return self.secret_key.get_secret_value()
