"""Composable queries, expressions, raw fragments and the SQL compiler."""

from __future__ import annotations

from zzz_db.query.builder import (
    Join,
    Lock,
    OnConflict,
    PreloadPlan,
    Query,
    SubquerySource,
    preload_plan,
)
from zzz_db.query.compile import (
    Compiled,
    compile_aggregate,
    compile_create_table,
    compile_delete,
    compile_delete_all,
    compile_exists,
    compile_get,
    compile_insert,
    compile_insert_all,
    compile_select,
    compile_update,
    compile_update_all,
    result_loader,
)
from zzz_db.query.expr import Expr, and_, exists, func, not_, or_
from zzz_db.query.fragment import Fragment, fragment

__all__ = [
    "Compiled",
    "Expr",
    "Fragment",
    "Join",
    "Lock",
    "OnConflict",
    "PreloadPlan",
    "Query",
    "SubquerySource",
    "and_",
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
    "exists",
    "fragment",
    "func",
    "not_",
    "or_",
    "preload_plan",
    "result_loader",
]
