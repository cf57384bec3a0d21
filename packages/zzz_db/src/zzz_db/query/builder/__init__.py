"""Composable, immutable queries and the clauses around them.

* :mod:`~zzz_db.query.builder.query`: :class:`Query` (``User.query().where(...)``).
* :mod:`~zzz_db.query.builder.clauses`: ``JOIN`` and row-lock clauses, subquery sources.
* :mod:`~zzz_db.query.builder.upsert`: :class:`OnConflict` for inserts.
* :mod:`~zzz_db.query.builder.preload`: :func:`preload_plan` for associations.
"""

from __future__ import annotations

from zzz_db.query.builder.clauses import Join, Lock, SubquerySource
from zzz_db.query.builder.preload import PreloadPlan, preload_plan
from zzz_db.query.builder.query import Query
from zzz_db.query.builder.upsert import OnConflict

__all__ = [
    "Join",
    "Lock",
    "OnConflict",
    "PreloadPlan",
    "Query",
    "SubquerySource",
    "preload_plan",
]
