"""INSERT/UPDATE/DELETE compilation per dialect: SQL text, parameters, upserts, RETURNING."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from zzz_db.dialects import MySQLDialect, SQLiteDialect, get_dialect
from zzz_db.exceptions import QueryError
from zzz_db.fields import field
from zzz_db.query import (
    OnConflict,
    compile_aggregate,
    compile_delete,
    compile_delete_all,
    compile_exists,
    compile_get,
    compile_insert,
    compile_insert_all,
    compile_update,
    compile_update_all,
    fragment,
)
from zzz_db.schema import Schema


class CsItem(Schema, table="cs_items"):
    name: str
    qty: int = 0
    code: str = field(default="", column="sku")


class CsPair(Schema, table="cs_pairs", primary_key=("a", "b")):
    a: int
    b: int
    note: str = ""


class CsToken(Schema, table="cs_tokens"):
    id: uuid.UUID = field(primary_key=True, default_factory=uuid.uuid4)
    label: str = ""


def test_insert_one_row_per_dialect() -> None:
    row = {"name": "a", "qty": 2}
    assert compile_insert(CsItem, row, "sqlite") == (
        'INSERT INTO "cs_items" ("name", "qty") VALUES (?, ?)',
        ["a", 2],
    )
    assert compile_insert(CsItem, row, "postgres", returning=["id"]) == (
        'INSERT INTO "cs_items" ("name", "qty") VALUES (%s, %s) RETURNING "id"',
        ["a", 2],
    )
    assert compile_insert(CsItem, row, "mysql").sql == (
        "INSERT INTO `cs_items` (`name`, `qty`) VALUES (%s, %s)"
    )


def test_insert_many_rows_and_returning_all() -> None:
    rows = [{"name": "a", "code": "x"}, {"code": "y", "name": "b"}]
    compiled = compile_insert(CsItem, rows, "sqlite", returning=True)
    assert compiled.sql == (
        'INSERT INTO "cs_items" ("name", "sku") VALUES (?, ?), (?, ?) '
        'RETURNING "id", "name", "qty", "sku"'
    )
    assert compiled.params == ["a", "x", "b", "y"]


def test_insert_default_values() -> None:
    assert compile_insert(CsToken, {}, "sqlite").sql == 'INSERT INTO "cs_tokens" DEFAULT VALUES'
    assert compile_insert(CsToken, {}, "mysql").sql == "INSERT INTO `cs_tokens` () VALUES ()"
    assert len(compile_insert_all(CsToken, [{}, {}], "postgres")) == 2


def test_insert_errors() -> None:
    with pytest.raises(QueryError, match="CsItem has no persisted field 'nope'"):
        compile_insert(CsItem, {"nope": 1}, "sqlite")
    with pytest.raises(QueryError, match="row 1"):
        compile_insert(CsItem, [{"name": "a"}, {"qty": 1}], "sqlite")
    with pytest.raises(QueryError, match="at least one row"):
        compile_insert(CsItem, [], "sqlite")
    with pytest.raises(QueryError, match="does not support INSERT"):
        compile_insert(CsItem, {"name": "a"}, MySQLDialect(mariadb=False, version=(8, 0, 36)),
                       returning=["id"])  # fmt: skip
    with pytest.raises(QueryError, match="compile_insert_all"):
        compile_insert(CsItem, [{"name": "a"}] * 40000, "sqlite")


def test_insert_expression_values() -> None:
    compiled = compile_insert(CsItem, {"name": fragment("upper(?)", "a"), "qty": 1}, "postgres")
    assert compiled == (
        'INSERT INTO "cs_items" ("name", "qty") VALUES (upper(%s), %s)',
        ["a", 1],
    )


def test_insert_sql_is_cached_per_shape() -> None:
    first = compile_insert(CsItem, {"name": "a"}, "sqlite")
    second = compile_insert(CsItem, {"name": "b"}, "sqlite")
    assert first.sql is second.sql
    assert second.params == ["b"]


def test_insert_all_batches_under_the_parameter_limit() -> None:
    rows = [{"name": str(i), "qty": i} for i in range(10)]
    batches = compile_insert_all(CsItem, rows, "sqlite", batch_size=4)
    assert [len(b.params) for b in batches] == [8, 8, 4]
    assert batches[0].params[:4] == ["0", 0, "1", 1]
    dialect = SQLiteDialect(version=(3, 31, 0))
    assert dialect.max_params == 999
    big = [{"name": "x", "qty": 1}] * 1200
    assert [len(b.params) // 2 for b in compile_insert_all(CsItem, big, dialect)] == [499, 499, 202]
    assert compile_insert_all(CsItem, [], "sqlite") == []
    with pytest.raises(QueryError, match="batch_size"):
        compile_insert_all(CsItem, rows, "sqlite", batch_size=0)


@pytest.mark.parametrize(
    ("dialect", "conflict", "expected"),
    [
        ("sqlite", OnConflict.nothing(), " ON CONFLICT DO NOTHING"),
        ("postgres", OnConflict.nothing(["code"]), ' ON CONFLICT ("sku") DO NOTHING'),
        (
            "postgres",
            OnConflict.nothing(constraint="cs_items_sku_key"),
            ' ON CONFLICT ON CONSTRAINT "cs_items_sku_key" DO NOTHING',
        ),
        (
            "sqlite",
            OnConflict.replace_all(target=["code"]),
            ' ON CONFLICT ("sku") DO UPDATE SET "name" = excluded."name", "qty" = excluded."qty"',
        ),
        (
            "postgres",
            OnConflict.replace(["qty"], target=["code"]),
            ' ON CONFLICT ("sku") DO UPDATE SET "qty" = excluded."qty"',
        ),
        ("mysql", OnConflict.nothing(["code"]), " ON DUPLICATE KEY UPDATE `id` = `id`"),
        (
            "mysql",
            OnConflict.replace_all(target=["code"]),
            " ON DUPLICATE KEY UPDATE `name` = VALUES(`name`), `qty` = VALUES(`qty`)",
        ),
        (
            MySQLDialect(mariadb=False, version=(8, 0, 36)),
            OnConflict.replace(["qty"]),
            " AS _new ON DUPLICATE KEY UPDATE `qty` = _new.`qty`",
        ),
    ],
)
def test_upserts(dialect: Any, conflict: OnConflict, expected: str) -> None:
    compiled = compile_insert(
        CsItem, {"name": "a", "qty": 1, "code": "s"}, dialect, on_conflict=conflict
    )
    assert compiled.sql.endswith(")" + expected)
    assert compiled.params == ["a", 1, "s"]


def test_upsert_with_expressions() -> None:
    conflict = OnConflict.update({"qty": CsItem.c.qty + 1, "name": "z"}, target=["code"])
    compiled = compile_insert(CsItem, {"name": "a", "code": "s"}, "postgres", on_conflict=conflict)
    assert compiled.sql.endswith(
        'ON CONFLICT ("sku") DO UPDATE SET "qty" = ("cs_items"."qty" + %s), "name" = %s'
    )
    assert compiled.params == ["a", "s", 1, "z"]


def test_upsert_errors() -> None:
    with pytest.raises(QueryError, match="target"):
        compile_insert(CsItem, {"name": "a"}, "postgres", on_conflict=OnConflict.replace_all())
    with pytest.raises(QueryError, match="on_conflict"):
        compile_insert(CsItem, {"name": "a"}, "postgres", on_conflict=OnConflict.nothing(["nope"]))


def test_update_and_delete_by_key() -> None:
    assert compile_update(CsItem, {"name": "b", "qty": 3}, {"id": 7}, "sqlite") == (
        'UPDATE "cs_items" SET "name" = ?, "qty" = ? WHERE "id" = ?',
        ["b", 3, 7],
    )
    assert compile_update(CsPair, {"note": "n"}, {"a": 1, "b": 2}, "mysql", returning=()) == (
        "UPDATE `cs_pairs` SET `note` = %s WHERE `a` = %s AND `b` = %s",
        ["n", 1, 2],
    )
    assert compile_update(CsItem, {"qty": CsItem.c.qty - 1}, {"id": 1}, "postgres",
                          returning=["qty"]).sql == (
        'UPDATE "cs_items" SET "qty" = ("cs_items"."qty" - %s) WHERE "id" = %s RETURNING "qty"'
    )  # fmt: skip
    assert compile_delete(CsItem, {"id": 7}, "postgres", returning=True) == (
        'DELETE FROM "cs_items" WHERE "id" = %s RETURNING "id", "name", "qty", "sku"',
        [7],
    )
    assert compile_delete(CsItem, {"code": None}, "sqlite").sql.endswith('WHERE "sku" IS NULL')
    with pytest.raises(QueryError, match="no changes"):
        compile_update(CsItem, {}, {"id": 1}, "sqlite")
    with pytest.raises(QueryError, match="where mapping"):
        compile_update(CsItem, {"qty": 1}, {}, "sqlite")
    with pytest.raises(QueryError, match="where mapping"):
        compile_delete(CsItem, {}, "sqlite")
    with pytest.raises(QueryError, match="UPDATE"):
        compile_update(CsItem, {"qty": 1}, {"id": 1}, "mysql", returning=["id"])


def test_uuid_keys_adapt_per_dialect() -> None:
    key = uuid.UUID("12345678-1234-5678-1234-567812345678")
    assert compile_delete(CsToken, {"id": key}, "sqlite").params == [str(key)]
    assert compile_delete(CsToken, {"id": key}, "postgres").params == [key]
    assert compile_delete(CsToken, {"id": key}, "mysql").params == [str(key)]


def test_get_sql_is_cached() -> None:
    text = compile_get(CsItem, "sqlite")
    assert text == (
        'SELECT "cs_items"."id", "cs_items"."name", "cs_items"."qty", "cs_items"."sku" '
        'FROM "cs_items" WHERE "cs_items"."id" = ?'
    )
    assert compile_get(CsItem, "sqlite") is text
    assert compile_get(CsPair, "postgres").endswith(
        'WHERE "cs_pairs"."a" = %s AND "cs_pairs"."b" = %s'
    )


def test_update_all_and_delete_all() -> None:
    query = CsItem.query().where(qty__lt=5)
    assert compile_update_all(query, {"qty": 0, "name": CsItem.c.code}, "sqlite") == (
        'UPDATE "cs_items" SET "qty" = ?, "name" = "cs_items"."sku" WHERE "cs_items"."qty" < ?',
        [0, 5],
    )
    assert compile_delete_all(query, "postgres", returning=["id"]) == (
        'DELETE FROM "cs_items" WHERE "cs_items"."qty" < %s RETURNING "id"',
        [5],
    )
    assert compile_delete_all(CsItem.query(), "sqlite").sql == 'DELETE FROM "cs_items"'


def test_scoped_writes_go_through_the_primary_key() -> None:
    query = CsItem.query().where(qty__lt=5).order_by("qty").limit(2)
    assert compile_delete_all(query, "sqlite") == (
        'DELETE FROM "cs_items" WHERE "cs_items"."id" IN (SELECT "cs_items"."id" FROM '
        '"cs_items" WHERE "cs_items"."qty" < ? ORDER BY "cs_items"."qty" ASC LIMIT ?)',
        [5, 2],
    )
    assert compile_update_all(query, {"qty": 1}, "mysql").sql == (
        "UPDATE `cs_items` SET `qty` = %s WHERE `cs_items`.`id` IN (SELECT `_ids`.`id` FROM "
        "(SELECT `cs_items`.`id` FROM `cs_items` WHERE `cs_items`.`qty` < %s ORDER BY "
        "`cs_items`.`qty` ASC LIMIT %s) AS `_ids`)"
    )
    pairs = CsPair.query().limit(1)
    assert compile_delete_all(pairs, "postgres").sql.startswith(
        'DELETE FROM "cs_pairs" WHERE ("cs_pairs"."a", "cs_pairs"."b") IN (SELECT'
    )


def test_update_all_errors() -> None:
    with pytest.raises(QueryError, match="nothing to set"):
        compile_update_all(CsItem.query(), {}, "sqlite")
    with pytest.raises(QueryError, match="CsItem has no persisted field"):
        compile_update_all(CsItem.query(), {"nope": 1}, "sqlite")
    sub = CsItem.query().subquery("s")
    from zzz_db.query import Query

    with pytest.raises(QueryError, match="subquery"):
        compile_delete_all(Query(sub), "sqlite")


def test_exists_and_aggregate() -> None:
    query = CsItem.query().where(qty=1).order_by("name").for_update()
    assert compile_exists(query, "postgres") == (
        'SELECT EXISTS (SELECT "cs_items"."id", "cs_items"."name", "cs_items"."qty", '
        '"cs_items"."sku" FROM "cs_items" WHERE "cs_items"."qty" = %s)',
        [1],
    )
    assert compile_aggregate(query, "sum", "qty", "sqlite") == (
        'SELECT sum("cs_items"."qty") FROM "cs_items" WHERE "cs_items"."qty" = ?',
        [1],
    )


def test_identifier_quoting_escapes_quotes() -> None:
    class CsWeird(Schema, table='we"ird`%'):
        value: str = field(column='va"l`ue')

    assert compile_insert(CsWeird, {"value": "x"}, "sqlite").sql == (
        'INSERT INTO "we""ird`%" ("va""l`ue") VALUES (?)'
    )
    assert compile_insert(CsWeird, {"value": "x"}, "mysql").sql == (
        'INSERT INTO `we"ird``%%` (`va"l``ue`) VALUES (%s)'
    )
    assert get_dialect("postgres").quote("a%b") == '"a%%b"'
    with pytest.raises(QueryError, match="identifier"):
        get_dialect("sqlite").quote("")
