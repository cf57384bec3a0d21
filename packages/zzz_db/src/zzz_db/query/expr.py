"""SQL expression trees: columns, bound values, comparisons, boolean logic, functions.

Expressions are immutable and built with Python operators::

    (User.c.age >= 18) & ~User.c.email.like("%@spam.test") | User.c.role.in_(["admin", "staff"])

Every Python value becomes a bound parameter (never SQL text). ``and``/``or``/``not`` cannot be
overloaded: use ``&``, ``|`` and ``~`` (an expression refuses to be used as a ``bool``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from zzz_db.exceptions import QueryError

if TYPE_CHECKING:
    from zzz_db.dialects.base import Dialect
    from zzz_db.fields import FieldSpec
    from zzz_db.schema import SchemaInfo

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

#: Operator precedence classes used to decide where parentheses are needed.
ATOM, COMPARE, BOOL = 3, 2, 1


class Ctx:
    """The compilation context: SQL text parts and bound parameters for one statement.

    Attributes:
        dialect: The target dialect.
        parts: SQL text pieces, joined at the end.
        params: Bound parameter values, already adapted for the dialect.
    """

    __slots__ = ("dialect", "params", "parts", "placeholder")

    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect
        self.parts: list[str] = []
        self.params: list[Any] = []
        self.placeholder = dialect.placeholder

    def bind(self, value: Any, spec: FieldSpec | None = None) -> None:
        """Append a placeholder and its (dialect-adapted) parameter."""
        self.params.append(self.dialect.adapt(value, spec))
        self.parts.append(self.placeholder)

    def text(self) -> str:
        """The SQL text rendered so far."""
        return "".join(self.parts)


class Selectable:
    """Marker base of query values that render as a ``SELECT`` (usable as subqueries)."""

    __slots__ = ()

    def render_select(self, ctx: Ctx) -> None:
        """Render this query's ``SELECT`` into ``ctx`` (parameters shared with the outer one)."""
        raise QueryError(f"{type(self).__name__} cannot be rendered as a SELECT")


class Expr:
    """Base class of SQL expressions; Python operators build bigger expressions."""

    __slots__ = ()
    #: Binding strength; parentheses are added when a child binds weaker than required.
    prec = 0
    __hash__ = object.__hash__

    def sql(self, ctx: Ctx) -> None:
        """Render this expression into ``ctx``."""
        raise QueryError(f"{type(self).__name__} cannot be rendered")

    def __bool__(self) -> bool:
        raise TypeError(
            "a SQL expression has no truth value: combine conditions with &, | and ~ "
            "(not and/or/not), and compare them with is"
        )

    def __eq__(self, other: object) -> Expr:  # type: ignore[override]
        if other is None:
            return IsNull(self, negate=False)
        return Compare("=", self, coerce(other, self))

    def __ne__(self, other: object) -> Expr:  # type: ignore[override]
        if other is None:
            return IsNull(self, negate=True)
        return Compare("<>", self, coerce(other, self))

    def __lt__(self, other: Any) -> Expr:
        return Compare("<", self, coerce(other, self))

    def __le__(self, other: Any) -> Expr:
        return Compare("<=", self, coerce(other, self))

    def __gt__(self, other: Any) -> Expr:
        return Compare(">", self, coerce(other, self))

    def __ge__(self, other: Any) -> Expr:
        return Compare(">=", self, coerce(other, self))

    def __and__(self, other: Expr) -> Expr:
        return BoolOp("AND", (*_flatten("AND", self), *_flatten("AND", coerce(other))))

    def __rand__(self, other: Expr) -> Expr:
        return BoolOp("AND", (*_flatten("AND", coerce(other)), *_flatten("AND", self)))

    def __or__(self, other: Expr) -> Expr:
        return BoolOp("OR", (*_flatten("OR", self), *_flatten("OR", coerce(other))))

    def __ror__(self, other: Expr) -> Expr:
        return BoolOp("OR", (*_flatten("OR", coerce(other)), *_flatten("OR", self)))

    def __invert__(self) -> Expr:
        return Not(self)

    def __add__(self, other: Any) -> Expr:
        return Arith("+", self, coerce(other, self))

    def __radd__(self, other: Any) -> Expr:
        return Arith("+", coerce(other, self), self)

    def __sub__(self, other: Any) -> Expr:
        return Arith("-", self, coerce(other, self))

    def __rsub__(self, other: Any) -> Expr:
        return Arith("-", coerce(other, self), self)

    def __mul__(self, other: Any) -> Expr:
        return Arith("*", self, coerce(other, self))

    def __rmul__(self, other: Any) -> Expr:
        return Arith("*", coerce(other, self), self)

    def __truediv__(self, other: Any) -> Expr:
        return Arith("/", self, coerce(other, self))

    def __rtruediv__(self, other: Any) -> Expr:
        return Arith("/", coerce(other, self), self)

    def in_(self, values: Iterable[Any] | Selectable) -> Expr:
        """``self IN (values...)`` or ``self IN (subquery)``; an empty list is always false."""
        if isinstance(values, Selectable):
            return InList(self, (), values, negate=False)
        return InList(self, tuple(coerce(v, self) for v in values), None, negate=False)

    def not_in(self, values: Iterable[Any] | Selectable) -> Expr:
        """``self NOT IN (...)``; an empty list is always true."""
        if isinstance(values, Selectable):
            return InList(self, (), values, negate=True)
        return InList(self, tuple(coerce(v, self) for v in values), None, negate=True)

    def like(self, pattern: str) -> Expr:
        """``self LIKE pattern`` (``%`` and ``_`` are wildcards; case rules are the database's)."""
        return Like(self, Value(pattern, None), case_insensitive=False, negate=False, escaped=False)

    def not_like(self, pattern: str) -> Expr:
        """``self NOT LIKE pattern``."""
        return Like(self, Value(pattern, None), case_insensitive=False, negate=True, escaped=False)

    def ilike(self, pattern: str) -> Expr:
        """Case-insensitive ``LIKE`` (PostgreSQL ``ILIKE``, elsewhere ``lower() LIKE lower()``)."""
        return Like(self, Value(pattern, None), case_insensitive=True, negate=False, escaped=False)

    def contains(self, text: str) -> Expr:
        """``self`` contains ``text`` literally (``%`` and ``_`` in it are escaped)."""
        return lookup(self, "contains", text)

    def startswith(self, text: str) -> Expr:
        """``self`` starts with ``text`` literally."""
        return lookup(self, "startswith", text)

    def endswith(self, text: str) -> Expr:
        """``self`` ends with ``text`` literally."""
        return lookup(self, "endswith", text)

    def is_null(self) -> Expr:
        """``self IS NULL``."""
        return IsNull(self, negate=False)

    def is_not_null(self) -> Expr:
        """``self IS NOT NULL``."""
        return IsNull(self, negate=True)

    def between(self, low: Any, high: Any) -> Expr:
        """``self BETWEEN low AND high`` (inclusive)."""
        return Between(self, coerce(low, self), coerce(high, self))

    def asc(self) -> Ordering:
        """Ascending order on ``self``."""
        return Ordering(self, descending=False)

    def desc(self) -> Ordering:
        """Descending order on ``self``."""
        return Ordering(self, descending=True)

    def label(self, name: str) -> Label:
        """``self AS name`` in a select list."""
        return Label(self, name)


class Value(Expr):
    """A bound parameter; ``spec`` (the compared column's field) guides type adaptation."""

    __slots__ = ("spec", "value")
    prec = ATOM

    def __init__(self, value: Any, spec: FieldSpec | None) -> None:
        self.value = value
        self.spec = spec

    def sql(self, ctx: Ctx) -> None:
        """Render a placeholder and bind the value."""
        ctx.bind(self.value, self.spec)

    def __repr__(self) -> str:
        return f"Value({self.value!r})"


def coerce(value: Any, like: Expr | None = None) -> Expr:
    """Turn ``value`` into an expression: expressions pass, queries become subqueries, and
    anything else becomes a bound :class:`Value` (typed like the column ``like`` if given)."""
    if isinstance(value, Expr):
        return value
    if isinstance(value, Selectable):
        return ScalarSubquery(value)
    if not isinstance(like, Column):
        return Value(value, None)
    spec = like.spec
    if spec is not None and spec.kind != "json" and isinstance(value, _CONTAINERS):
        raise QueryError(
            f"{like.source.ref}.{like.name} holds {spec.kind} values, not a "
            f"{type(value).__name__} (use in_() for a list of values)"
        )
    return Value(value, spec)


_CONTAINERS = (list, tuple, dict, set, frozenset)


def operand(ctx: Ctx, item: Expr, required: int) -> None:
    """Render ``item``, parenthesised if it binds weaker than ``required``."""
    if item.prec < required:
        ctx.parts.append("(")
        item.sql(ctx)
        ctx.parts.append(")")
    else:
        item.sql(ctx)


def _flatten(op: str, item: Expr) -> tuple[Expr, ...]:
    if isinstance(item, BoolOp) and item.op == op:
        return item.items
    return (item,)


class Column(Expr):
    """A column of a table, alias or subquery (``User.c.age``)."""

    __slots__ = ("column", "name", "source", "spec")
    prec = ATOM

    def __init__(self, source: Source, name: str, column: str, spec: FieldSpec | None) -> None:
        self.source = source
        self.name = name
        self.column = column
        self.spec = spec

    def sql(self, ctx: Ctx) -> None:
        """Render ``"table"."column"``."""
        ctx.parts.append(ctx.dialect.qualified(self.source.ref, self.column))

    def __repr__(self) -> str:
        return f"Column({self.source.ref}.{self.column})"


class Compare(Expr):
    """``left <op> right`` for ``=``, ``<>``, ``<``, ``<=``, ``>``, ``>=``, ``+``, ``-``, ..."""

    __slots__ = ("left", "op", "right")
    prec = COMPARE

    def __init__(self, op: str, left: Expr, right: Expr) -> None:
        self.op = op
        self.left = left
        self.right = right

    def sql(self, ctx: Ctx) -> None:
        """Render ``left op right``."""
        operand(ctx, self.left, ATOM)
        ctx.parts.append(f" {self.op} ")
        operand(ctx, self.right, ATOM)


class Arith(Compare):
    """Arithmetic ``(left <op> right)``; parenthesised so it nests as an atom."""

    __slots__ = ()
    prec = ATOM

    def sql(self, ctx: Ctx) -> None:
        """Render ``(left op right)``."""
        ctx.parts.append("(")
        super().sql(ctx)
        ctx.parts.append(")")


class BoolOp(Expr):
    """``(a AND b AND ...)`` or ``(a OR b OR ...)``."""

    __slots__ = ("items", "op")
    prec = ATOM

    def __init__(self, op: str, items: tuple[Expr, ...]) -> None:
        self.op = op
        self.items = items

    def sql(self, ctx: Ctx) -> None:
        """Render the parenthesised conjunction or disjunction."""
        parts = ctx.parts
        parts.append("(")
        for index, item in enumerate(self.items):
            if index:
                parts.append(f" {self.op} ")
            operand(ctx, item, COMPARE)
        parts.append(")")


class Not(Expr):
    """``NOT (x)``."""

    __slots__ = ("item",)
    prec = COMPARE

    def __init__(self, item: Expr) -> None:
        self.item = item

    def sql(self, ctx: Ctx) -> None:
        """Render ``NOT (x)``."""
        ctx.parts.append("NOT (")
        self.item.sql(ctx)
        ctx.parts.append(")")


class Truth(Expr):
    """A constant condition (``1 = 1`` or ``1 = 0``), e.g. for ``x IN ()``."""

    __slots__ = ("value",)
    prec = COMPARE

    def __init__(self, value: bool) -> None:
        self.value = value

    def sql(self, ctx: Ctx) -> None:
        """Render ``1 = 1`` or ``1 = 0``."""
        ctx.parts.append("1 = 1" if self.value else "1 = 0")


class InList(Expr):
    """``x IN (?, ?, ...)`` or ``x IN (SELECT ...)`` (``negate``: ``NOT IN``)."""

    __slots__ = ("items", "left", "negate", "query")
    prec = COMPARE

    def __init__(
        self, left: Expr, items: tuple[Expr, ...], query: Selectable | None, negate: bool
    ) -> None:
        self.left = left
        self.items = items
        self.query = query
        self.negate = negate

    def sql(self, ctx: Ctx) -> None:
        """Render the membership test."""
        if self.query is None and not self.items:
            Truth(self.negate).sql(ctx)
            return
        operand(ctx, self.left, ATOM)
        ctx.parts.append(" NOT IN (" if self.negate else " IN (")
        if self.query is not None:
            self.query.render_select(ctx)
        else:
            for index, item in enumerate(self.items):
                if index:
                    ctx.parts.append(", ")
                operand(ctx, item, ATOM)
        ctx.parts.append(")")


class IsNull(Expr):
    """``x IS NULL`` (``negate``: ``IS NOT NULL``)."""

    __slots__ = ("item", "negate")
    prec = COMPARE

    def __init__(self, item: Expr, negate: bool) -> None:
        self.item = item
        self.negate = negate

    def sql(self, ctx: Ctx) -> None:
        """Render the null test."""
        operand(ctx, self.item, ATOM)
        ctx.parts.append(" IS NOT NULL" if self.negate else " IS NULL")


class Between(Expr):
    """``x BETWEEN low AND high`` (inclusive)."""

    __slots__ = ("high", "item", "low")
    prec = COMPARE

    def __init__(self, item: Expr, low: Expr, high: Expr) -> None:
        self.item = item
        self.low = low
        self.high = high

    def sql(self, ctx: Ctx) -> None:
        """Render the range test."""
        operand(ctx, self.item, ATOM)
        ctx.parts.append(" BETWEEN ")
        operand(ctx, self.low, ATOM)
        ctx.parts.append(" AND ")
        operand(ctx, self.high, ATOM)


class Like(Expr):
    """``x LIKE pattern`` (``case_insensitive``: ILIKE semantics on every dialect).

    ``escaped`` patterns use ``!`` as the escape character (set by ``contains``/``startswith``
    lookups, which escape ``%`` and ``_`` in the user's text). ``glob`` is the same literal
    match as a case-sensitive ``GLOB`` pattern, for SQLite (whose ``LIKE`` ignores case).
    """

    __slots__ = ("case_insensitive", "escaped", "glob", "item", "negate", "pattern")
    prec = COMPARE

    def __init__(
        self,
        item: Expr,
        pattern: Expr,
        *,
        case_insensitive: bool,
        negate: bool,
        escaped: bool,
        glob: str | None = None,
    ) -> None:
        self.item = item
        self.pattern = pattern
        self.case_insensitive = case_insensitive
        self.negate = negate
        self.escaped = escaped
        self.glob = glob

    def sql(self, ctx: Ctx) -> None:
        """Render via the dialect (ILIKE vs ``lower(x) LIKE lower(p)``)."""
        ctx.dialect.render_like(ctx, self)


class Func(Expr):
    """A SQL function call such as ``count(*)``, ``lower(x)`` or ``sum(DISTINCT x)``."""

    __slots__ = ("args", "distinct", "name")
    prec = ATOM

    def __init__(self, name: str, args: tuple[Expr, ...], *, distinct: bool = False) -> None:
        if not name.replace("_", "a").isalnum() or not name.isascii():
            raise QueryError(f"invalid SQL function name {name!r}")
        self.name = name
        self.args = args
        self.distinct = distinct

    def sql(self, ctx: Ctx) -> None:
        """Render ``name(args)``; no arguments to ``count`` means ``count(*)``."""
        parts = ctx.parts
        parts.append(f"{self.name}(")
        if self.distinct:
            parts.append("DISTINCT ")
        if not self.args and self.name == "count":
            parts.append("*")
        for index, arg in enumerate(self.args):
            if index:
                parts.append(", ")
            operand(ctx, arg, BOOL)
        parts.append(")")


class Label(Expr):
    """``expr AS "name"`` in a select list."""

    __slots__ = ("item", "name")
    prec = 0

    def __init__(self, item: Expr, name: str) -> None:
        self.item = item
        self.name = name

    def sql(self, ctx: Ctx) -> None:
        """Render ``expr AS "name"``."""
        operand(ctx, self.item, BOOL)
        ctx.parts.append(" AS ")
        ctx.parts.append(ctx.dialect.quote(self.name))


class Ordering(Expr):
    """An ``ORDER BY`` item: direction and optional ``NULLS FIRST/LAST``."""

    __slots__ = ("descending", "item", "nulls")
    prec = 0

    def __init__(self, item: Expr, *, descending: bool, nulls: str | None = None) -> None:
        if nulls not in (None, "first", "last"):
            raise QueryError(f"nulls must be 'first' or 'last', not {nulls!r}")
        self.item = item
        self.descending = descending
        self.nulls = nulls

    def sql(self, ctx: Ctx) -> None:
        """Render via the dialect (MySQL emulates ``NULLS FIRST/LAST``)."""
        ctx.dialect.render_ordering(ctx, self)

    def nulls_first(self) -> Ordering:
        """Sort NULLs before other values."""
        return Ordering(self.item, descending=self.descending, nulls="first")

    def nulls_last(self) -> Ordering:
        """Sort NULLs after other values."""
        return Ordering(self.item, descending=self.descending, nulls="last")


class Exists(Expr):
    """``EXISTS (SELECT ...)``."""

    __slots__ = ("query",)
    prec = ATOM

    def __init__(self, query: Selectable) -> None:
        self.query = query

    def sql(self, ctx: Ctx) -> None:
        """Render ``EXISTS (subquery)``."""
        ctx.parts.append("EXISTS (")
        self.query.render_select(ctx)
        ctx.parts.append(")")


class ScalarSubquery(Expr):
    """A query used as a value: ``(SELECT count(*) FROM ...)``."""

    __slots__ = ("query",)
    prec = ATOM

    def __init__(self, query: Selectable) -> None:
        self.query = query

    def sql(self, ctx: Ctx) -> None:
        """Render the parenthesised subquery."""
        ctx.parts.append("(")
        self.query.render_select(ctx)
        ctx.parts.append(")")


class Source:
    """Something a query selects from or joins: a table, an alias, a subquery."""

    __slots__ = ()

    @property
    def ref(self) -> str:
        """The name columns are qualified with."""
        raise QueryError(f"{type(self).__name__} cannot be referenced")

    @property
    def c(self) -> Columns:
        """Column accessor: ``source.c.name``."""
        return Columns(self)

    def column(self, name: str) -> Column:
        """The column called ``name`` (:class:`QueryError` if unknown)."""
        raise QueryError(f"{type(self).__name__} has no columns")

    def render_from(self, ctx: Ctx) -> None:
        """Render this source in a ``FROM``/``JOIN`` clause."""
        raise QueryError(f"{type(self).__name__} cannot be selected from")


class Columns:
    """Attribute access to a source's columns (``User.c.email``, ``User.c["email"]``)."""

    __slots__ = ("_source",)

    def __init__(self, source: Source) -> None:
        self._source = source

    def __getattr__(self, name: str) -> Column:
        if name.startswith("__"):
            raise AttributeError(name)
        return self._source.column(name)

    def __getitem__(self, name: str) -> Column:
        return self._source.column(name)


class TableSource(Source):
    """A schema's table, optionally under an alias (``User.alias("u")``)."""

    __slots__ = ("_cache", "alias", "info")

    def __init__(self, info: SchemaInfo, alias: str | None = None) -> None:
        self.info = info
        self.alias = alias
        self._cache: dict[str, Column] = {}

    @property
    def ref(self) -> str:
        """The alias, else the table name."""
        return self.alias or self.info.table

    def column(self, name: str) -> Column:
        """The column of field ``name``.

        Raises:
            QueryError: The schema has no such persisted field.
        """
        found = self._cache.get(name)
        if found is None:
            spec = self.info.fields.get(name)
            if spec is None or spec.virtual:
                known = ", ".join(self.info.field_names)
                what = "virtual field" if spec is not None else "field"
                raise QueryError(
                    f"{self.info.name} has no persisted {what} {name!r} (fields: {known})"
                )
            found = self._cache[name] = Column(self, name, spec.column, spec)
        return found

    def render_from(self, ctx: Ctx) -> None:
        """Render ``"table"`` or ``"table" AS "alias"``."""
        ctx.parts.append(ctx.dialect.quote(self.info.table))
        if self.alias:
            ctx.parts.append(" AS " + ctx.dialect.quote(self.alias))

    def __repr__(self) -> str:
        return f"TableSource({self.info.name}, alias={self.alias!r})"


class RawTable(Source):
    """A table without a schema (e.g. a many-to-many join table); columns are not checked."""

    __slots__ = ("alias", "table")

    def __init__(self, table: str, alias: str | None = None) -> None:
        self.table = table
        self.alias = alias

    @property
    def ref(self) -> str:
        """The alias, else the table name."""
        return self.alias or self.table

    def column(self, name: str) -> Column:
        """The (unchecked) column ``name``."""
        return Column(self, name, name, None)

    def render_from(self, ctx: Ctx) -> None:
        """Render ``"table"`` or ``"table" AS "alias"``."""
        ctx.parts.append(ctx.dialect.quote(self.table))
        if self.alias:
            ctx.parts.append(" AS " + ctx.dialect.quote(self.alias))


def and_(*items: Expr) -> Expr:
    """All of ``items`` (an empty call is always true)."""
    if not items:
        return Truth(True)
    return items[0] if len(items) == 1 else BoolOp("AND", items)


def or_(*items: Expr) -> Expr:
    """Any of ``items`` (an empty call is always false)."""
    if not items:
        return Truth(False)
    return items[0] if len(items) == 1 else BoolOp("OR", items)


def not_(item: Expr) -> Expr:
    """The negation of ``item``."""
    return Not(item)


def exists(query: Selectable) -> Exists:
    """``EXISTS (query)``; negate with ``~exists(query)``."""
    return Exists(query)


class _Functions:
    """SQL functions: ``func.count()``, ``func.sum(User.c.age)``, ``func.call("length", x)``."""

    def count(self, item: Any = None, *, distinct: bool = False) -> Func:
        """``count(*)``, or ``count(item)`` (``count(DISTINCT item)``)."""
        return Func("count", () if item is None else (coerce(item),), distinct=distinct)

    def sum(self, item: Any, *, distinct: bool = False) -> Func:
        """``sum(item)``."""
        return Func("sum", (coerce(item),), distinct=distinct)

    def avg(self, item: Any, *, distinct: bool = False) -> Func:
        """``avg(item)``."""
        return Func("avg", (coerce(item),), distinct=distinct)

    def min(self, item: Any) -> Func:
        """``min(item)``."""
        return Func("min", (coerce(item),))

    def max(self, item: Any) -> Func:
        """``max(item)``."""
        return Func("max", (coerce(item),))

    def lower(self, item: Any) -> Func:
        """``lower(item)``."""
        return Func("lower", (coerce(item),))

    def upper(self, item: Any) -> Func:
        """``upper(item)``."""
        return Func("upper", (coerce(item),))

    def coalesce(self, *items: Any) -> Func:
        """``coalesce(a, b, ...)``."""
        return Func("coalesce", tuple(coerce(i) for i in items))

    def call(self, name: str, *args: Any) -> Func:
        """Any function by name (validated as an identifier); arguments are bound."""
        return Func(name, tuple(coerce(a) for a in args))


#: The SQL function namespace (``func.count()``, ``func.max(User.c.age)``).
func = _Functions()


def _escape_like(text: str) -> str:
    return text.replace("!", "!!").replace("%", "!%").replace("_", "!_")


def _escape_glob(text: str) -> str:
    return text.replace("[", "[[]").replace("*", "[*]").replace("?", "[?]")


def _like(column: Expr, pattern: str, ci: bool, glob: str) -> Like:
    return Like(
        column, Value(pattern, None), case_insensitive=ci, negate=False, escaped=True, glob=glob
    )


def lookup(column: Expr, name: str, value: Any) -> Expr:
    """Build the condition of a ``where(field__<name>=value)`` lookup.

    Args:
        column: The column.
        name: ``exact``, ``ne``, ``gt``, ``gte``, ``lt``, ``lte``, ``in``, ``not_in``,
            ``like``, ``ilike``, ``contains``, ``icontains``, ``startswith``,
            ``istartswith``, ``endswith``, ``iendswith``, ``isnull``, ``between``.
        value: The operand.

    Returns:
        The condition.

    Raises:
        QueryError: Unknown lookup, or a value of the wrong shape.
    """
    if name == "exact":
        return Expr.__eq__(column, value)
    simple = _COMPARISONS.get(name)
    if simple is not None:
        if value is None and name == "ne":
            return IsNull(column, negate=True)
        return Compare(simple, column, coerce(value, column))
    if name in ("in", "not_in"):
        if isinstance(value, (str, bytes)) or not isinstance(value, (Iterable, Selectable)):
            raise QueryError(f"__{name} needs a list or a subquery, not {type(value).__name__}")
        return column.in_(value) if name == "in" else column.not_in(value)
    if name == "isnull":
        return IsNull(column, negate=not value)
    if name == "between":
        if (
            isinstance(value, (str, bytes))
            or not isinstance(value, (list, tuple))
            or len(value) != 2
        ):
            raise QueryError(f"__between needs a (low, high) pair, not {value!r}")
        return column.between(value[0], value[1])
    if name in _TEXT_LOOKUPS:
        if not isinstance(value, str):
            raise QueryError(f"__{name} needs a string, not {type(value).__name__}")
        ci = name.startswith("i")
        base = name[1:] if ci and name != "in" else name
        if base == "like":
            return Like(
                column, Value(value, None), case_insensitive=ci, negate=False, escaped=False
            )
        text, star = _escape_like(value), _escape_glob(value)
        pattern = {"contains": f"%{text}%", "startswith": f"{text}%", "endswith": f"%{text}"}
        glob = {"contains": f"*{star}*", "startswith": f"{star}*", "endswith": f"*{star}"}
        return _like(column, pattern[base], ci, glob[base])
    known = ", ".join(sorted([*_COMPARISONS, *_TEXT_LOOKUPS, "exact", "in", "not_in", "isnull"]))
    raise QueryError(f"unknown lookup __{name} (known: {known}, between)")


_COMPARISONS = {"ne": "<>", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}
_TEXT_LOOKUPS = frozenset(
    {"like", "ilike", "contains", "icontains", "startswith", "istartswith", "endswith",
     "iendswith"}
)  # fmt: skip
