"""Exceptions raised by ``zzz_db``.

Hierarchy::

    ZzzDBError
    ├── SchemaError (TypeError)              a schema class is invalid: raised at class creation
    ├── QueryError (ValueError)              a query cannot be built or compiled
    ├── AssociationNotLoaded (AttributeError) read before it was preloaded
    ├── NotFound (LookupError)               ``Repo.get!``-style lookups found no row
    ├── MultipleResultsFound (LookupError)   ``Repo.one`` found more than one row
    ├── DatabaseError                        the database reported an error
    │   ├── ConstraintError                  an integrity constraint was violated
    │   │   ├── UniqueViolation
    │   │   ├── ForeignKeyViolation
    │   │   ├── CheckViolation
    │   │   └── NotNullViolation
    │   └── DBConnectionError (ConnectionError) the connection failed or was lost
    └── PoolTimeout (TimeoutError)           no connection could be acquired in time

The I/O half of the package (adapters, Repo) maps driver exceptions onto the ``DatabaseError``
branch and keeps the driver's exception as ``__cause__``.
"""

from __future__ import annotations

__all__ = [
    "AssociationNotLoaded",
    "CheckViolation",
    "ConstraintError",
    "DBConnectionError",
    "DatabaseError",
    "ForeignKeyViolation",
    "InvalidChangeset",
    "MultipleResultsFound",
    "NotFound",
    "NotNullViolation",
    "PoolTimeout",
    "QueryError",
    "SchemaError",
    "StatementTimeout",
    "TransactionError",
    "UniqueViolation",
    "ZzzDBError",
]


class ZzzDBError(Exception):
    """Base class of every exception ``zzz_db`` raises on purpose."""


class SchemaError(ZzzDBError, TypeError):
    """A schema class is invalid (bad field type, missing table, unknown association target).

    Raised when the class is created (or when a lazily named association target is first
    resolved); the message names the schema class and the fix.
    """


class QueryError(ZzzDBError, ValueError):
    """A query cannot be built or compiled.

    Raised at query-build time: an unknown field names the schema, an unknown lookup lists the
    supported ones, and a feature the dialect lacks names the dialect.
    """


class AssociationNotLoaded(ZzzDBError, AttributeError):
    """An association attribute was read on an instance before it was preloaded."""


class NotFound(ZzzDBError, LookupError):
    """A lookup that must find a row found none (``Repo.get!``-style variants)."""


class MultipleResultsFound(ZzzDBError, LookupError):
    """A lookup that expects at most one row found several (``Repo.one``)."""


class DatabaseError(ZzzDBError):
    """The database reported an error; the driver's exception is the ``__cause__``."""


class ConstraintError(DatabaseError):
    """An integrity constraint was violated.

    Args:
        message: The database's message.
        constraint: The violated constraint's name, when the database reports it.
        table: The table, when known.
        columns: The columns involved, when known.
    """

    def __init__(
        self,
        message: str,
        *,
        constraint: str | None = None,
        table: str | None = None,
        columns: tuple[str, ...] = (),
    ) -> None:
        super().__init__(message)
        self.constraint = constraint
        self.table = table
        self.columns = columns


class UniqueViolation(ConstraintError):
    """A unique constraint or unique index was violated."""


class ForeignKeyViolation(ConstraintError):
    """A foreign key constraint was violated."""


class CheckViolation(ConstraintError):
    """A check constraint was violated."""


class NotNullViolation(ConstraintError):
    """A ``NOT NULL`` constraint was violated."""


class DBConnectionError(DatabaseError, ConnectionError):
    """Connecting to the database failed, or the connection was lost."""


class PoolTimeout(ZzzDBError, TimeoutError):
    """No connection could be acquired from the pool within the acquire timeout."""


# --- Appended by the I/O half (adapters, Repo, transactions, changesets) ---


class StatementTimeout(DatabaseError, TimeoutError):
    """A statement ran longer than the Repo's ``statement_timeout`` and was cancelled."""


class TransactionError(ZzzDBError):
    """A transaction was used wrongly (e.g. ``rollback()`` after its block ended)."""


class InvalidChangeset(ZzzDBError, ValueError):
    """A raising Repo call (``insert_or_raise``, ``update_or_raise``) got an invalid changeset.

    Args:
        message: What was attempted.
        changeset: The invalid changeset; ``changeset.errors`` says why.
    """

    def __init__(self, message: str, changeset: object) -> None:
        super().__init__(message)
        self.changeset = changeset
