"""Zzz: a Phoenix-inspired, batteries-included web framework on anyio."""

from __future__ import annotations

__all__: list[str] = []
