"""Compiled SQL runs on a real (in-memory, stdlib) SQLite database and means what it says."""

from __future__ import annotations

import datetime as dt
import enum
import sqlite3
import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any, ClassVar

import pydantic
import pytest
from zzz_db.associations import (
    BelongsTo,
    HasMany,
    ManyToMany,
    belongs_to,
    has_many,
    many_to_many,
)
from zzz_db.dialects import get_dialect
from zzz_db.fields import field
from zzz_db.query import (
    OnConflict,
    Query,
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
    fragment,
    func,
    preload_plan,
    result_loader,
)
from zzz_db.schema import Schema

SQLITE = get_dialect("sqlite")


class ExColor(enum.Enum):
    RED = "red"
    BLUE = "blue"


class ExPrefs(pydantic.BaseModel):
    theme: str = "dark"
    sizes: list[int] = []


class ExAuthor(Schema, table="ex_authors", timestamps=True):
    id: int | None = None
    name: str
    email: str = field(column="email_address")
    age: int | None = None
    active: bool = True
    color: ExColor = ExColor.RED
    prefs: ExPrefs | None = None
    meta: dict[str, Any] = pydantic.Field(default_factory=dict)
    balance: Decimal = Decimal("0")
    inserted_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None
    token: uuid.UUID | None = None
    birthday: dt.date | None = None
    wakes_at: dt.time | None = None
    avatar: bytes | None = None
    books: ClassVar[HasMany[ExBook]] = has_many("ExBook", foreign_key="author_id")
    tags: ClassVar[ManyToMany[ExTag]] = many_to_many("ExTag", join_through="ex_author_tags")


class ExBook(Schema, table="ex_books"):
    title: str
    pages: int = 0
    author_id: int | None = None
    author: ClassVar[BelongsTo[ExAuthor]] = belongs_to(ExAuthor)


class ExTag(Schema, table="ex_tags"):
    label: str


DDL = """
CREATE TABLE ex_authors (
  id INTEGER PRIMARY KEY, name TEXT NOT NULL, email_address TEXT NOT NULL UNIQUE, age INTEGER,
  active INTEGER NOT NULL, color TEXT NOT NULL, prefs TEXT, meta TEXT NOT NULL,
  balance TEXT NOT NULL, token TEXT, birthday TEXT, wakes_at TEXT, avatar BLOB,
  inserted_at TEXT, updated_at TEXT);
CREATE TABLE ex_books (id INTEGER PRIMARY KEY, title TEXT NOT NULL, pages INTEGER NOT NULL,
  author_id INTEGER REFERENCES ex_authors(id));
CREATE TABLE ex_tags (id INTEGER PRIMARY KEY, label TEXT NOT NULL);
CREATE TABLE ex_author_tags (ex_author_id INTEGER, ex_tag_id INTEGER);
"""


@pytest.fixture
def db() -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(":memory:")
    conn.executescript(DDL)
    try:
        yield conn
    finally:
        conn.close()


def run(db: sqlite3.Connection, compiled: tuple[str, list[Any]]) -> list[tuple[Any, ...]]:
    return db.execute(compiled[0], compiled[1]).fetchall()


def fetch(db: sqlite3.Connection, query: Query[ExAuthor]) -> list[ExAuthor]:
    load = SQLITE.loader(ExAuthor)
    return [load(row) for row in run(db, compile_select(query, SQLITE))]


def author(name: str, **extra: Any) -> dict[str, Any]:
    values = {
        "name": name,
        "email": f"{name}@example.test",
        "active": True,
        "color": ExColor.RED,
        "meta": {},
        "balance": Decimal("0"),
    }
    values.update(extra)
    return values


def seed(db: sqlite3.Connection) -> None:
    rows = [
        author("ann", age=31, color=ExColor.BLUE),
        author("bob", age=17),
        author("cy", age=None, active=False),
        author("dee", age=45, balance=Decimal("10.50")),
    ]
    for compiled in compile_insert_all(ExAuthor, rows, SQLITE):
        run(db, compiled)
    books = [
        {"title": "A", "pages": 100, "author_id": 1},
        {"title": "B", "pages": 300, "author_id": 1},
        {"title": "C", "pages": 50, "author_id": 4},
    ]
    run(db, compile_insert(ExBook, books, SQLITE))


def test_every_type_round_trips(db: sqlite3.Connection) -> None:
    when = dt.datetime(2024, 5, 1, 14, 30, 1, 5, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    token = uuid.uuid4()
    values = author(
        "ann",
        age=30,
        active=False,
        color=ExColor.BLUE,
        prefs=ExPrefs(theme="light", sizes=[1, 2]),
        meta={"a": [1, {"b": None}], "ü": "ß"},
        balance=Decimal("12345678901234567890.0123456789"),
        token=token,
        birthday=dt.date(1990, 2, 3),
        wakes_at=dt.time(6, 45, 30),
        avatar=b"\x00\xff",
        inserted_at=when,
    )
    rows = run(db, compile_insert(ExAuthor, values, SQLITE, returning=True))
    loaded = SQLITE.loader(ExAuthor)(rows[0])
    assert loaded.id == 1
    assert loaded.active is False
    assert loaded.color is ExColor.BLUE
    assert loaded.prefs == ExPrefs(theme="light", sizes=[1, 2])
    assert loaded.meta == {"a": [1, {"b": None}], "ü": "ß"}
    assert loaded.balance == Decimal("12345678901234567890.0123456789")
    assert loaded.token == token
    assert loaded.birthday == dt.date(1990, 2, 3)
    assert loaded.wakes_at == dt.time(6, 45, 30)
    assert loaded.avatar == b"\x00\xff"
    assert loaded.inserted_at == when
    assert loaded.inserted_at.tzinfo == dt.UTC
    assert loaded.updated_at is None
    again = fetch(db, ExAuthor.query().where(token=token, inserted_at=when, color=ExColor.BLUE))
    assert [a.id for a in again] == [1]


def test_filters_order_limit(db: sqlite3.Connection) -> None:
    seed(db)
    c = ExAuthor.c
    adults = ExAuthor.query().where(age__gte=18).order_by("-age")
    assert [a.name for a in fetch(db, adults)] == ["dee", "ann"]
    assert [a.name for a in fetch(db, adults.limit(1).offset(1))] == ["ann"]
    assert [a.name for a in fetch(db, ExAuthor.query().order_by("id").offset(3))] == ["dee"]
    ors = ExAuthor.query().where((c.age < 18) | c.age.is_null()).order_by("name")
    assert [a.name for a in fetch(db, ors)] == ["bob", "cy"]
    assert [a.name for a in fetch(db, ExAuthor.query().where(active=False))] == ["cy"]
    assert len(fetch(db, ExAuthor.query().where(name__in=[]))) == 0
    assert len(fetch(db, ExAuthor.query().where(name__not_in=[]))) == 4
    assert [a.name for a in fetch(db, ExAuthor.query().where(email__endswith="b@example.test"))]\
        == ["bob"]  # fmt: skip
    nulls = ExAuthor.query().order_by(c.age.asc().nulls_last())
    assert [a.name for a in fetch(db, nulls)][-1] == "cy"
    assert [a.name for a in fetch(db, ExAuthor.query().where(name__ilike="AN%"))] == ["ann"]
    assert [a.name for a in fetch(db, ExAuthor.query().where(balance=Decimal("10.50")))] == ["dee"]


def test_joins_group_by_having(db: sqlite3.Connection) -> None:
    seed(db)
    with_books = ExAuthor.query().join("books").where(ExBook.c.pages > 60).distinct()
    assert [a.name for a in fetch(db, with_books)] == ["ann"]
    counts = (
        ExAuthor.query()
        .left_join(ExAuthor.books)
        .select("name", func.count(ExBook.c.id).label("n"), func.sum(ExBook.c.pages))
        .group_by("name")
        .having(func.count(ExBook.c.id) >= 1)
        .order_by("name")
    )
    assert run(db, compile_select(counts, SQLITE)) == [("ann", 2, 400), ("dee", 1, 50)]
    convert = result_loader(counts, SQLITE)
    assert convert(("ann", 2, 400)) == ("ann", 2, 400)
    typed = ExAuthor.query().select("active", "balance", "color").order_by("id").limit(1)
    convert = result_loader(typed, SQLITE)
    assert convert(run(db, compile_select(typed, SQLITE))[0]) == (True, Decimal(0), ExColor.BLUE)
    assert isinstance(result_loader(ExAuthor.query(), SQLITE)(run(db, compile_select(
        ExAuthor.query(), SQLITE))[0]), ExAuthor)  # fmt: skip
    back = ExBook.query().join(ExBook.author).where(ExAuthor.c.name == "dee")
    rows = run(db, compile_select(back, SQLITE))
    assert [r[1] for r in rows] == ["C"]


def test_many_to_many_join(db: sqlite3.Connection) -> None:
    seed(db)
    run(db, compile_insert(ExTag, [{"label": "x"}, {"label": "y"}], SQLITE))
    db.execute("INSERT INTO ex_author_tags VALUES (1, 1), (1, 2), (2, 2)")
    tagged = ExAuthor.query().join("tags").where(ExTag.c.label == "y").order_by("name")
    assert [a.name for a in fetch(db, tagged)] == ["ann", "bob"]


def test_preload_plans_run(db: sqlite3.Connection) -> None:
    seed(db)
    run(db, compile_insert(ExTag, [{"label": "x"}, {"label": "y"}], SQLITE))
    db.execute("INSERT INTO ex_author_tags VALUES (1, 1), (1, 2), (4, 2)")
    plan = preload_plan(ExAuthor.books, [1, 4])
    assert (plan.owner_key, plan.target_key, plan.through) == ("id", "author_id", False)
    load_book = SQLITE.loader(ExBook)
    books = [load_book(r) for r in run(db, compile_select(plan.query.order_by("id"), SQLITE))]
    assert [(b.author_id, b.title) for b in books] == [(1, "A"), (1, "B"), (4, "C")]
    plan = preload_plan(ExBook.author, [4])
    assert (plan.owner_key, plan.target_key) == ("author_id", "id")
    assert [r[1] for r in run(db, compile_select(plan.query, SQLITE))] == ["dee"]
    plan = preload_plan(ExAuthor.tags, [1, 4])
    assert plan.through
    assert plan.target_key is None
    load_tag = SQLITE.loader(ExTag)
    rows = run(db, compile_select(plan.query.order_by("id"), SQLITE))
    pairs = sorted((row[-1], load_tag(row[:-1]).label) for row in rows)
    assert pairs == [(1, "x"), (1, "y"), (4, "y")]
    assert run(db, compile_select(preload_plan(ExAuthor.books, []).query, SQLITE)) == []


def test_subqueries_and_exists(db: sqlite3.Connection) -> None:
    seed(db)
    long_books = ExBook.query().where(pages__gt=60).select("author_id")
    assert [a.name for a in fetch(db, ExAuthor.query().where(id__in=long_books))] == ["ann"]
    has_books = ExBook.query().where(ExBook.c.author_id == ExAuthor.c.id)
    names = [a.name for a in fetch(db, ExAuthor.query().where(~has_books.exists()))]
    assert names == ["bob", "cy"]
    per_author = (
        ExBook.query().select("author_id", func.count().label("n")).group_by("author_id")
    ).subquery("t")
    busiest: Query[Any] = Query(per_author).where(n__gte=2)
    assert run(db, compile_select(busiest, SQLITE)) == [(1, 2)]
    scalar = (
        ExBook.query().select(func.max(ExBook.c.pages)).where(ExBook.c.author_id == ExAuthor.c.id)
    )
    query = ExAuthor.query().select("name", scalar.select(func.max(ExBook.c.pages)))
    assert run(db, compile_select(query.where(id=1), SQLITE)) == [("ann", 300)]
    assert run(db, compile_exists(ExAuthor.query().where(age__gt=40), SQLITE)) == [(1,)]
    assert run(db, compile_exists(ExAuthor.query().where(age__gt=99), SQLITE)) == [(0,)]


def test_aggregates(db: sqlite3.Connection) -> None:
    seed(db)
    assert run(db, compile_aggregate(ExAuthor.query(), "count", None, SQLITE)) == [(4,)]
    assert run(db, compile_aggregate(ExAuthor.query(), "max", "age", SQLITE)) == [(45,)]
    limited = ExAuthor.query().order_by("age").limit(2)
    assert run(db, compile_aggregate(limited, "count", None, SQLITE)) == [(2,)]
    assert run(db, compile_aggregate(limited.where(age__isnull=False), "sum", "age", SQLITE)) == [
        (48,)
    ]


def test_fragments_run(db: sqlite3.Connection) -> None:
    seed(db)
    query = ExAuthor.query().where(fragment("upper(?) = ?", ExAuthor.c.name, "BOB"))
    assert [a.name for a in fetch(db, query)] == ["bob"]


def test_update_delete_and_scoped_writes(db: sqlite3.Connection) -> None:
    seed(db)
    run(db, compile_update(ExAuthor, {"age": 18, "name": "bobby"}, {"id": 2}, SQLITE))
    assert fetch(db, ExAuthor.query().where(id=2))[0].name == "bobby"
    rows = run(db, compile_update_all(ExAuthor.query().where(age__lt=40), {
        "age": ExAuthor.c.age + 1}, SQLITE, returning=["name", "age"]))  # fmt: skip
    assert sorted(rows) == [("ann", 32), ("bobby", 19)]
    oldest_two = ExAuthor.query().where(age__isnull=False).order_by("-age").limit(2)
    run(db, compile_update_all(oldest_two, {"active": False}, SQLITE))
    inactive = fetch(db, ExAuthor.query().where(active=False).order_by("name"))
    assert [a.name for a in inactive] == ["ann", "cy", "dee"]
    run(db, compile_delete(ExBook, {"id": 3}, SQLITE))
    run(db, compile_delete_all(ExBook.query().order_by("pages").limit(1), SQLITE))
    assert run(db, compile_select(ExBook.query().select("title"), SQLITE)) == [("B",)]
    get = compile_get(ExAuthor, SQLITE)
    assert db.execute(get, [4]).fetchone()[1] == "dee"


def test_upserts_run(db: sqlite3.Connection) -> None:
    seed(db)
    conflict = OnConflict.replace(["age"], target=["email"])
    run(db, compile_insert(ExAuthor, author("ann", age=99), SQLITE, on_conflict=conflict))
    ann = fetch(db, ExAuthor.query().where(name="ann"))
    assert [a.age for a in ann] == [99]
    skip = OnConflict.nothing(["email"])
    run(db, compile_insert(ExAuthor, author("ann", age=1), SQLITE, on_conflict=skip))
    assert fetch(db, ExAuthor.query().where(name="ann"))[0].age == 99
    bump = OnConflict.update({"age": ExAuthor.c.age + 1}, target=["email"])
    run(db, compile_insert(ExAuthor, author("ann"), SQLITE, on_conflict=bump))
    assert fetch(db, ExAuthor.query().where(name="ann"))[0].age == 100
    assert run(db, compile_aggregate(ExAuthor.query(), "count", None, SQLITE)) == [(4,)]


INJECTIONS = [
    "'; DROP TABLE ex_authors; --",
    '" OR 1=1 --',
    "x') OR ('1'='1",
    "%' OR name LIKE '%",
    "`; DELETE FROM ex_books; #",
    "?",
    "%s",
]


@pytest.mark.parametrize("evil", INJECTIONS)
def test_injection_attempts_are_harmless(db: sqlite3.Connection, evil: str) -> None:
    seed(db)
    c = ExAuthor.c
    queries = [
        ExAuthor.query().where(name=evil),
        ExAuthor.query().where(name__contains=evil),
        ExAuthor.query().where(name__in=[evil, evil]),
        ExAuthor.query().where(c.name.like(evil) | c.email.ilike(evil)),
        ExAuthor.query().where(fragment("lower(?) = ?", c.name, evil)),
        ExAuthor.query().where(meta={"k": evil}),
        ExAuthor.query().where(c.name.between(evil, evil)),
    ]
    for query in queries:
        assert fetch(db, query) == []
    run(db, compile_insert(ExAuthor, author(evil, email=evil), SQLITE))
    run(db, compile_update_all(ExAuthor.query().where(name=evil), {"age": 5}, SQLITE))
    stored = fetch(db, ExAuthor.query().where(name=evil))
    assert [(a.name, a.age) for a in stored] == [(evil, 5)]
    run(db, compile_delete_all(ExAuthor.query().where(email=evil), SQLITE))
    assert run(db, compile_aggregate(ExAuthor.query(), "count", None, SQLITE)) == [(4,)]
    assert run(db, compile_aggregate(ExBook.query(), "count", None, SQLITE)) == [(3,)]


def test_create_table_from_schema() -> None:
    conn = sqlite3.connect(":memory:")
    try:
        conn.execute(compile_create_table(ExAuthor, SQLITE))
        conn.execute(compile_create_table(ExBook, SQLITE, if_not_exists=True))
        rows = [author("ann", age=3, token=uuid.uuid4(), wakes_at=dt.time(1, 2))]
        inserted = run(conn, compile_insert(ExAuthor, rows, SQLITE, returning=True))
        loaded = SQLITE.loader(ExAuthor)(inserted[0])
        assert loaded.id == 1
        assert loaded.wakes_at == dt.time(1, 2)
        with pytest.raises(sqlite3.IntegrityError):
            run(conn, compile_insert(ExAuthor, {"name": None, "email": "x"}, SQLITE))
    finally:
        conn.close()


def test_create_table_sql_per_dialect() -> None:
    class ExKeyed(Schema, table="ex_keyed", primary_key=("a", "b")):
        a: int
        b: str = field(size=10)
        color: ExColor = ExColor.RED
        note: str | None = field(default=None, unique=True)

    assert compile_create_table(ExKeyed, "postgres") == (
        'CREATE TABLE "ex_keyed" ("a" BIGINT NOT NULL, "b" VARCHAR(10) NOT NULL, '
        '"color" VARCHAR(4) NOT NULL, "note" TEXT UNIQUE, PRIMARY KEY ("a", "b"))'
    )
    assert compile_create_table(ExKeyed, "mysql") == (
        "CREATE TABLE `ex_keyed` (`a` BIGINT NOT NULL, `b` VARCHAR(10) NOT NULL, "
        "`color` VARCHAR(4) NOT NULL, `note` VARCHAR(255) UNIQUE, PRIMARY KEY (`a`, `b`))"
    )
    assert compile_create_table(ExBook, "sqlite") == (
        'CREATE TABLE "ex_books" ("id" INTEGER PRIMARY KEY, "title" TEXT NOT NULL, '
        '"pages" INTEGER NOT NULL, "author_id" INTEGER)'
    )
