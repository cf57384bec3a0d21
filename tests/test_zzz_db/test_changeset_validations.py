"""Changesets: casting and validations (pure, no database)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from zzz_db.changeset import Changeset, changeset
from zzz_db.exceptions import (
    CheckViolation,
    ForeignKeyViolation,
    InvalidChangeset,
    NotNullViolation,
    UniqueViolation,
)
from zzz_db.fields import field
from zzz_db.schema import Schema
from zzz_db.validators import ErrorDetail, check_length, check_number


class CsUser(Schema, table="cs_users", timestamps=True):
    id: int | None = None
    name: str
    email: str = field(column="email_address")
    age: int | None = None
    score: Decimal | None = None
    role: str = "member"
    org_id: int | None = None
    password: str | None = field(default=None, virtual=True)


def test_cast_converts_types_and_ignores_unlisted_params():
    cs = changeset(CsUser, {"name": "Al", "age": "42", "role": "admin", "score": "1.50"}).cast(
        ["name", "age", "score"]
    )
    assert cs.valid
    assert cs.changes == {"name": "Al", "age": 42, "score": Decimal("1.50")}
    assert cs.get_change("role") is None


def test_cast_with_params_and_allowed():
    cs = changeset(CsUser).cast({"name": "Al", "extra": 1}, ["name", "email"])
    assert cs.changes == {"name": "Al"}


def test_cast_error_carries_pydantic_reason():
    cs = changeset(CsUser, {"age": "forty"}).cast(["age"])
    assert not cs.valid
    assert cs.errors["age"][0].startswith("is invalid: Input should be a valid integer")
    detail = cs.error_details["age"][0]
    assert detail.validation == "cast"
    assert detail.params["type"] == "int_parsing"


def test_cast_empty_string_is_none_and_unknown_field_raises():
    cs = changeset(CsUser, {"age": ""}).cast(["age"])
    assert cs.changes == {"age": None}
    with pytest.raises(ValueError, match="CsUser has no field 'nope'"):
        changeset(CsUser, {}).cast(["nope"])


def test_update_changeset_keeps_only_real_changes():
    user = CsUser(id=1, name="Al", email="a@x", age=3)
    cs = changeset(user, {"name": "Al", "age": 4}).cast(["name", "age"])
    assert cs.changes == {"age": 4}
    assert cs.get_field("name") == "Al"
    applied = cs.apply_changes()
    assert applied.age == 4
    assert user.age == 3


def test_validate_required_uses_changes_then_data():
    cs = changeset(CsUser, {"name": "  "}).cast(["name"]).validate_required(["name", "email"])
    assert cs.errors == {"name": ["can't be blank"], "email": ["can't be blank"]}
    user = CsUser(id=1, name="Al", email="a@x")
    assert changeset(user, {}).validate_required(["name", "email"]).valid


def test_validate_format_length_number():
    cs = (
        changeset(CsUser, {"name": "A", "email": "nope", "age": "200"})
        .cast(["name", "email", "age"])
        .validate_format("email", r"^[^@\s]+@[^@\s]+$")
        .validate_length("name", min=2, max=10)
        .validate_number("age", gte=0, lte=150)
    )
    assert cs.errors == {
        "email": ["has invalid format"],
        "name": ["should be at least 2 character(s)"],
        "age": ["must be less than or equal to 150"],
    }
    assert cs.error_details["name"][0].params == {"count": 2, "kind": "min"}
    assert cs.error_details["age"][0].params == {"number": 150, "kind": "lte"}
    ok = changeset(CsUser, {"name": "Al"}).cast(["name"]).validate_length("name", is_=2)
    assert ok.valid
    with pytest.raises(ValueError, match="unknown option"):
        changeset(CsUser).validate_number("age", over=3)


def test_validations_skip_fields_without_changes():
    cs = (
        changeset(CsUser, {}).validate_format("email", re.compile("@")).validate_number("age", gt=1)
    )
    assert cs.valid


def test_inclusion_exclusion_acceptance_confirmation_change():
    cs = (
        changeset(
            CsUser,
            {
                "role": "root",
                "name": "admin",
                "password": "secret1",
                "password_confirmation": "secret2",
            },
        )
        .cast(["role", "name", "password"])
        .validate_inclusion("role", ["member", "admin"])
        .validate_exclusion("name", {"admin", "root"})
        .validate_acceptance("terms")
        .validate_confirmation("password")
        .validate_change("password", lambda v: None if len(v) > 10 else "too short")
    )
    assert cs.errors == {
        "role": ["is invalid"],
        "name": ["is reserved"],
        "terms": ["must be accepted"],
        "password_confirmation": ["does not match confirmation"],
        "password": ["too short"],
    }
    good = (
        changeset(CsUser, {"password": "x", "password_confirmation": "x", "terms": "true"})
        .cast(["password"])
        .validate_confirmation("password")
        .validate_acceptance("terms")
    )
    assert good.valid


def test_put_delete_change_and_custom_error():
    cs = changeset(CsUser).put_change("name", "Bo").put_change("age", 3).delete_change("age")
    assert cs.changes == {"name": "Bo"}
    cs.add_error("name", "taken by {who}", who="Al")
    assert cs.errors == {"name": ["taken by Al"]}
    with pytest.raises(ValueError, match="no field"):
        cs.put_change("ghost", 1)


def test_apply_action_raises_when_invalid():
    cs: Changeset[CsUser] = changeset(CsUser, {}).validate_required(["name"])
    with pytest.raises(InvalidChangeset) as info:
        cs.apply_action("insert")
    assert info.value.changeset is cs
    user = (
        changeset(CsUser, {"name": "Al", "email": "a"})
        .cast(["name", "email"])
        .apply_action("insert")
    )
    assert (user.name, user.role, user.id) == ("Al", "member", None)


def test_constraint_errors_become_field_errors():
    def cs() -> Changeset[CsUser]:
        return (
            changeset(CsUser, {})
            .unique_constraint("email")
            .foreign_key_constraint("org_id")
            .check_constraint("age", name="cs_users_age_positive", message="must be positive")
        )

    # PostgreSQL default unique constraint name, on the column name
    c = cs()
    assert c.constraint_error(UniqueViolation("dup", constraint="cs_users_email_address_key"))
    assert c.errors == {"email": ["has already been taken"]}
    # SQLite: no name, columns only
    c = cs()
    assert c.constraint_error(UniqueViolation("dup", columns=("email_address",)))
    # MySQL: the key name (defaults to the column name)
    assert cs().constraint_error(UniqueViolation("dup", constraint="email_address"))
    # an unrelated unique index is not claimed
    assert not cs().constraint_error(UniqueViolation("dup", constraint="cs_users_name_key"))
    # foreign keys: by default name, or anonymous (SQLite)
    assert cs().constraint_error(ForeignKeyViolation("fk", constraint="cs_users_org_id_fkey"))
    c = cs()
    assert c.constraint_error(ForeignKeyViolation("fk"))
    assert c.errors == {"org_id": ["does not exist"]}
    c = cs()
    assert c.constraint_error(CheckViolation("chk", constraint="cs_users_age_positive"))
    assert c.errors == {"age": ["must be positive"]}
    assert c.error_details["age"][0].params == {"constraint": "cs_users_age_positive"}
    assert not cs().constraint_error(CheckViolation("chk", constraint="other"))
    assert not cs().constraint_error(NotNullViolation("nn", columns=("name",)))


def test_validators_directly():
    assert check_length([1, 2, 3], max=2) == ErrorDetail(
        "should be at most {count} item(s)", "length", {"count": 2, "kind": "max"}
    )
    assert check_length(5, min=1) is not None
    assert check_number("x", {"gt": 1}, None) is not None
    assert check_number(Decimal("2.5"), {"gt": 1, "lt": 3}, None) is None
    assert ErrorDetail("odd {", "x").message == "odd {"


def test_schema_changeset_classmethod_matches_the_function() -> None:
    from zzz_db import Schema, changeset

    class CsWidget(Schema, table="cs_widgets"):
        name: str
        size: int = 0

    new = CsWidget.changeset(None, {"name": "a", "size": "3"}).cast(["name", "size"])
    assert new.valid
    assert (
        new.changes
        == changeset(CsWidget, {"name": "a", "size": "3"}).cast(["name", "size"]).changes
    )
    existing = CsWidget(id=1, name="a", size=1)
    update = CsWidget.changeset(existing, {"size": "x"}).cast(["size"])
    assert not update.valid
    assert "size" in update.errors
