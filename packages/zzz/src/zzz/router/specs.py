"""Declaration records produced by the routing DSL (compiled by ``Router``).

They only record what was declared and where (``file:line``); nothing is checked
until ``Router(...)`` compiles them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from zzz.router.tree import RouteKind

__all__ = ["Pipeline", "ResourcesSpec", "RouteSpec", "ScopeSpec"]


@dataclass(frozen=True, slots=True)
class Pipeline:
    """An ordered, flat group of plugs to attach with ``pipe_through``.

    Attributes:
        plugs: The plugs, nested pipelines already flattened.
        location: ``file:line`` of the ``pipeline()`` call.
        name: An optional label shown by ``zzz routes``.
    """

    plugs: tuple[Any, ...]
    location: str
    name: str | None = None


@dataclass(frozen=True, slots=True)
class RouteSpec:
    """A declared route (from ``get()``, ``match()``, ``forward()``, ``websocket()``...)."""

    kind: RouteKind
    methods: tuple[str, ...]
    path: str
    target: Any
    name: str | None
    pipe_through: tuple[Any, ...]
    location: str
    action: str | None = None


@dataclass(frozen=True, slots=True)
class ScopeSpec:
    """A declared scope: a path prefix, pipelines and a name prefix for its routes."""

    path: str
    entries: tuple[Any, ...]
    pipe_through: tuple[Any, ...]
    name: str | None
    location: str


@dataclass(frozen=True, slots=True)
class ResourcesSpec:
    """A declared ``resources()`` block (expanded into routes at compile time)."""

    path: str
    controller: Any
    only: tuple[str, ...] | None
    except_: tuple[str, ...]
    singular: bool
    name: str | None
    param: str
    nested_param: str | None
    entries: tuple[Any, ...]
    pipe_through: tuple[Any, ...]
    location: str
