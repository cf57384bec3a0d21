"""What a query selects from or joins: tables, aliases and raw tables.

``source.c.<name>`` (a :class:`Columns`) gives a source's columns; a schema's columns are
checked against its fields, so a typo raises :class:`~zzz_db.exceptions.QueryError` naming the
schema.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from zzz_db.exceptions import QueryError
from zzz_db.query.expr.core import Column, Ctx

if TYPE_CHECKING:
    from zzz_db.schema import SchemaInfo

__all__ = [
    "Columns",
    "RawTable",
    "Source",
    "TableSource",
]


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
