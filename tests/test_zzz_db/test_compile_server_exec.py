"""Compiled SQL is valid on the real PostgreSQL and MariaDB servers (sync drivers, no Repo).

These prove the dialects' SQL and type adaptation; the Repo's behavioural suite covers the rest.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
import secrets
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar
from urllib.parse import urlsplit

import pydantic
import pytest
from zzz_db.associations import BelongsTo, belongs_to
from zzz_db.dialects import MySQLDialect, PostgresDialect
from zzz_db.dialects.base import Dialect
from zzz_db.fields import field
from zzz_db.query import (
    OnConflict,
    Query,
    compile_aggregate,
    compile_create_table,
    compile_delete_all,
    compile_exists,
    compile_get,
    compile_insert,
    compile_insert_all,
    compile_select,
    compile_update,
    compile_update_all,
    fragment,
    func,
)
from zzz_db.schema import Schema


class SvColor(enum.Enum):
    RED = "red"
    BLUE = "blue"


class SvPrefs(pydantic.BaseModel):
    theme: str = "dark"


@dataclass
class Env:
    """A live connection, its dialect and the schema classes bound to unique tables."""

    conn: Any
    dialect: Dialect
    author: type[Schema]
    book: type[Schema]

    def run(self, compiled: tuple[str, list[Any]]) -> list[tuple[Any, ...]]:
        cursor = self.conn.cursor()
        try:
            cursor.execute(compiled[0], compiled[1])
            return list(cursor.fetchall()) if cursor.description else []
        finally:
            cursor.close()

    def fetch(self, query: Query[Any]) -> list[Any]:
        load = self.dialect.loader(query.info)  # type: ignore[arg-type]
        return [load(row) for row in self.run(compile_select(query, self.dialect))]


DDL = {
    "postgres": (
        "CREATE TABLE {a} (id BIGSERIAL PRIMARY KEY, name TEXT NOT NULL, email_address TEXT "
        "NOT NULL UNIQUE, age INT, active BOOLEAN NOT NULL, color TEXT NOT NULL, prefs JSONB, "
        "meta JSONB NOT NULL, balance NUMERIC(40, 10) NOT NULL, token UUID, birthday DATE, "
        "wakes_at TIME, avatar BYTEA, inserted_at TIMESTAMPTZ, updated_at TIMESTAMPTZ)",
        "CREATE TABLE {b} (id BIGSERIAL PRIMARY KEY, title TEXT NOT NULL, pages INT NOT NULL, "
        "author_id BIGINT REFERENCES {a}(id))",
    ),
    "mysql": (
        "CREATE TABLE {a} (id BIGINT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(200) NOT NULL, "
        "email_address VARCHAR(200) NOT NULL UNIQUE, age INT, active BOOLEAN NOT NULL, "
        "color VARCHAR(20) NOT NULL, prefs JSON, meta JSON NOT NULL, balance DECIMAL(40, 10) "
        "NOT NULL, token CHAR(36), birthday DATE, wakes_at TIME(6), avatar BLOB, "
        "inserted_at DATETIME(6), updated_at DATETIME(6))",
        "CREATE TABLE {b} (id BIGINT AUTO_INCREMENT PRIMARY KEY, title VARCHAR(200) NOT NULL, "
        "pages INT NOT NULL, author_id BIGINT, FOREIGN KEY (author_id) REFERENCES {a}(id))",
    ),
}


def _schemas(suffix: str) -> tuple[type[Schema], type[Schema]]:
    class SvAuthor(Schema, table=f"d1_sv_authors_{suffix}", timestamps=True):
        name: str
        email: str = field(column="email_address")
        age: int | None = None
        active: bool = True
        color: SvColor = SvColor.RED
        prefs: SvPrefs | None = None
        meta: dict[str, Any] = pydantic.Field(default_factory=dict)
        balance: Decimal = Decimal(0)
        token: uuid.UUID | None = None
        birthday: dt.date | None = None
        wakes_at: dt.time | None = None
        avatar: bytes | None = None

    class SvBook(Schema, table=f"d1_sv_books_{suffix}"):
        title: str
        pages: int = 0
        author: ClassVar[BelongsTo[SvAuthor]] = belongs_to(SvAuthor)

    return SvAuthor, SvBook


def _connect(kind: str, url: str) -> tuple[Any, Dialect]:
    if kind == "postgres":
        import psycopg

        return psycopg.connect(url, autocommit=True, connect_timeout=5), PostgresDialect()
    import pymysql

    parts = urlsplit(url)
    conn = pymysql.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 3306,
        user=parts.username or "root",
        password=parts.password or "",
        database=parts.path.lstrip("/") or "test",
        autocommit=True,
        connect_timeout=5,
        read_timeout=10,
    )
    with conn.cursor() as cursor:
        cursor.execute("SELECT VERSION()")
        version_text = cursor.fetchone()[0]
    numbers = tuple(int(n) for n in re.findall(r"\d+", version_text)[:3])
    return conn, MySQLDialect(mariadb="mariadb" in version_text.lower(), version=numbers)


@pytest.fixture(params=["postgres", "mysql"])
def env(request: pytest.FixtureRequest) -> Iterator[Env]:
    kind = request.param
    url = request.getfixturevalue("postgres_url" if kind == "postgres" else "mysql_url")
    conn, dialect = _connect(kind, url)
    author, book = _schemas(secrets.token_hex(4))
    names = {"a": author.__schema__.table, "b": book.__schema__.table}
    environment = Env(conn, dialect, author, book)
    try:
        for statement in DDL[kind]:
            environment.run((statement.format(**names), []))
        yield environment
    finally:
        environment.run((f"DROP TABLE IF EXISTS {names['b']}", []))
        environment.run((f"DROP TABLE IF EXISTS {names['a']}", []))
        conn.close()


def _author(name: str, **extra: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "name": name,
        "email": f"{name}@example.test",
        "active": True,
        "color": SvColor.RED,
        "meta": {},
        "balance": Decimal(0),
    }
    values.update(extra)
    return values


def _seed(env: Env) -> None:
    rows = [
        _author("ann", age=31, color=SvColor.BLUE),
        _author("bob", age=17),
        _author("cy", age=None, active=False),
        _author("dee", age=45, balance=Decimal("10.5")),
    ]
    for compiled in compile_insert_all(env.author, rows, env.dialect, batch_size=3):
        env.run(compiled)
    books = [
        {"title": "A", "pages": 100, "author_id": 1},
        {"title": "B", "pages": 300, "author_id": 1},
        {"title": "C", "pages": 50, "author_id": 4},
    ]
    env.run(compile_insert(env.book, books, env.dialect))


def test_types_round_trip(env: Env) -> None:
    when = dt.datetime(2024, 5, 1, 14, 30, 1, 5, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    token = uuid.uuid4()
    values = _author(
        "ann",
        age=30,
        active=False,
        color=SvColor.BLUE,
        prefs=SvPrefs(theme="light"),
        meta={"a": [1, {"b": None}], "u": "ß"},
        balance=Decimal("1234567890.0123456789"),
        token=token,
        birthday=dt.date(1990, 2, 3),
        wakes_at=dt.time(6, 45, 30),
        avatar=b"\x00\xff",
        inserted_at=when,
    )
    env.run(compile_insert(env.author, values, env.dialect))
    loaded = env.fetch(env.author.query().where(token=token, color=SvColor.BLUE))
    assert len(loaded) == 1
    got = loaded[0]
    assert got.active is False
    assert got.color is SvColor.BLUE
    assert got.prefs == SvPrefs(theme="light")
    assert got.meta == {"a": [1, {"b": None}], "u": "ß"}
    assert got.balance == Decimal("1234567890.0123456789")
    assert got.token == token
    assert got.birthday == dt.date(1990, 2, 3)
    assert got.wakes_at == dt.time(6, 45, 30)
    assert got.avatar == b"\x00\xff"
    assert got.inserted_at == when
    assert got.inserted_at.tzinfo == dt.UTC
    assert env.fetch(env.author.query().where(inserted_at__gte=when))[0].name == "ann"


def test_queries_run(env: Env) -> None:
    _seed(env)
    author, book = env.author, env.book
    c = author.c
    names = [a.name for a in env.fetch(author.query().where(age__gte=18).order_by("-age"))]
    assert names == ["dee", "ann"]
    assert [a.name for a in env.fetch(author.query().order_by("id").offset(3))] == ["dee"]
    assert [a.name for a in env.fetch(author.query().where(name__ilike="AN%"))] == ["ann"]
    assert [a.name for a in env.fetch(author.query().where(email__contains="b@ex"))] == ["bob"]
    nulls = author.query().order_by(c.age.desc().nulls_last(), "name")
    assert [a.name for a in env.fetch(nulls)] == ["dee", "ann", "bob", "cy"]
    joined = book.query().join("author").where(c.name == "ann").order_by("pages")
    assert [r[1] for r in env.run(compile_select(joined, env.dialect))] == ["A", "B"]
    long_books = book.query().where(pages__gt=60).select("author_id")
    assert [a.name for a in env.fetch(author.query().where(id__in=long_books))] == ["ann"]
    has_books = book.query().where(book.c.author_id == c.id)
    without = author.query().where(~has_books.exists()).order_by("name")
    assert [a.name for a in env.fetch(without)] == ["bob", "cy"]
    grouped = (
        book.query()
        .select("author_id", func.count().label("n"), func.sum(book.c.pages).label("p"))
        .group_by("author_id")
        .having(func.count() > 1)
    )
    assert [(r[0], r[1], int(r[2])) for r in env.run(compile_select(grouped, env.dialect))] == [
        (1, 2, 400)
    ]
    sub = grouped.subquery("t")
    outer: Query[Any] = Query(sub).where(n__gte=2)
    assert env.run(compile_select(outer.select(sub.c.n), env.dialect)) == [(2,)]
    frag = author.query().where(fragment("upper(?) = ? AND 'x%' LIKE 'x%'", c.name, "BOB"))
    assert [a.name for a in env.fetch(frag)] == ["bob"]
    assert env.run(compile_aggregate(author.query().limit(2), "count", None, env.dialect)) == [(2,)]
    assert bool(env.run(compile_exists(author.query().where(age=45), env.dialect))[0][0])
    get = compile_get(author, env.dialect)
    assert env.run((get, [4]))[0][1] == "dee"


def test_writes_run(env: Env) -> None:
    _seed(env)
    author, book = env.author, env.book
    env.run(compile_update(author, {"age": author.c.age + 1}, {"id": 2}, env.dialect))
    assert env.fetch(author.query().where(id=2))[0].age == 18
    oldest = author.query().where(age__isnull=False).order_by("-age").limit(2)
    env.run(compile_update_all(oldest, {"active": False}, env.dialect))
    inactive = env.fetch(author.query().where(active=False).order_by("name"))
    assert [a.name for a in inactive] == ["ann", "cy", "dee"]
    env.run(compile_delete_all(book.query().order_by("pages").limit(1), env.dialect))
    assert sorted(
        r[0] for r in env.run(compile_select(book.query().select("title"), env.dialect))
    ) == [
        "A",
        "B",
    ]
    replace = OnConflict.replace(["age"], target=["email"])
    env.run(compile_insert(author, _author("ann", age=99), env.dialect, on_conflict=replace))
    assert env.fetch(author.query().where(name="ann"))[0].age == 99
    skip = OnConflict.nothing(["email"])
    env.run(compile_insert(author, _author("ann", age=1), env.dialect, on_conflict=skip))
    bump = OnConflict.update({"age": author.c.age + 1}, target=["email"])
    env.run(compile_insert(author, _author("ann"), env.dialect, on_conflict=bump))
    assert env.fetch(author.query().where(name="ann"))[0].age == 100
    if env.dialect.supports_returning_insert:
        rows = env.run(
            compile_insert(author, _author("eve"), env.dialect, returning=["id", "name"])
        )
        assert len(rows) == 1
        assert isinstance(rows[0][0], int)
        assert rows[0][1] == "eve"


def test_row_locks_run(env: Env) -> None:
    _seed(env)
    env.conn.autocommit = False
    try:
        query = env.author.query().where(id=1).for_update(skip_locked=True)
        assert [a.name for a in env.fetch(query)] == ["ann"]
        share = env.author.query().where(id=1).lock("share")
        assert [a.name for a in env.fetch(share)] == ["ann"]
    finally:
        env.conn.rollback()
        env.conn.autocommit = True


@pytest.mark.parametrize("evil", ["'; DROP TABLE x; --", "\\'; --", "%s", "%(x)s", "`x`", '"y"'])
def test_injection_attempts_are_harmless(env: Env, evil: str) -> None:
    _seed(env)
    author = env.author
    queries = [
        author.query().where(name=evil),
        author.query().where(name__contains=evil),
        author.query().where(author.c.name.ilike(evil)),
        author.query().where(fragment("? = ?", author.c.name, evil)),
    ]
    for query in queries:
        assert env.fetch(query) == []
    env.run(compile_insert(author, _author("x", email=evil, meta={"k": evil}), env.dialect))
    assert [a.meta for a in env.fetch(author.query().where(email=evil))] == [{"k": evil}]
    assert env.run(compile_aggregate(author.query(), "count", None, env.dialect)) == [(5,)]


def test_create_table_from_schema(env: Env) -> None:
    class SvTyped(Schema, table=f"d1_sv_typed_{secrets.token_hex(4)}", timestamps=True):
        code: str = field(unique=True)
        title: str = field(default="", size=40)
        color: SvColor = SvColor.RED
        price: Decimal = field(default=Decimal(0), precision=12, scale=4)
        amount: Decimal | None = None
        key: uuid.UUID | None = None
        flag: bool = False
        prefs: SvPrefs | None = None
        day: dt.date | None = None
        at: dt.time | None = None
        blob: bytes | None = None
        ratio: float = 0.0

    table = SvTyped.__schema__.table
    env.run((compile_create_table(SvTyped, env.dialect), []))
    try:
        env.run((compile_create_table(SvTyped, env.dialect, if_not_exists=True), []))
        when = dt.datetime(2024, 1, 2, 3, 4, 5, 6, tzinfo=dt.UTC)
        key = uuid.uuid4()
        values = {
            "code": "c1", "title": "t", "color": SvColor.BLUE, "price": Decimal("12.3456"),
            "amount": Decimal("0.5"), "key": key, "flag": True, "prefs": SvPrefs(theme="x"),
            "day": dt.date(2024, 1, 2), "at": dt.time(3, 4, 5), "blob": b"\x01", "ratio": 0.25,
            "inserted_at": when,
        }  # fmt: skip
        env.run(compile_insert(SvTyped, values, env.dialect))
        got = env.fetch(SvTyped.query())[0]
        for name, value in values.items():
            assert getattr(got, name) == value, name
        duplicate = compile_insert(SvTyped, {**values, "title": "other"}, env.dialect)
        with pytest.raises(Exception, match=r"(?i)duplicate|unique"):
            env.run(duplicate)
    finally:
        env.run((f"DROP TABLE IF EXISTS {table}", []))
