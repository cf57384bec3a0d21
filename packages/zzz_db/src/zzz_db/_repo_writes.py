"""The Repo's single-record writes: ``insert``, ``update``, ``delete`` (changesets or instances)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable
from typing import Any, TypeVar, overload

from zzz_db._repo_reads import _key_of, _Reads
from zzz_db.changeset import Changeset, Err, Ok
from zzz_db.exceptions import ConstraintError, InvalidChangeset, NotFound
from zzz_db.query.builder import OnConflict
from zzz_db.query.compile import compile_delete, compile_insert, compile_update
from zzz_db.schema import Schema, SchemaInfo

__all__: list[str] = []

S = TypeVar("S", bound=Schema)
T = TypeVar("T")


class _Writes(_Reads):
    """Inserts, updates and deletes of one record, with changeset error handling."""

    @overload
    async def insert(
        self, target: Changeset[S], *, on_conflict: OnConflict | None = None
    ) -> Ok[S] | Err[Changeset[S]]: ...
    @overload
    async def insert(self, target: S, *, on_conflict: OnConflict | None = None) -> S: ...
    async def insert(self, target: Any, *, on_conflict: OnConflict | None = None) -> Any:
        """Insert a changeset or a schema instance; return the row as stored.

        With a changeset the result is :class:`~zzz_db.changeset.Ok` (``.value``: the
        record) or :class:`~zzz_db.changeset.Err` (``.changeset`` with ``errors``) when it
        is invalid or hits a constraint it declared; nothing is raised for those. With an
        instance the stored instance is returned and constraint violations raise.
        ``inserted_at``/``updated_at`` are set when the schema has timestamps (unless given).

        Args:
            target: A changeset from :func:`~zzz_db.changeset.changeset`, or an instance.
            on_conflict: Upsert behaviour (:class:`~zzz_db.query.builder.OnConflict`).
        """
        if isinstance(target, Changeset):
            cs = target
            cs.action = "insert"
            if not cs.valid:
                return Err(cs)
            try:
                return Ok(
                    await self._guarded(cs, self._insert_record(cs.apply_changes(), on_conflict))
                )
            except ConstraintError as exc:
                if cs.constraint_error(exc):
                    return Err(cs)
                raise
        return await self._insert_record(target, on_conflict)

    async def _guarded(self, cs: Changeset[Any], write: Awaitable[T]) -> T:
        """Run a changeset's write; inside a PostgreSQL transaction, in a savepoint.

        PostgreSQL aborts the whole transaction on any error, so a constraint violation
        that the changeset turns into a field error would leave the transaction unusable;
        the savepoint keeps it alive. SQLite and MySQL only fail the statement.
        """
        if not cs.constraints or self.backend != "postgresql" or self._tx.get() is None:
            return await write
        async with self.transaction():
            result = await write
        return result  # noqa: RET504 - the block may swallow a rollback, so mypy needs this

    async def insert_or_raise(self, target: Changeset[S] | S) -> S:
        """Insert and return the record; an invalid changeset raises.

        Raises:
            InvalidChangeset: The changeset was invalid or hit a declared constraint.
        """
        return _unwrap(await self.insert(target), "insert")

    async def _insert_record(self, record: S, on_conflict: OnConflict | None) -> S:
        info = type(record).__schema__
        values = info.insert_values(record)
        stamps = info.timestamps
        if stamps is not None:
            now = _now()
            for name in (stamps.inserted_at, stamps.updated_at):
                if name is not None and values.get(name) is None:
                    values[name] = now
        dialect = self._dialect or await self.dialect()
        load = dialect.loader(info)
        if dialect.supports_returning_insert:
            sql, params = compile_insert(
                info, values, dialect, returning=True, on_conflict=on_conflict
            )
            rows = await self.fetch(sql, params)
            if rows.rows:
                return load(rows.rows[0])  # type: ignore[return-value]
            return info.construct(_with_virtual(info, values, record))  # type: ignore[return-value]
        sql, params = compile_insert(info, values, dialect, on_conflict=on_conflict)
        result = await self.execute(sql, params)
        key = {name: values.get(name) for name in info.primary_key}
        auto = info.autoincrement
        if auto is not None and key.get(auto) is None:
            key[auto] = result.lastrowid
        if key and all(v is not None for v in key.values()):
            found = await self.get(type(record), key)
            if found is not None:
                return found
        return info.construct(_with_virtual(info, values, record))  # type: ignore[return-value]

    @overload
    async def update(self, target: Changeset[S]) -> Ok[S] | Err[Changeset[S]]: ...
    @overload
    async def update(self, target: S) -> S: ...
    async def update(self, target: Any) -> Any:
        """Write a changeset's changes (or every field of an instance) to its row.

        A changeset without changes writes nothing. ``updated_at`` is refreshed. Results
        are as for :meth:`insert`. On MySQL (no ``UPDATE … RETURNING``) the row is
        re-selected after the update.

        Raises:
            NotFound: The row no longer exists.
            ValueError: The changeset is for a new record (use :meth:`insert`).
        """
        if isinstance(target, Changeset):
            cs = target
            cs.action = "update"
            if cs.data is None:
                raise ValueError("update() needs a changeset of an existing record: use insert()")
            if not cs.valid:
                return Err(cs)
            info = cs.schema.__schema__
            changes = {k: v for k, v in cs.changes.items() if not info.fields[k].virtual}
            if not changes:
                return Ok(cs.apply_changes())
            try:
                stored = await self._guarded(cs, self._update_record(cs.data, changes))
            except ConstraintError as exc:
                if cs.constraint_error(exc):
                    return Err(cs)
                raise
            virtual = {k: v for k, v in cs.changes.items() if k not in changes}
            return Ok(stored.model_copy(update=virtual) if virtual else stored)
        info = type(target).__schema__
        changes = {s.name: getattr(target, s.name) for s in info.persisted if not s.primary_key}
        return await self._update_record(target, changes)

    async def update_or_raise(self, target: Changeset[S] | S) -> S:
        """Update and return the record; an invalid changeset raises :class:`InvalidChangeset`."""
        return _unwrap(await self.update(target), "update")

    async def _update_record(self, data: S, changes: dict[str, Any]) -> S:
        schema = type(data)
        info = schema.__schema__
        stamps = info.timestamps
        if stamps is not None and stamps.updated_at is not None:
            changes.setdefault(stamps.updated_at, _now())
        where = _key_of(info, data, "update")
        dialect = self._dialect or await self.dialect()
        if dialect.supports_returning_update:
            sql, params = compile_update(info, changes, where, dialect, returning=True)
            rows = await self.fetch(sql, params)
            if not rows.rows:
                raise NotFound(f"{info.name} {where} no longer exists (update found no row)")
            return dialect.loader(info)(rows.rows[0])  # type: ignore[return-value]
        sql, params = compile_update(info, changes, where, dialect)
        result = await self.execute(sql, params)
        if result.rowcount == 0:
            raise NotFound(f"{info.name} {where} no longer exists (update found no row)")
        return await self.get_or_raise(schema, {k: changes.get(k, v) for k, v in where.items()})

    @overload
    async def delete(self, target: Changeset[S]) -> Ok[S] | Err[Changeset[S]]: ...
    @overload
    async def delete(self, target: S) -> S: ...
    async def delete(self, target: Any) -> Any:
        """Delete a record (an instance, or a changeset of one) by its primary key.

        With a changeset, a declared ``foreign_key_constraint`` turns a violation (rows
        still referencing this one) into an error.

        Raises:
            NotFound: The row no longer exists.
        """
        if isinstance(target, Changeset):
            cs = target
            cs.action = "delete"
            if cs.data is None:
                raise ValueError("delete() needs a changeset of an existing record")
            if not cs.valid:
                return Err(cs)
            try:
                return Ok(await self._guarded(cs, self._delete_record(cs.data)))
            except ConstraintError as exc:
                if cs.constraint_error(exc):
                    return Err(cs)
                raise
        return await self._delete_record(target)

    async def _delete_record(self, record: S) -> S:
        info = type(record).__schema__
        where = _key_of(info, record, "delete")
        dialect = self._dialect or await self.dialect()
        sql, params = compile_delete(info, where, dialect)
        if (await self.execute(sql, params)).rowcount == 0:
            raise NotFound(f"{info.name} {where} no longer exists (delete found no row)")
        return record


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _with_virtual(info: SchemaInfo, values: dict[str, Any], record: Schema) -> dict[str, Any]:
    data = {spec.name: values.get(spec.name) for spec in info.persisted}
    return data | {k: v for k, v in record.__dict__.items() if k not in data}


def _unwrap(result: Ok[S] | Err[Changeset[S]] | S, action: str) -> S:
    if isinstance(result, Err):
        cs = result.changeset
        raise InvalidChangeset(f"could not {action} {cs.schema.__name__}: {cs.errors}", cs)
    return result.value if isinstance(result, Ok) else result
