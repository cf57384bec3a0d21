"""The Zzz example app: users and posts with htmx, and a JSON API v1.

Serve it with ``python3 dev.py serve`` (SQLite, no database server needed) and open
http://127.0.0.1:4000/. The app object is :data:`example_app.app.app`; tests build
their own with :func:`example_app.app.create_app`.
"""

from __future__ import annotations

__all__: list[str] = []
