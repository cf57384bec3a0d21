"""Property tests: random where-trees filter the same rows as a Python reference evaluation
(on SQLite in memory, and on the PostgreSQL and MariaDB servers)."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from zzz_db.dialects import MySQLDialect, PostgresDialect, get_dialect
from zzz_db.dialects.base import Dialect
from zzz_db.query import compile_select
from zzz_db.query.expr import Expr
from zzz_db.schema import Schema


class PrRow(Schema, table="pr_rows"):
    a: int | None = None
    b: str | None = None


#: A condition paired with its reference evaluation (three-valued: True/False/None).
Cond = tuple[Expr, Callable[[dict[str, Any]], bool | None]]

INTS = st.integers(-3, 3)
TEXTS = st.text(alphabet="aAb%_!*?[", max_size=3)
ROWS = st.lists(st.fixed_dictionaries({"a": st.none() | INTS, "b": st.none() | TEXTS}), max_size=12)
OPS: dict[str, Callable[[Any, Any], bool]] = {
    "==": lambda x, y: x == y,
    "!=": lambda x, y: x != y,
    "<": lambda x, y: x < y,
    "<=": lambda x, y: x <= y,
    ">": lambda x, y: x > y,
    ">=": lambda x, y: x >= y,
}


def _compare(column: str, op: str, value: Any) -> Cond:
    col = PrRow.c[column]
    expr = {
        "==": col == value,
        "!=": col != value,
        "<": col < value,
        "<=": col <= value,
        ">": col > value,
        ">=": col >= value,
    }[op]

    def check(row: dict[str, Any]) -> bool | None:
        x = row[column]
        return None if x is None else bool(OPS[op](x, value))

    return expr, check


def _null(column: str, negate: bool) -> Cond:
    col = PrRow.c[column]
    expr = col.is_not_null() if negate else col.is_null()
    return expr, lambda row: (row[column] is not None) == negate


def _in(column: str, values: list[Any], negate: bool) -> Cond:
    col = PrRow.c[column]
    expr = col.not_in(values) if negate else col.in_(values)

    def check(row: dict[str, Any]) -> bool | None:
        if not values:
            return negate
        x = row[column]
        if x is None:
            return None
        return (x in values) != negate

    return expr, check


def _between(low: int, high: int) -> Cond:
    def check(row: dict[str, Any]) -> bool | None:
        x = row["a"]
        return None if x is None else low <= x <= high

    return PrRow.c.a.between(low, high), check


def _contains(text: str, how: str) -> Cond:
    expr = {
        "contains": PrRow.c.b.contains(text),
        "startswith": PrRow.c.b.startswith(text),
        "endswith": PrRow.c.b.endswith(text),
    }[how]

    def check(row: dict[str, Any]) -> bool | None:
        x = row["b"]
        if x is None:
            return None
        return bool(
            {
                "contains": text in x,
                "startswith": x.startswith(text),
                "endswith": x.endswith(text),
            }[how]
        )

    return expr, check


LEAVES: st.SearchStrategy[Cond] = st.one_of(
    st.builds(_compare, st.just("a"), st.sampled_from(list(OPS)), INTS),
    st.builds(_compare, st.just("b"), st.sampled_from(list(OPS)), TEXTS),
    st.builds(_null, st.sampled_from(["a", "b"]), st.booleans()),
    st.builds(_in, st.just("a"), st.lists(INTS, max_size=3), st.booleans()),
    st.builds(_in, st.just("b"), st.lists(TEXTS, max_size=3), st.booleans()),
    st.builds(_between, INTS, INTS),
    st.builds(_contains, TEXTS, st.sampled_from(["contains", "startswith", "endswith"])),
)


def _and(left: Cond, right: Cond) -> Cond:
    def check(row: dict[str, Any]) -> bool | None:
        x, y = left[1](row), right[1](row)
        if x is False or y is False:
            return False
        return None if x is None or y is None else True

    return left[0] & right[0], check


def _or(left: Cond, right: Cond) -> Cond:
    def check(row: dict[str, Any]) -> bool | None:
        x, y = left[1](row), right[1](row)
        if x is True or y is True:
            return True
        return None if x is None or y is None else False

    return left[0] | right[0], check


def _not(inner: Cond) -> Cond:
    def check(row: dict[str, Any]) -> bool | None:
        x = inner[1](row)
        return None if x is None else not x

    return ~inner[0], check


TREES: st.SearchStrategy[Cond] = st.recursive(
    LEAVES,
    lambda children: st.one_of(
        st.builds(_and, children, children),
        st.builds(_or, children, children),
        st.builds(_not, children),
    ),
    max_leaves=8,
)


@settings(max_examples=200, deadline=None)
@given(rows=ROWS, tree=TREES)
def test_random_where_trees_match_reference(rows: list[dict[str, Any]], tree: Cond) -> None:
    dialect = get_dialect("sqlite")
    conn = sqlite3.connect(":memory:")
    try:
        conn.execute("CREATE TABLE pr_rows (id INTEGER PRIMARY KEY, a INTEGER, b TEXT)")
        conn.executemany(
            "INSERT INTO pr_rows (a, b) VALUES (?, ?)", [(r["a"], r["b"]) for r in rows]
        )
        sql, params = compile_select(PrRow.query().where(tree[0]).order_by("id"), dialect)
        got = [row[0] for row in conn.execute(sql, params)]
    finally:
        conn.close()
    expected = [index + 1 for index, row in enumerate(rows) if tree[1](row) is True]
    assert got == expected, sql


SERVER_DDL = {
    "postgres": 'CREATE TEMPORARY TABLE pr_rows (id INT PRIMARY KEY, a INT, b TEXT COLLATE "C")',
    "mysql": (
        "CREATE TEMPORARY TABLE pr_rows (id INT PRIMARY KEY, a INT, "
        "b VARCHAR(10) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin)"
    ),
}


def _server(kind: str, url: str) -> tuple[Any, Dialect]:
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
        text = cursor.fetchone()[0]
    version = tuple(int(n) for n in re.findall(r"\d+", text)[:3])
    return conn, MySQLDialect(mariadb="mariadb" in text.lower(), version=version)


@pytest.fixture(scope="module", params=["postgres", "mysql"])
def server(request: pytest.FixtureRequest) -> Iterator[tuple[Any, Dialect]]:
    kind = request.param
    url = request.getfixturevalue("postgres_url" if kind == "postgres" else "mysql_url")
    conn, dialect = _server(kind, url)
    try:
        cursor = conn.cursor()
        cursor.execute(SERVER_DDL[kind])
        cursor.close()
        yield conn, dialect
    finally:
        conn.close()


@settings(max_examples=60, deadline=None)
@given(rows=ROWS, tree=TREES)
def test_random_where_trees_match_reference_on_servers(
    server: tuple[Any, Dialect], rows: list[dict[str, Any]], tree: Cond
) -> None:
    conn, dialect = server
    ph = dialect.placeholder
    cursor = conn.cursor()
    try:
        cursor.execute("DELETE FROM pr_rows", [])
        if rows:
            cursor.executemany(
                f"INSERT INTO pr_rows (id, a, b) VALUES ({ph}, {ph}, {ph})",
                [(i + 1, r["a"], r["b"]) for i, r in enumerate(rows)],
            )
        sql, params = compile_select(PrRow.query().where(tree[0]).order_by("id"), dialect)
        cursor.execute(sql, params)
        got = [row[0] for row in cursor.fetchall()]
    finally:
        cursor.close()
    expected = [index + 1 for index, row in enumerate(rows) if tree[1](row) is True]
    assert got == expected, sql
