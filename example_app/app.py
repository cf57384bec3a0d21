"""The example app object: ``python -m zzz.server example_app.app:app``.

``python3 dev.py serve`` serves it on http://127.0.0.1:4000/ with the settings from
the environment (``dev`` by default, SQLite file ``example_app/example.db``). See
:mod:`example_app.factory` for what it is made of.
"""

from __future__ import annotations

from example_app.factory import create_app

__all__ = ["app"]

#: The app configured from the environment.
app = create_app()
