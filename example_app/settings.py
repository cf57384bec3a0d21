"""Settings of the example app: the framework's settings plus a database URL and an API token.

Every field reads ``ZZZ_<FIELD>`` from the environment (or ``.env``), like the base
:class:`zzz.settings.Settings`:

================== ========================== ===============================================
variable           default                    notes
================== ========================== ===============================================
ZZZ_ENV            ``dev``                    ``dev``, ``test`` or ``prod``
ZZZ_DATABASE_URL   ``sqlite:///<example_app>/  any URL ``zzz_db.repo.Repo`` accepts
                   example.db``
ZZZ_API_TOKEN      dev: ``dev-api-token``      bearer token of the JSON API; required outside
                                              ``dev``
ZZZ_PAGE_SIZE      ``10``                     users per page (load more)
================== ========================== ===============================================
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, model_validator
from zzz.exceptions import ImproperlyConfigured
from zzz.settings import Settings

__all__ = ["DEFAULT_DATABASE_URL", "DEV_API_TOKEN", "ExampleSettings"]

#: The SQLite file used when ``ZZZ_DATABASE_URL`` is unset (gitignored).
DEFAULT_DATABASE_URL = f"sqlite:///{Path(__file__).resolve().parent / 'example.db'}"

#: The API token in ``dev`` when ``ZZZ_API_TOKEN`` is unset. Public: development only.
DEV_API_TOKEN = "dev-api-token"  # noqa: S105 - a documented development default


class ExampleSettings(Settings):
    """Settings of the example app.

    Attributes:
        database_url: Where the data lives (``ZZZ_DATABASE_URL``).
        api_token: The bearer token the JSON API accepts (``ZZZ_API_TOKEN``).
        page_size: How many users a page (and each "load more") shows.

    Raises:
        ImproperlyConfigured: ``ZZZ_API_TOKEN`` is unset outside ``dev``, or a
            setting of the base class is invalid.

    Example:
        >>> ExampleSettings(env="test", secret_key="s" * 32, api_token="t").page_size
        10
    """

    database_url: str = DEFAULT_DATABASE_URL
    api_token: SecretStr | None = None
    page_size: int = Field(default=10, ge=1, le=100)

    @model_validator(mode="after")
    def _api_token_default(self) -> ExampleSettings:
        if self.api_token is None:
            if self.env != "dev":
                raise ImproperlyConfigured(
                    f"ZZZ_API_TOKEN is required when ZZZ_ENV={self.env}: set it to a long "
                    "random string, the bearer token of /api/v1"
                )
            self.api_token = SecretStr(DEV_API_TOKEN)
        return self

    @property
    def token(self) -> str:
        """The API token as plain text (always set after validation)."""
        assert self.api_token is not None
        return self.api_token.get_secret_value()
