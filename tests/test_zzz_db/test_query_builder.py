"""The query builder: immutability, lookups, expressions, joins, grouping, subqueries, locks."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any, ClassVar

import pytest
from zzz_db.associations import (
    BelongsTo,
    HasMany,
    ManyToMany,
    belongs_to,
    has_many,
    many_to_many,
)
from zzz_db.exceptions import QueryError
from zzz_db.fields import field
from zzz_db.query import compile_select, exists, fragment, func, not_, or_
from zzz_db.query.expr import and_
from zzz_db.schema import Schema


class QbKind(enum.Enum):
    A = "a"
    B = "b"


class QbUser(Schema, table="qb_users", timestamps=True):
    name: str
    email: str = field(column="mail")
    age: int | None = None
    kind: QbKind = QbKind.A
    posts: ClassVar[HasMany[QbPost]] = has_many("QbPost", foreign_key="author_id")
    teams: ClassVar[ManyToMany[QbTeam]] = many_to_many("QbTeam", join_through="qb_members")


class QbPost(Schema, table="qb_posts"):
    title: str
    views: int = 0
    author: ClassVar[BelongsTo[QbUser]] = belongs_to(QbUser)


class QbTeam(Schema, table="qb_teams"):
    name: str


COLS = (
    '"qb_users"."id", "qb_users"."name", "qb_users"."mail", "qb_users"."age", '
    '"qb_users"."kind", "qb_users"."inserted_at", "qb_users"."updated_at"'
)


def sql(query: object, dialect: str = "sqlite") -> tuple[str, list[object]]:
    return compile_select(query, dialect)  # type: ignore[arg-type]


def where_sql(query: object, dialect: str = "sqlite") -> tuple[str, list[object]]:
    text, params = sql(query, dialect)
    return text.split(" WHERE ", 1)[1], params


def test_the_issue_example() -> None:
    query = (
        QbUser.query()
        .where(age__gte=18)
        .where(name="x")
        .order_by("-inserted_at")
        .limit(10)
        .offset(20)
    )
    assert sql(query) == (
        f'SELECT {COLS} FROM "qb_users" WHERE "qb_users"."age" >= ? AND "qb_users"."name" = ? '
        'ORDER BY "qb_users"."inserted_at" DESC LIMIT ? OFFSET ?',
        [18, "x", 10, 20],
    )


def test_queries_are_immutable() -> None:
    base = QbUser.query().where(age__gte=18)
    first = base.where(name="a")
    second = base.order_by("name")
    assert len(base.wheres) == 1
    assert len(first.wheres) == 2
    assert second.wheres is base.wheres
    assert sql(base)[1] == [18]
    assert base.limit(3).limit_ == 3
    assert base.limit_ is None


@pytest.mark.parametrize(
    ("lookups", "expected", "params"),
    [
        ({"age": 3}, '"qb_users"."age" = ?', [3]),
        ({"age": None}, '"qb_users"."age" IS NULL', []),
        ({"age__ne": 3}, '"qb_users"."age" <> ?', [3]),
        ({"age__ne": None}, '"qb_users"."age" IS NOT NULL', []),
        ({"age__gt": 3}, '"qb_users"."age" > ?', [3]),
        ({"age__lt": 3}, '"qb_users"."age" < ?', [3]),
        ({"age__lte": 3}, '"qb_users"."age" <= ?', [3]),
        ({"age__in": [1, 2]}, '"qb_users"."age" IN (?, ?)', [1, 2]),
        ({"age__in": []}, "1 = 0", []),
        ({"age__not_in": []}, "1 = 1", []),
        ({"age__not_in": (1,)}, '"qb_users"."age" NOT IN (?)', [1]),
        ({"age__isnull": True}, '"qb_users"."age" IS NULL', []),
        ({"age__isnull": False}, '"qb_users"."age" IS NOT NULL', []),
        ({"age__between": (1, 5)}, '"qb_users"."age" BETWEEN ? AND ?', [1, 5]),
        ({"name__like": "a%"}, '"qb_users"."name" LIKE ?', ["a%"]),
        ({"name__ilike": "a%"}, 'lower("qb_users"."name") LIKE lower(?)', ["a%"]),
        ({"name__contains": "5%_!*?["}, '"qb_users"."name" GLOB ?', ["*5%_![*][?][[]*"]),
        ({"name__startswith": "ab"}, '"qb_users"."name" GLOB ?', ["ab*"]),
        ({"name__endswith": "ab"}, '"qb_users"."name" GLOB ?', ["*ab"]),
        (
            {"name__icontains": "Ab"},
            'lower("qb_users"."name") LIKE lower(?) ESCAPE \'!\'',
            ["%Ab%"],
        ),
        ({"kind": QbKind.B}, '"qb_users"."kind" = ?', ["b"]),
        ({"email": "m"}, '"qb_users"."mail" = ?', ["m"]),
    ],
)
def test_lookups(lookups: dict[str, object], expected: str, params: list[object]) -> None:
    assert where_sql(QbUser.query().where(**lookups)) == (expected, params)


def test_literal_text_lookups_on_postgres_and_mysql() -> None:
    query = QbUser.query().where(name__contains="5%_!")
    expected = '"qb_users"."name" LIKE %s ESCAPE \'!\'', ["%5!%!_!!%"]
    assert where_sql(query, "postgres") == expected
    assert where_sql(query.where(name__istartswith="A"), "postgres")[0].endswith(
        '"qb_users"."name" ILIKE %s ESCAPE \'!\''
    )
    assert where_sql(query, "mysql") == ("`qb_users`.`name` LIKE %s ESCAPE '!'", ["%5!%!_!!%"])


def test_unknown_field_names_the_schema() -> None:
    with pytest.raises(QueryError, match=r"QbUser has no persisted field 'nope'"):
        QbUser.query().where(nope=1)
    with pytest.raises(QueryError, match="QbUser"):
        QbUser.query().order_by("-nope")
    with pytest.raises(QueryError, match="QbUser"):
        QbUser.query().select("nope")


def test_unknown_lookup_and_bad_values() -> None:
    with pytest.raises(QueryError, match="unknown lookup __near"):
        QbUser.query().where(age__near=1)
    with pytest.raises(QueryError, match="__in needs a list"):
        QbUser.query().where(age__in="abc")
    with pytest.raises(QueryError, match="needs a string"):
        QbUser.query().where(name__contains=3)
    with pytest.raises(QueryError, match="expressions"):
        QbUser.query().where("age > 3")  # type: ignore[arg-type]
    with pytest.raises(QueryError, match="pair"):
        QbUser.query().where(age__between=3)
    with pytest.raises(QueryError, match=r"qb_users\.age holds int values, not a list"):
        QbUser.query().where(age__gte=[1, 2])
    with pytest.raises(QueryError, match="not a dict"):
        QbUser.query().where(QbUser.c.name == {"a": 1})


def test_expression_operators() -> None:
    c = QbUser.c
    query = QbUser.query().where(((c.age >= 18) & (c.name != "x")) | ~c.email.like("%@spam"))
    assert where_sql(query) == (
        '(("qb_users"."age" >= ? AND "qb_users"."name" <> ?) OR NOT ("qb_users"."mail" LIKE ?))',
        [18, "x", "%@spam"],
    )
    query = QbUser.query().where(c.age.between(1, 2), c.age.is_null() | c.age.is_not_null())
    assert where_sql(query)[0] == (
        '"qb_users"."age" BETWEEN ? AND ? AND '
        '("qb_users"."age" IS NULL OR "qb_users"."age" IS NOT NULL)'
    )
    assert where_sql(QbUser.query().where(c.age == None))[0] == '"qb_users"."age" IS NULL'  # noqa: E711
    assert where_sql(QbUser.query().where(c.age + 1 > c.age * 2))[0] == (
        '("qb_users"."age" + ?) > ("qb_users"."age" * ?)'
    )
    assert where_sql(QbUser.query().where(and_(), or_()))[0] == "1 = 1 AND 1 = 0"
    assert where_sql(QbUser.query().where(not_(c.age > 1)))[0] == 'NOT ("qb_users"."age" > ?)'


def test_and_or_flatten() -> None:
    c = QbUser.c
    cond = (c.age == 1) & (c.age == 2) & (c.age == 3)
    assert where_sql(QbUser.query().where(cond))[0].count("(") == 1


def test_expressions_refuse_bool() -> None:
    with pytest.raises(TypeError, match=r"&, \| and ~"):
        bool(QbUser.c.age > 1)
    with pytest.raises(TypeError):
        _ = (QbUser.c.age > 1) and (QbUser.c.age < 3)


def test_or_where() -> None:
    query = QbUser.query().where(age=1).where(name="a").or_where(age=5)
    assert where_sql(query) == (
        '(("qb_users"."age" = ? AND "qb_users"."name" = ?) OR "qb_users"."age" = ?)',
        [1, "a", 5],
    )
    assert where_sql(QbUser.query().or_where(age=5))[0] == '"qb_users"."age" = ?'


def test_select_distinct_group_having() -> None:
    query = (
        QbPost.query()
        .select("author_id", func.count().label("n"), func.sum(QbPost.c.views))
        .distinct()
        .group_by("author_id")
        .having(func.count() > 1)
    )
    assert sql(query) == (
        'SELECT DISTINCT "qb_posts"."author_id", count(*) AS "n", sum("qb_posts"."views") '
        'FROM "qb_posts" GROUP BY "qb_posts"."author_id" HAVING count(*) > ?',
        [1],
    )
    names = [name for name, _, _ in query.result_columns()]
    assert names == ["author_id", "n", "_2"]
    assert query.select().selects is None


def test_functions() -> None:
    c = QbUser.c
    query = QbUser.query().select(
        func.count(c.age, distinct=True),
        func.avg(c.age),
        func.min(c.age),
        func.max(c.age),
        func.lower(c.name),
        func.upper(c.name),
        func.coalesce(c.age, 0),
        func.call("length", c.name),
    )
    assert sql(query)[0].startswith(
        'SELECT count(DISTINCT "qb_users"."age"), avg("qb_users"."age"), min("qb_users"."age"), '
        'max("qb_users"."age"), lower("qb_users"."name"), upper("qb_users"."name"), '
        'coalesce("qb_users"."age", ?), length("qb_users"."name") FROM'
    )
    with pytest.raises(QueryError, match="function name"):
        func.call("x); DROP TABLE t; --")


def test_association_joins() -> None:
    query = QbUser.query().join("posts").where(QbPost.c.title == "t")
    assert sql(query)[0] == (
        f'SELECT {COLS} FROM "qb_users" INNER JOIN "qb_posts" '
        'ON "qb_posts"."author_id" = "qb_users"."id" WHERE "qb_posts"."title" = ?'
    )
    back = QbPost.query().left_join(QbPost.author)
    assert ' LEFT JOIN "qb_users" ON "qb_posts"."author_id" = "qb_users"."id"' in sql(back)[0]
    teams = QbUser.query().join(QbUser.teams)
    assert sql(teams)[0].endswith(
        'INNER JOIN "qb_members" ON "qb_members"."qb_user_id" = "qb_users"."id" '
        'INNER JOIN "qb_teams" ON "qb_teams"."id" = "qb_members"."qb_team_id"'
    )


def test_join_errors() -> None:
    with pytest.raises(QueryError, match="no association 'nope'"):
        QbUser.query().join("nope")
    with pytest.raises(QueryError, match="needs on="):
        QbUser.query().join(QbPost)
    with pytest.raises(QueryError, match="not part of the query"):
        QbTeam.query().join(QbPost.author)
    with pytest.raises(QueryError, match="cannot join"):
        QbUser.query().join(42, on=QbUser.c.id == 1)


def test_self_referencing_association_join_is_aliased() -> None:
    class QbEmployee(Schema, table="qb_employees"):
        name: str
        manager: ClassVar[BelongsTo[Any]] = belongs_to("QbEmployee")

    query = QbEmployee.query().join("manager").where(QbEmployee.alias("manager").c.name == "m")
    assert sql(query)[0].endswith(
        'FROM "qb_employees" INNER JOIN "qb_employees" AS "manager" ON '
        '"qb_employees"."manager_id" = "manager"."id" WHERE "manager"."name" = ?'
    )
    with pytest.raises(QueryError, match="already used"):
        query.join("manager")


def test_explicit_and_aliased_joins() -> None:
    boss = QbUser.alias("boss")
    query = QbUser.query().join(boss, on=boss.c.id == QbUser.c.age).where(boss.c.name == "b")
    assert sql(query)[0].endswith(
        'FROM "qb_users" INNER JOIN "qb_users" AS "boss" ON "boss"."id" = "qb_users"."age" '
        'WHERE "boss"."name" = ?'
    )
    query = QbUser.query().left_join(QbPost, on=QbPost.c.author_id == QbUser.c.id, alias="p")
    assert 'LEFT JOIN "qb_posts" AS "p"' in sql(query)[0]


def test_subqueries() -> None:
    active = QbPost.query().where(views__gt=10).select("author_id")
    query = QbUser.query().where(QbUser.c.id.in_(active))
    assert where_sql(query) == (
        '"qb_users"."id" IN (SELECT "qb_posts"."author_id" FROM "qb_posts" '
        'WHERE "qb_posts"."views" > ?)',
        [10],
    )
    query = QbUser.query().where(id__in=active)
    assert where_sql(query)[1] == [10]
    correlated = QbPost.query().where(QbPost.c.author_id == QbUser.c.id)
    query = QbUser.query().where(exists(correlated), ~correlated.exists())
    assert where_sql(query)[0] == (
        'EXISTS (SELECT "qb_posts"."id", "qb_posts"."title", "qb_posts"."views", '
        '"qb_posts"."author_id" FROM "qb_posts" WHERE "qb_posts"."author_id" = '
        '"qb_users"."id") AND NOT (EXISTS (SELECT "qb_posts"."id", "qb_posts"."title", '
        '"qb_posts"."views", "qb_posts"."author_id" FROM "qb_posts" WHERE '
        '"qb_posts"."author_id" = "qb_users"."id"))'
    )
    count = QbPost.query().select(func.count()).where(QbPost.c.author_id == QbUser.c.id)
    query = QbUser.query().select("name", count)
    assert sql(query)[0].startswith(
        'SELECT "qb_users"."name", (SELECT count(*) FROM "qb_posts" WHERE'
    )


def test_subquery_as_source() -> None:
    sub = QbPost.query().select("author_id", func.count().label("n")).group_by("author_id")
    source = sub.subquery("t")
    query = QbUser.query().join(source, on=source.c.author_id == QbUser.c.id).where(source.c.n > 2)
    text = sql(query)[0]
    assert 'INNER JOIN (SELECT "qb_posts"."author_id", count(*) AS "n" FROM "qb_posts" ' in text
    assert text.endswith('AS "t" ON "t"."author_id" = "qb_users"."id" WHERE "t"."n" > ?')
    with pytest.raises(QueryError, match="no column 'x'"):
        _ = source.c.x
    from zzz_db.query import Query

    outer: Query[Any] = Query(source).where(n__gt=1).order_by("-n")
    assert sql(outer)[0] == (
        'SELECT "t"."author_id", "t"."n" FROM (SELECT "qb_posts"."author_id", count(*) AS "n" '
        'FROM "qb_posts" GROUP BY "qb_posts"."author_id") AS "t" WHERE "t"."n" > ? '
        'ORDER BY "t"."n" DESC'
    )


def test_fragments() -> None:
    query = QbUser.query().where(fragment("lower(?) = ?", QbUser.c.email, "X@Y"))
    assert where_sql(query) == ('lower("qb_users"."mail") = ?', ["X@Y"])
    pg = where_sql(QbUser.query().where(fragment(r"? LIKE '50%' AND \? = ?", QbUser.c.name, 1)))
    assert pg == ('"qb_users"."name" LIKE \'50%\' AND ? = ?', [1])
    pg = where_sql(QbUser.query().where(fragment("? LIKE '50%'", QbUser.c.name)), "postgres")
    assert pg == ('"qb_users"."name" LIKE \'50%%\'', [])
    combined = QbUser.query().where(fragment("a = 1 OR b = 2"), QbUser.c.age > 1)
    assert where_sql(combined)[0] == '(a = 1 OR b = 2) AND "qb_users"."age" > ?'
    with pytest.raises(QueryError, match="1 '\\?' slot"):
        fragment("lower(?)")
    with pytest.raises(QueryError):
        fragment(3)  # type: ignore[arg-type]


def test_order_by_variants() -> None:
    c = QbUser.c
    query = QbUser.query().order_by("name", c.age.desc().nulls_last(), c.email, "-id")
    assert sql(query)[0].endswith(
        'ORDER BY "qb_users"."name" ASC, "qb_users"."age" DESC NULLS LAST, '
        '"qb_users"."mail" ASC, "qb_users"."id" DESC'
    )
    assert sql(query.reorder("age"))[0].endswith('ORDER BY "qb_users"."age" ASC')
    mysql = sql(QbUser.query().order_by(c.age.asc().nulls_first()), "mysql")[0]
    assert mysql.endswith("ORDER BY `qb_users`.`age` IS NULL DESC, `qb_users`.`age` ASC")
    with pytest.raises(QueryError, match="nulls"):
        c.age.asc().__class__(c.age, descending=False, nulls="middle")


def test_limit_offset_per_dialect() -> None:
    query = QbUser.query().offset(5)
    assert sql(query)[0].endswith("LIMIT ? OFFSET ?")
    assert sql(query)[1] == [-1, 5]
    assert sql(query, "postgres")[0].endswith(" OFFSET %s")
    assert sql(query, "mysql")[0].endswith("LIMIT %s OFFSET %s")
    assert sql(query, "mysql")[1] == [18446744073709551615, 5]
    for bad in (-1, 1.5, True, "3"):
        with pytest.raises(QueryError, match="non-negative"):
            QbUser.query().limit(bad)  # type: ignore[arg-type]
    assert QbUser.query().limit(3).limit(None).limit_ is None


def test_locks_per_dialect() -> None:
    query = QbUser.query().where(id=1).for_update(skip_locked=True)
    assert sql(query)[0].endswith('WHERE "qb_users"."id" = ?')
    assert sql(query, "postgres")[0].endswith("FOR UPDATE SKIP LOCKED")
    assert sql(query, "mysql")[0].endswith("FOR UPDATE SKIP LOCKED")
    share = QbUser.query().lock("share", nowait=True)
    assert sql(share, "postgres")[0].endswith("FOR SHARE NOWAIT")
    assert sql(share, "mysql")[0].endswith("LOCK IN SHARE MODE NOWAIT")
    of = QbUser.query().join("posts").for_update(of=[QbUser])
    assert sql(of, "postgres")[0].endswith('FOR UPDATE OF "qb_users"')
    with pytest.raises(QueryError, match="mysql"):
        sql(QbUser.query().lock("key_share"), "mysql")
    with pytest.raises(QueryError, match="unknown lock mode"):
        QbUser.query().lock("exclusive")
    with pytest.raises(QueryError, match="one of"):
        QbUser.query().for_update(skip_locked=True, nowait=True)
    assert QbUser.query().for_update().unlock().lock_ is None


def test_aggregate_queries() -> None:
    assert sql(QbUser.query().where(age=3).order_by("name").aggregate("count")) == (
        'SELECT count(*) FROM "qb_users" WHERE "qb_users"."age" = ?',
        [3],
    )
    assert sql(QbUser.query().aggregate("max", "age"))[0] == (
        'SELECT max("qb_users"."age") FROM "qb_users"'
    )
    limited = QbUser.query().limit(5).aggregate("count")
    assert sql(limited)[0] == (
        f'SELECT count(*) FROM (SELECT {COLS} FROM "qb_users" LIMIT ?) AS "_agg"'
    )
    assert sql(QbUser.query().distinct().aggregate("avg", "age"))[0] == (
        'SELECT avg("_agg"."_value") FROM (SELECT DISTINCT "qb_users"."age" AS "_value" '
        'FROM "qb_users") AS "_agg"'
    )
    with pytest.raises(QueryError, match="unknown aggregate"):
        QbUser.query().aggregate("median", "age")
    with pytest.raises(QueryError, match="needs a field"):
        QbUser.query().aggregate("sum")


def test_str_and_to_sql() -> None:
    query = QbUser.query().where(age=1)
    assert str(query).endswith('WHERE "qb_users"."age" = ?')
    assert "params=[1]" in repr(query)
    text, params = query.to_sql("mysql")
    assert "`qb_users`.`age` = %s" in text
    assert params == [1]
    with pytest.raises(QueryError, match="unknown dialect"):
        query.to_sql("oracle")


def test_compiled_queries_are_cached_per_dialect() -> None:
    query = QbUser.query().where(age=1)
    first = compile_select(query, "sqlite")
    first.params.append("mutated")
    second = compile_select(query, "sqlite")
    assert second.sql is first.sql
    assert second.params == [1]


def test_datetime_parameters_adapt_per_dialect() -> None:
    when = dt.datetime(2024, 5, 1, 14, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    query = QbUser.query().where(inserted_at__gte=when)
    assert sql(query)[1] == ["2024-05-01 12:00:00.000000+00:00"]
    assert sql(query, "postgres")[1] == [dt.datetime(2024, 5, 1, 12, tzinfo=dt.UTC)]
    assert sql(query, "mysql")[1] == [dt.datetime(2024, 5, 1, 12)]
