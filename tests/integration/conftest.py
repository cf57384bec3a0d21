"""Fixtures for the example app's tests: settings with a temporary SQLite database.

The example app is imported inside the fixtures, so the other integration tests in
this folder do not depend on it.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from zzz.app import App

    from example_app.settings import ExampleSettings

#: The repository root: ``example_app`` is a top-level package there, not installed in
#: the venv, and ``--import-mode=importlib`` does not put the root on ``sys.path``.
REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

#: The bearer token the tests' API clients send.
API_TOKEN = "test-api-token-0123456789"


@pytest.fixture
def example_settings(tmp_path: Path) -> ExampleSettings:
    """Test settings: a fresh SQLite file per test, a page size of 5 (12 seeded users)."""
    from example_app.settings import ExampleSettings

    return ExampleSettings(
        env="test",
        secret_key="example-app-test-secret-key-0123456789",
        api_token=API_TOKEN,
        database_url=f"sqlite:///{tmp_path / 'example.db'}",
        page_size=5,
    )


@pytest.fixture
def example_app(example_settings: ExampleSettings) -> App:
    """The example app on its own temporary database."""
    from example_app.factory import create_app

    return create_app(example_settings)


@pytest.fixture
def api_headers() -> dict[str, str]:
    """Headers of an authenticated JSON API request."""
    return {"authorization": f"Bearer {API_TOKEN}", "accept": "application/json"}
