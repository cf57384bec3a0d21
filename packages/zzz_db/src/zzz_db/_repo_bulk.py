"""The Repo's bulk writes: ``insert_all``, ``update_all``, ``delete_all``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal, TypeVar, overload

from pydantic_core import PydanticUndefined

from zzz_db._repo_reads import _as_query
from zzz_db._repo_session import _Session
from zzz_db._repo_writes import _now
from zzz_db.dialects import Dialect
from zzz_db.query.builder import OnConflict, Query
from zzz_db.query.compile import (
    Compiled,
    compile_delete_all,
    compile_insert_all,
    compile_update_all,
)
from zzz_db.schema import Schema, SchemaInfo

__all__: list[str] = []

S = TypeVar("S", bound=Schema)


class _Bulk(_Session):
    """Many-row statements (no validation, no changesets)."""

    @overload
    async def insert_all(
        self,
        schema: type[S],
        rows: Sequence[Mapping[str, Any] | S],
        *,
        on_conflict: OnConflict | None = None,
        returning: Literal[False] = False,
        batch_size: int | None = None,
    ) -> int: ...
    @overload
    async def insert_all(
        self,
        schema: type[S],
        rows: Sequence[Mapping[str, Any] | S],
        *,
        on_conflict: OnConflict | None = None,
        returning: Literal[True],
        batch_size: int | None = None,
    ) -> list[S]: ...
    async def insert_all(
        self,
        schema: type[S],
        rows: Sequence[Mapping[str, Any] | S],
        *,
        on_conflict: OnConflict | None = None,
        returning: bool = False,
        batch_size: int | None = None,
    ) -> int | list[S]:
        """Insert many rows with as few statements as possible (no validation).

        Rows are ``{field: value}`` dicts or instances; a field missing from a dict gets
        the schema's default; timestamps are filled in. Several statements (more rows
        than one statement's parameter limit, or ``batch_size``) run in one transaction.

        Args:
            schema: The schema class.
            rows: The rows.
            on_conflict: Upsert behaviour for every row.
            returning: Return the stored instances instead of the count (not on MySQL).
            batch_size: At most this many rows per statement.

        Returns:
            The number of rows written (MySQL counts an upsert's update as 2), or the rows.
        """
        if not rows:
            return [] if returning else 0
        info = schema.__schema__
        values = _normalise_rows(info, rows)
        dialect = self._dialect or await self.dialect()
        statements = compile_insert_all(
            info,
            values,
            dialect,
            returning=returning,
            on_conflict=on_conflict,
            batch_size=batch_size,
        )
        if len(statements) == 1:
            return await self._run_insert_all(statements, info, dialect, returning=returning)
        result: int | list[S] = 0
        async with self.transaction():
            result = await self._run_insert_all(statements, info, dialect, returning=returning)
        return result  # noqa: RET504 - the block may swallow a rollback, so mypy needs this

    async def _run_insert_all(
        self,
        statements: list[Compiled],
        info: SchemaInfo,
        dialect: Dialect,
        *,
        returning: bool,
    ) -> int | list[S]:
        if returning:
            load = dialect.loader(info)
            stored: list[Any] = []
            for sql, params in statements:
                stored.extend(load(row) for row in (await self.fetch(sql, params)).rows)
            return stored
        count = 0
        for sql, params in statements:
            count += max(0, (await self.execute(sql, params)).rowcount)
        return count

    async def update_all(self, query: Query[Any] | type[Schema], **values: Any) -> int:
        """``UPDATE`` every row the query matches; values may be expressions.

        Timestamps are not touched (set ``updated_at=...`` yourself if needed).

        Example:
            >>> import anyio
            >>> from zzz_db import Repo, Schema
            >>> class Member(Schema, table="members"):
            ...     name: str
            ...     role: str = "member"
            ...     active: bool = True
            >>> async def demo() -> int:
            ...     async with Repo("sqlite::memory:") as repo:
            ...         await repo.execute(
            ...             "CREATE TABLE members (id INTEGER PRIMARY KEY, name TEXT,"
            ...             " role TEXT, active INTEGER)"
            ...         )
            ...         rows = [{"name": "Al", "active": False}, {"name": "Bo"}]
            ...         await repo.insert_all(Member, rows)
            ...         inactive = Member.query().where(active=False)
            ...         return await repo.update_all(inactive, role="guest")
            >>> anyio.run(demo)
            1

        Returns:
            The number of rows matched.
        """
        dialect = self._dialect or await self.dialect()
        sql, params = compile_update_all(_as_query(query), values, dialect)
        return (await self.execute(sql, params)).rowcount

    async def delete_all(self, query: Query[Any] | type[Schema]) -> int:
        """``DELETE`` every row the query matches; returns how many."""
        dialect = self._dialect or await self.dialect()
        sql, params = compile_delete_all(_as_query(query), dialect)
        return (await self.execute(sql, params)).rowcount


def _normalise_rows(
    info: SchemaInfo, rows: Sequence[Mapping[str, Any] | Schema]
) -> list[dict[str, Any]]:
    out = [info.insert_values(row) if isinstance(row, Schema) else dict(row) for row in rows]
    names: dict[str, None] = {}
    for row in out:
        names.update(dict.fromkeys(row))
    stamps = info.timestamps
    now = _now()
    stamp_names = () if stamps is None else (stamps.inserted_at, stamps.updated_at)
    for stamp in stamp_names:
        if stamp is not None:
            names.setdefault(stamp, None)
    fields = info.schema.model_fields
    for spec in info.persisted:  # schema defaults other than None apply, as for insert()
        field = fields[spec.name]
        if spec.name not in names and (
            field.default_factory is not None or field.default not in (None, PydanticUndefined)
        ):
            names[spec.name] = None
    for index, row in enumerate(out):
        if len(row) == len(names) and not stamp_names:
            continue
        for name in names:
            if row.get(name) is None and name in stamp_names:
                row[name] = now
            elif name not in row:
                info_field = fields.get(name)
                if info_field is None or info_field.is_required():
                    raise ValueError(
                        f"insert_all row {index} of {info.name} has no value for {name!r} "
                        "and the field has no default"
                    )
                row[name] = info_field.get_default(call_default_factory=True)
    return out
