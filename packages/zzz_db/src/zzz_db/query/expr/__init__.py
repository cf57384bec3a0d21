"""SQL expression trees: columns, bound values, conditions, functions and sources.

Expressions are immutable and built with Python operators::

    (User.c.age >= 18) & ~User.c.email.like("%@spam.test") | User.c.role.in_(["admin", "staff"])

Every Python value becomes a bound parameter (never SQL text). The modules:

* :mod:`~zzz_db.query.expr.core`: :class:`Ctx`, :class:`Expr` and its operators, values,
  columns, labels, orderings, scalar subqueries.
* :mod:`~zzz_db.query.expr.predicates`: conditions and :func:`and_`/:func:`or_`/:func:`not_`/
  :func:`exists`.
* :mod:`~zzz_db.query.expr.functions`: SQL function calls (:data:`func`).
* :mod:`~zzz_db.query.expr.sources`: tables and aliases to select from.
* :mod:`~zzz_db.query.expr.lookups`: the ``field__<lookup>=value`` conditions.
"""

from __future__ import annotations

from zzz_db.query.expr.core import (
    ATOM,
    BOOL,
    COMPARE,
    Column,
    Ctx,
    Expr,
    Label,
    Ordering,
    ScalarSubquery,
    Selectable,
    Value,
    coerce,
    operand,
)
from zzz_db.query.expr.functions import Func, func
from zzz_db.query.expr.lookups import lookup
from zzz_db.query.expr.predicates import (
    Arith,
    Between,
    BoolOp,
    Compare,
    Exists,
    InList,
    IsNull,
    Like,
    Not,
    Truth,
    and_,
    exists,
    not_,
    or_,
)
from zzz_db.query.expr.sources import Columns, RawTable, Source, TableSource

__all__ = [
    "ATOM",
    "Arith",
    "BOOL",
    "Between",
    "BoolOp",
    "COMPARE",
    "Column",
    "Columns",
    "Compare",
    "Ctx",
    "Exists",
    "Expr",
    "Func",
    "InList",
    "IsNull",
    "Label",
    "Like",
    "Not",
    "Ordering",
    "RawTable",
    "ScalarSubquery",
    "Selectable",
    "Source",
    "TableSource",
    "Truth",
    "Value",
    "and_",
    "coerce",
    "exists",
    "func",
    "lookup",
    "not_",
    "operand",
    "or_",
]
