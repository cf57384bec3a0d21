"""Compile queries and write statements to ``(sql, params)`` for a dialect.

Every function returns a :class:`Compiled` (a named tuple ``(sql, params)``): the SQL text with
the dialect's placeholders and the parameters already adapted for its driver. Nothing from a
value ever reaches the SQL text. Results are cached: a query caches its own compiled form per
dialect, and the statement shapes of ``compile_get``/``compile_insert`` are cached per schema,
so repeated statements only bind new values.

Pass the parameters as a list even when empty: with ``%s`` placeholders the drivers only
un-double ``%%`` when parameters are given.

* :mod:`~zzz_db.query.compile.select`: ``SELECT``, ``EXISTS``, aggregates, get-by-key.
* :mod:`~zzz_db.query.compile.insert`: ``INSERT`` (upserts, batching).
* :mod:`~zzz_db.query.compile.update_delete`: ``UPDATE``/``DELETE`` by key or by query.
* :mod:`~zzz_db.query.compile.ddl`: ``CREATE TABLE``.
* :mod:`~zzz_db.query.compile.common`: :class:`Compiled` and the shared clause writers.
"""

from __future__ import annotations

from zzz_db.query.compile.common import Compiled
from zzz_db.query.compile.ddl import compile_create_table
from zzz_db.query.compile.insert import compile_insert, compile_insert_all
from zzz_db.query.compile.select import (
    compile_aggregate,
    compile_exists,
    compile_get,
    compile_select,
    render_select,
    result_loader,
)
from zzz_db.query.compile.update_delete import (
    compile_delete,
    compile_delete_all,
    compile_update,
    compile_update_all,
)

__all__ = [
    "Compiled",
    "compile_aggregate",
    "compile_create_table",
    "compile_delete",
    "compile_delete_all",
    "compile_exists",
    "compile_get",
    "compile_insert",
    "compile_insert_all",
    "compile_select",
    "compile_update",
    "compile_update_all",
    "render_select",
    "result_loader",
]
