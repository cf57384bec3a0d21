"""The example app object: ``python -m zzz.server example_app.app:app``.

``python3 dev.py serve`` serves it on http://127.0.0.1:4000/ with the settings from
the environment (``dev`` by default, SQLite file ``example_app/example.db``). See
:mod:`example_app.factory` for what it is made of.
"""

from __future__ import annotations

import logging

from example_app.factory import create_app

__all__ = ["app"]

# The server configures only its own ``zzz.server`` logger; show the Logger plug's
# request lines too (``GET /users -> 200 in 1.2ms [request id]``) unless configured.
_requests = logging.getLogger("zzz.request")
if _requests.level == logging.NOTSET:
    _requests.setLevel(logging.INFO)

#: The app configured from the environment.
app = create_app()
