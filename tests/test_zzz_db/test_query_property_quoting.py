"""Property tests: any identifier and any text survive quoting, binding and fragments."""

from __future__ import annotations

import sqlite3

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from zzz_db.dialects import get_dialect
from zzz_db.fields import field
from zzz_db.query import compile_insert, compile_select, fragment
from zzz_db.query.expr.lookups import lookup as lookup_condition
from zzz_db.schema import Schema

NAMES = st.text(
    alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="\x00"),
    min_size=1,
    max_size=12,
)
# Values may hold NUL: SQLite's LIKE/GLOB stop at it, so the dialect renders such lookups
# with instr()/hex() (see test_text_lookups_with_nul_on_sqlite below).
VALUES = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=20)


@settings(max_examples=150, deadline=None)
@given(table=NAMES, column=NAMES, value=VALUES, other=VALUES)
def test_identifiers_and_values_round_trip(table: str, column: str, value: str, other: str) -> None:
    class PqThing(Schema, table=table):
        text: str | None = field(default=None, column=column)

    sqlite = get_dialect("sqlite")
    conn = sqlite3.connect(":memory:")
    try:
        quoted = sqlite.quote(table)
        conn.execute(f"CREATE TABLE {quoted} (id INTEGER PRIMARY KEY, {sqlite.quote(column)} TEXT)")
        for text in (value, other):
            statement = compile_insert(PqThing, {"text": text}, sqlite)
            conn.execute(statement.sql, statement.params)
        query = PqThing.query().where(text=value).order_by("id")
        rows = conn.execute(*compile_select(query, sqlite)).fetchall()
        assert [row[1] for row in rows] == [t for t in (value, other) if t == value]
        contains = PqThing.query().where(text__contains=value)
        found = [row[1] for row in conn.execute(*compile_select(contains, sqlite))]
        assert value in found
        assert all(value.lower() in t.lower() or value in t for t in found)
        frag = PqThing.query().where(fragment("? = ?", PqThing.c.text, other))
        assert other in [row[1] for row in conn.execute(*compile_select(frag, sqlite))]
    finally:
        conn.close()


NUL_TEXTS = ["a\x00b", "ab", "\x00x", "xa\x00", "A\x00B", "", "\x00"]


@pytest.mark.parametrize(
    ("lookup", "needle", "expected"),
    [
        ("contains", "\x00", ["a\x00b", "\x00x", "xa\x00", "A\x00B", "\x00"]),
        ("contains", "a\x00", ["a\x00b", "xa\x00"]),
        ("icontains", "a\x00", ["a\x00b", "xa\x00", "A\x00B"]),
        ("startswith", "\x00", ["\x00x", "\x00"]),
        ("startswith", "a\x00", ["a\x00b"]),
        ("istartswith", "a\x00", ["a\x00b", "A\x00B"]),
        ("endswith", "\x00", ["xa\x00", "\x00"]),
        ("iendswith", "\x00b", ["a\x00b", "A\x00B"]),
    ],
)
def test_text_lookups_with_nul_on_sqlite(lookup: str, needle: str, expected: list[str]) -> None:
    conn = sqlite3.connect(":memory:")
    try:
        conn.execute('CREATE TABLE "pq_texts" (id INTEGER PRIMARY KEY, "value" TEXT)')
        conn.executemany('INSERT INTO "pq_texts" ("value") VALUES (?)', [(t,) for t in NUL_TEXTS])
        query = PqText.query().where(**{f"value__{lookup}": needle}).select("value").order_by("id")
        rows = [r[0] for r in conn.execute(*compile_select(query, "sqlite")).fetchall()]
        assert rows == expected
        negated = PqText.query().where(~lookup_condition(PqText.c.value, lookup, needle))
        rows = [r[0] for r in conn.execute(*compile_select(negated.select("value"), "sqlite"))]
        assert rows == [t for t in NUL_TEXTS if t not in expected]
    finally:
        conn.close()


class PqText(Schema, table="pq_texts"):
    value: str = ""


TOKENS = st.sampled_from(["a", "b", " ", "%", "'", "\\?", "\\a"])
PIECES = st.lists(st.lists(TOKENS, max_size=4).map("".join), min_size=1, max_size=5)


@settings(max_examples=200, deadline=None)
@given(pieces=PIECES)
def test_fragment_slots_and_escapes(pieces: list[str]) -> None:
    args = list(range(len(pieces) - 1))
    frag = fragment("?".join(pieces), *args)
    query = PqRow.query().select(frag)
    text = [p.replace("\\?", "?") for p in pieces]
    sqlite_sql, sqlite_params = compile_select(query, "sqlite")
    assert sqlite_sql == f'SELECT {"?".join(text)} FROM "pq_rows"'
    assert sqlite_params == args
    pg_sql, pg_params = compile_select(query, "postgres")
    assert pg_sql == f'SELECT {"%s".join(t.replace("%", "%%") for t in text)} FROM "pq_rows"'
    assert pg_params == args


class PqRow(Schema, table="pq_rows"):
    value: int = 0
