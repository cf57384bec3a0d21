"""pytest plugin (entry point ``pytest11``): ``app``, ``client`` and ``sync_client`` fixtures.

Define an ``app`` fixture in your ``conftest.py`` returning your :class:`~zzz.app.App`;
then::

    @pytest.mark.anyio
    async def test_home(client):
        await client.get("/").expect_status(200)

    def test_home_sync(sync_client):
        sync_client.get("/").expect_status(200)

``client`` is an async fixture (it runs the app's startup/shutdown hooks in the
test's event loop), so tests using it must be ``@pytest.mark.anyio``.
``sync_client`` runs the app in a private event loop thread for ``def`` tests.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from zzz.testing.client import TestClient
    from zzz.testing.sync import SyncTestClient

# zzz itself is imported only when a fixture is used, so loading this plugin (in
# every pytest run of an environment where zzz-web is installed) stays cheap.

__all__ = ["app", "client", "sync_client"]


@pytest.fixture
def app() -> Any:
    """The app under test: override this fixture in your ``conftest.py``."""
    pytest.fail(
        "the zzz 'client' fixtures need an 'app' fixture: define one in conftest.py, e.g.\n"
        "    @pytest.fixture\n"
        "    def app():\n"
        "        return create_app()"
    )


@pytest.fixture
async def client(app: Any) -> AsyncIterator[TestClient]:
    """An async :class:`TestClient` for ``app`` with its lifespan hooks running."""
    from zzz.testing.client import TestClient

    async with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def sync_client(app: Any) -> Iterator[SyncTestClient]:
    """A blocking :class:`SyncTestClient` for ``app`` (for plain ``def`` tests)."""
    from zzz.testing.sync import SyncTestClient

    with SyncTestClient(app) as test_client:
        yield test_client
