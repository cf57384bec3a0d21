"""Repo reads and writes through schemas, on SQLite, PostgreSQL and MariaDB."""

# Schema classes bound to per-test tables keep class-style names; a rollback test raises
# inside the block under test.
# ruff: noqa: N803, N806, PT012

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import anyio
import pytest
from zzz_db.changeset import Err, Ok, changeset
from zzz_db.exceptions import (
    InvalidChangeset,
    MultipleResultsFound,
    NotFound,
    UniqueViolation,
)

pytestmark = pytest.mark.anyio


def person_cs(Person, **params):
    return (
        changeset(Person, params)
        .cast(["name", "email", "age", "score", "org_id", "data", "token", "password"])
        .validate_required(["name", "email"])
        .validate_number("age", gte=0)
        .unique_constraint("email")
        .foreign_key_constraint("org_id")
    )


async def test_insert_instance_and_changeset(repo, models):
    Person = models.Person
    with anyio.fail_after(10):
        before = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=2)
        ada = await repo.insert(Person(name="Ada", email="ada@x", age=36, score=Decimal("1.25")))
        assert isinstance(ada.id, int)
        assert ada.score == Decimal("1.25")
        assert ada.active is True
        assert ada.inserted_at is not None
        assert ada.inserted_at >= before
        assert ada.inserted_at.tzinfo is not None
        assert ada.updated_at == ada.inserted_at

        token = uuid.uuid4()
        result = await repo.insert(
            person_cs(Person, name="Bo", email="bo@x", age="7", data={"k": [1]}, token=str(token))
        )
        assert isinstance(result, Ok)
        bo = result.value
        assert (bo.age, bo.data, bo.token) == (7, {"k": [1]}, token)
        assert bo.id != ada.id
        fetched = await repo.get(Person, bo.id)
        assert fetched == bo


async def test_invalid_changeset_is_not_inserted(repo, models):
    Person = models.Person
    with anyio.fail_after(10):
        result = await repo.insert(person_cs(Person, name="", age="-1"))
        assert isinstance(result, Err)
        assert not result.ok
        assert result.changeset.errors == {
            "name": ["can't be blank"],
            "email": ["can't be blank"],
            "age": ["must be greater than or equal to 0"],
        }
        assert result.changeset.action == "insert"
        assert await repo.aggregate(Person, "count") == 0
        with pytest.raises(InvalidChangeset):
            await repo.insert_or_raise(person_cs(Person, name="x"))


async def test_constraints_become_changeset_errors(repo, models):
    Person, Org = models.Person, models.Org
    with anyio.fail_after(10):
        await repo.insert(Person(name="Ada", email="ada@x"))
        dup = await repo.insert(person_cs(Person, name="Ada2", email="ada@x"))
        assert isinstance(dup, Err)
        assert dup.changeset.errors == {"email": ["has already been taken"]}
        orphan = await repo.insert(person_cs(Person, name="O", email="o@x", org_id=999))
        assert isinstance(orphan, Err)
        assert orphan.changeset.errors == {"org_id": ["does not exist"]}
        # without a declared constraint the database error is raised
        with pytest.raises(UniqueViolation):
            await repo.insert(Person(name="Ada3", email="ada@x"))
        org = await repo.insert(Org(name="Acme"))
        ok = await repo.insert(person_cs(Person, name="E", email="e@x", org_id=org.id))
        assert isinstance(ok, Ok)
        assert ok.value.org_id == org.id


async def test_queries(repo, models):
    Person = models.Person
    with anyio.fail_after(10):
        for i in range(5):
            await repo.insert(Person(name=f"p{i}", email=f"p{i}@x", age=i * 10))
        adults = await repo.all(Person.query().where(age__gte=20).order_by("-age"))
        assert [p.name for p in adults] == ["p4", "p3", "p2"]
        assert [p.name for p in await repo.all(Person.query().order_by("age").limit(2))] == [
            "p0",
            "p1",
        ]
        assert await repo.rows(Person.query().select("name", "age").where(age=30)) == [("p3", 30)]
        assert (await repo.one(Person.query().where(name="p1"))).age == 10
        assert await repo.one_or_none(Person.query().where(name="zz")) is None
        with pytest.raises(NotFound):
            await repo.one(Person.query().where(name="zz"))
        with pytest.raises(MultipleResultsFound):
            await repo.one(Person.query().where(age__gte=10))
        assert (await repo.get_by(Person, email="p2@x")).name == "p2"
        with pytest.raises(NotFound):
            await repo.get_by_or_raise(Person, email="none@x")
        with pytest.raises(NotFound):
            await repo.get_or_raise(Person, 10**9)
        assert await repo.get(Person, 10**9) is None
        assert await repo.exists(Person.query().where(age=40))
        assert not await repo.exists(Person.query().where(age=41))
        assert await repo.aggregate(Person, "count") == 5
        assert await repo.aggregate(Person.query().where(age__gt=0), "count") == 4
        assert await repo.aggregate(Person, "max", "age") == 40
        assert int(await repo.aggregate(Person, "sum", "age")) == 100
        assert float(await repo.aggregate(Person, "avg", "age")) == 20.0


async def test_update_and_delete(repo, models):
    Person = models.Person
    with anyio.fail_after(10):
        ada = await repo.insert(Person(name="Ada", email="ada@x", age=1))
        await anyio.sleep(0.002)
        result = await repo.update(
            changeset(ada, {"age": "2", "password": "pw"}).cast(["age", "password"])
        )
        assert isinstance(result, Ok)
        updated = result.value
        assert updated.age == 2
        assert updated.password == "pw"  # virtual change kept on the result
        assert updated.updated_at > ada.updated_at
        assert updated.inserted_at == ada.inserted_at
        # no changes: nothing written, the data comes back
        same = await repo.update(changeset(updated, {"age": 2}).cast(["age"]))
        assert isinstance(same, Ok)
        assert same.value.age == 2
        # an instance: every field written
        renamed = await repo.update(updated.model_copy(update={"name": "Ada L."}))
        assert (await repo.reload(renamed)).name == "Ada L."
        bo = await repo.insert(Person(name="Bo", email="bo@x"))
        clash = await repo.update(
            changeset(bo, {"email": "ada@x"}).cast(["email"]).unique_constraint("email")
        )
        assert isinstance(clash, Err)
        assert clash.changeset.errors == {"email": ["has already been taken"]}
        deleted = await repo.delete(renamed)
        assert deleted.id == renamed.id
        assert await repo.get(Person, renamed.id) is None
        with pytest.raises(NotFound):
            await repo.delete(renamed)
        with pytest.raises(NotFound):
            await repo.update(renamed)
        with pytest.raises(ValueError, match="primary key is not set"):
            await repo.delete(Person(name="x", email="y"))


async def test_insert_all_update_all_delete_all(repo, models):
    Person = models.Person
    with anyio.fail_after(20):
        rows = [{"name": f"n{i}", "email": f"n{i}@x", "age": i % 7} for i in range(250)]
        assert await repo.insert_all(Person, rows, batch_size=100) == 250
        assert await repo.aggregate(Person, "count") == 250
        stored = await repo.all(Person.query().where(name="n3"))
        assert stored[0].active is True  # the schema default filled the missing field
        assert stored[0].inserted_at is not None
        assert await repo.update_all(Person.query().where(age=0), active=False) == 36
        assert await repo.aggregate(Person.query().where(active=False), "count") == 36
        assert await repo.delete_all(Person.query().where(age__gte=5)) == 70
        assert await repo.aggregate(Person, "count") == 180


async def test_insert_all_on_conflict(repo, models):
    from zzz_db.query.builder import OnConflict

    Person = models.Person
    with anyio.fail_after(10):
        await repo.insert(Person(name="Ada", email="ada@x", age=1))
        rows = [{"name": "Ada2", "email": "ada@x", "age": 2}, {"name": "Bo", "email": "bo@x"}]
        await repo.insert_all(Person, rows, on_conflict=OnConflict.nothing(["email"]))
        ada = await repo.get_by(Person, email="ada@x")
        assert ada.name == "Ada"
        assert await repo.aggregate(Person, "count") == 2
        await repo.insert_all(
            Person,
            [{"name": "Ada3", "email": "ada@x", "age": 3}],
            on_conflict=OnConflict.replace(["name", "age"], target=["email"]),
        )
        ada = await repo.get_by(Person, email="ada@x")
        assert (ada.name, ada.age) == ("Ada3", 3)


async def test_insert_all_returning(repo, models):
    Person = models.Person
    with anyio.fail_after(10):
        rows = [Person(name=f"r{i}", email=f"r{i}@x") for i in range(3)]
        if not (await repo.dialect()).supports_returning_insert:  # MySQL (MariaDB has it)
            from zzz_db.exceptions import QueryError

            with pytest.raises(QueryError):
                await repo.insert_all(Person, rows, returning=True)
            return
        stored = await repo.insert_all(Person, rows, returning=True)
        assert [p.name for p in stored] == ["r0", "r1", "r2"]
        assert all(isinstance(p.id, int) for p in stored)


async def test_stream(repo, models):
    Person = models.Person
    with anyio.fail_after(10):
        await repo.insert_all(
            Person, [{"name": f"s{i}", "email": f"s{i}@x", "age": i} for i in range(120)]
        )
        ages = [p.age async for p in repo.stream(Person.query().order_by("age"), chunk_size=50)]
        assert ages == list(range(120))


async def test_writes_inside_transaction_roll_back(repo, models):
    Person = models.Person
    with anyio.fail_after(10):
        with pytest.raises(RuntimeError):
            async with repo.transaction():
                await repo.insert(Person(name="T", email="t@x"))
                assert await repo.aggregate(Person, "count") == 1
                raise RuntimeError
        assert await repo.aggregate(Person, "count") == 0


async def test_constraint_error_keeps_the_transaction_usable(repo, models):
    Person = models.Person
    with anyio.fail_after(10):
        await repo.insert(Person(name="Ada", email="ada@x"))
        async with repo.transaction():
            dup = await repo.insert(
                changeset(Person, {"name": "B", "email": "ada@x"})
                .cast(["name", "email"])
                .unique_constraint("email")
            )
            assert isinstance(dup, Err)
            # PostgreSQL would reject this if the failed insert had aborted the transaction
            await repo.insert(Person(name="C", email="c@x"))
        assert await repo.aggregate(Person, "count") == 2


async def test_hostile_values_are_only_data(repo, models):
    Person = models.Person
    hostile = "x'); DROP TABLE people; -- %s %% ? \\"
    with anyio.fail_after(10):
        stored = await repo.insert(Person(name=hostile, email=hostile))
        assert (await repo.get(Person, stored.id)).name == hostile
        assert (await repo.get_by(Person, email=hostile)).id == stored.id
        assert await repo.update_all(Person.query().where(name=hostile), email="e") == 1
        assert await repo.aggregate(Person, "count") == 1


@pytest.mark.parametrize("db_url", ["mysql"], indirect=True)
async def test_mysql_without_returning_reselects(db_url, unique):
    """MySQL 8 has no RETURNING at all: insert uses LAST_INSERT_ID, update re-selects."""
    from zzz_db.dialects import MySQLDialect
    from zzz_db.repo import Repo
    from zzz_db.schema import Schema

    name = unique("noret")

    class Item(Schema, table=name, timestamps=True):
        id: int | None = None
        label: str
        qty: int = 0
        inserted_at: dt.datetime | None = None
        updated_at: dt.datetime | None = None

    repo = Repo(db_url, dialect=MySQLDialect(mariadb=False, version=(8, 0, 18)))
    try:
        with anyio.fail_after(10):
            await repo.execute(
                f"CREATE TABLE {name} (id BIGINT AUTO_INCREMENT PRIMARY KEY, "
                "label VARCHAR(20) NOT NULL, qty INTEGER NOT NULL DEFAULT 5, "
                "inserted_at DATETIME(6), updated_at DATETIME(6))"
            )
            item = await repo.insert(Item(label="a"))
            assert isinstance(item.id, int)
            assert item.inserted_at is not None
            result = await repo.update(changeset(item, {"qty": "9"}).cast(["qty"]))
            assert isinstance(result, Ok)
            assert result.value.qty == 9
            assert result.value.updated_at is not None
            assert item.updated_at is not None
            assert result.value.updated_at >= item.updated_at
            await repo.delete(result.value)
            assert await repo.get(Item, item.id) is None
    finally:
        await repo.execute(f"DROP TABLE IF EXISTS {name}")
        await repo.close()
