"""Multi: named steps in one transaction, all or nothing."""

# Schema classes bound to per-test tables keep class-style names; a rollback test raises
# inside the block under test.
# ruff: noqa: N806

from __future__ import annotations

import anyio
import pytest
from zzz_db.changeset import Err, changeset
from zzz_db.multi import Multi

pytestmark = pytest.mark.anyio


async def test_all_steps_commit_and_see_earlier_results(repo, models):
    Org, Person = models.Org, models.Person

    async def count_people(repo_, done):
        return await repo_.aggregate(Person.query().where(org_id=done["org"].id), "count")

    multi = (
        Multi()
        .insert("org", Org(name="Acme"))
        .insert(
            "ada",
            lambda done: changeset(
                Person, {"name": "Ada", "email": "a@x", "org_id": done["org"].id}
            ).cast(["name", "email", "org_id"]),
        )
        .update("older", lambda done: changeset(done["ada"], {"age": 37}).cast(["age"]))
        .put("note", "hello")
        .run("count", count_people)
    )
    assert multi.names == ("org", "ada", "older", "note", "count")
    with anyio.fail_after(10):
        result = await multi.execute(repo)
    assert result.ok
    assert result.failed_step is None
    assert result.changes["older"].age == 37
    assert result.changes["count"] == 1
    assert result.changes["note"] == "hello"
    assert await repo.aggregate(Person, "count") == 1


async def test_failing_changeset_rolls_everything_back(repo, models):
    Org, Person = models.Org, models.Person
    with anyio.fail_after(10):
        await repo.insert(Person(name="Ada", email="a@x"))
        result = await (
            Multi()
            .insert("org", Org(name="Acme"))
            .insert(
                "dup",
                changeset(Person, {"name": "B", "email": "a@x"})
                .cast(["name", "email"])
                .unique_constraint("email"),
            )
            .insert("never", Org(name="Never"))
            .execute(repo)
        )
        assert not result.ok
        assert result.failed_step == "dup"
        assert result.changeset is not None
        assert result.changeset.errors == {"email": ["has already been taken"]}
        assert set(result.changes) == {"org"}
        assert await repo.aggregate(Org, "count") == 0


async def test_run_step_can_fail_with_err_and_exceptions_propagate(repo, models):
    Org = models.Org

    async def refuse(repo_, done):
        return Err("quota exceeded")

    async def explode(repo_, done):
        raise LookupError("boom")

    with anyio.fail_after(10):
        result = await Multi().insert("org", Org(name="A")).run("quota", refuse).execute(repo)
        assert (result.ok, result.failed_step, result.failed_value) == (
            False,
            "quota",
            "quota exceeded",
        )
        assert result.changeset is None
        with pytest.raises(LookupError):
            await Multi().insert("org", Org(name="B")).run("x", explode).execute(repo)
        assert await repo.aggregate(Org, "count") == 0


async def test_invalid_changeset_step_and_nested_multi(repo, models):
    Org, Person = models.Org, models.Person
    with anyio.fail_after(10):
        async with repo.transaction():
            await repo.insert(Org(name="outer"))
            result = await (
                Multi()
                .insert("org", Org(name="inner"))
                .insert("bad", changeset(Person, {}).validate_required(["name"]))
                .execute(repo)
            )
            assert result.failed_step == "bad"
            assert result.changeset is not None
            assert result.changeset.errors == {"name": ["can't be blank"]}
        # the Multi ran in a savepoint: the outer insert is kept
        assert [o.name for o in await repo.all(Org)] == ["outer"]


def test_step_names_are_unique():
    multi = Multi().put("a", 1)
    with pytest.raises(ValueError, match="already has a step named 'a'"):
        multi.put("a", 2)
    with pytest.raises(ValueError, match="'a'"):
        Multi().put("a", 0).append(Multi().put("a", 1))
    assert len(Multi().put("x", 1).append(Multi().put("y", 2))) == 2
