"""Controllers of the example app: HTML pages (htmx) and the JSON API v1."""

from __future__ import annotations

__all__: list[str] = []
