"""zzz_db: Ecto-like schemas, composable queries, changesets and a Repo for Python.

SQLite (the embedded default), PostgreSQL (psycopg 3) and MySQL/MariaDB behind one async
API that runs on asyncio and trio. ``zzz_db`` never imports ``zzz``.

Example:
    >>> from zzz_db import Schema
    >>> class User(Schema, table="users"):
    ...     age: int = 0
    >>> sql, params = User.query().where(age__gte=18).limit(10).to_sql("postgres")
    >>> print(sql)
    SELECT "users"."id", "users"."age" FROM "users" WHERE "users"."age" >= %s LIMIT %s
    >>> params
    [18, 10]
"""

from __future__ import annotations

from zzz_db.associations import (
    Association,
    BelongsTo,
    HasMany,
    HasOne,
    ManyToMany,
    belongs_to,
    has_many,
    has_one,
    many_to_many,
)
from zzz_db.changeset import Changeset, Err, Ok, changeset
from zzz_db.exceptions import (
    AssociationNotLoaded,
    CheckViolation,
    ConstraintError,
    DatabaseError,
    DBConnectionError,
    ForeignKeyViolation,
    InvalidChangeset,
    MultipleResultsFound,
    NotFound,
    NotNullViolation,
    PoolTimeout,
    QueryError,
    SchemaError,
    StatementTimeout,
    TransactionError,
    UniqueViolation,
    ZzzDBError,
)
from zzz_db.fields import FieldSpec, Timestamps, field, timestamps
from zzz_db.multi import Multi, MultiResult
from zzz_db.query import Expr, OnConflict, Query, and_, exists, fragment, func, not_, or_
from zzz_db.repo import Repo, RepoConfig
from zzz_db.schema import Schema, SchemaInfo

__all__ = [
    "Association",
    "AssociationNotLoaded",
    "BelongsTo",
    "Changeset",
    "CheckViolation",
    "ConstraintError",
    "DBConnectionError",
    "DatabaseError",
    "Err",
    "Expr",
    "FieldSpec",
    "ForeignKeyViolation",
    "HasMany",
    "HasOne",
    "InvalidChangeset",
    "ManyToMany",
    "Multi",
    "MultiResult",
    "MultipleResultsFound",
    "NotFound",
    "NotNullViolation",
    "Ok",
    "OnConflict",
    "PoolTimeout",
    "Query",
    "QueryError",
    "Repo",
    "RepoConfig",
    "Schema",
    "SchemaError",
    "SchemaInfo",
    "StatementTimeout",
    "Timestamps",
    "TransactionError",
    "UniqueViolation",
    "ZzzDBError",
    "and_",
    "belongs_to",
    "changeset",
    "exists",
    "field",
    "fragment",
    "func",
    "has_many",
    "has_one",
    "many_to_many",
    "not_",
    "or_",
    "timestamps",
]
