"""Schema classes: fields, keys, timestamps, virtual/enum/JSON fields, associations, loading."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Literal

import pydantic
import pytest
from zzz_db.associations import (
    BelongsTo,
    HasMany,
    HasOne,
    ManyToMany,
    belongs_to,
    has_many,
    has_one,
    many_to_many,
    snake_name,
)
from zzz_db.exceptions import AssociationNotLoaded, QueryError, SchemaError
from zzz_db.fields import field, timestamps
from zzz_db.schema import Schema, resolve_schema
from zzz_db.types import Kind


class SdRole(enum.Enum):
    ADMIN = "admin"
    MEMBER = "member"


class SdAddress(pydantic.BaseModel):
    city: str
    zip: str | None = None


class SdUser(Schema, table="sd_users", timestamps=True):
    name: str
    email: str = field(column="email_address", unique=True, size=200)
    age: int | None = None
    active: bool = True
    role: SdRole = SdRole.MEMBER
    address: SdAddress | None = None
    tags: list[str] = pydantic.Field(default_factory=list)
    balance: Decimal = Decimal(0)
    password: str | None = field(default=None, virtual=True)
    posts: ClassVar[HasMany[SdPost]] = has_many("SdPost")
    profile: ClassVar[HasOne[SdProfile]] = has_one("SdProfile", foreign_key="owner_id")
    groups: ClassVar[ManyToMany[SdGroup]] = many_to_many("SdGroup", join_through="sd_users_groups")


class SdPost(Schema, table="sd_posts"):
    title: str
    author: ClassVar[BelongsTo[SdUser]] = belongs_to(SdUser, foreign_key="sd_user_id")


class SdProfile(Schema, table="sd_profiles"):
    bio: str = ""
    owner_id: int | None = None


class SdGroup(Schema, table="sd_groups"):
    name: str


class SdToken(Schema, table="sd_tokens"):
    id: uuid.UUID = field(primary_key=True, default_factory=uuid.uuid4)
    value: str


class SdMembership(Schema, table="sd_memberships", primary_key=("user_id", "group_id")):
    user_id: int
    group_id: int
    level: Literal["owner", "member"] = "member"


def test_default_integer_primary_key_is_added_first() -> None:
    info = SdUser.__schema__
    assert info.primary_key == ("id",)
    assert info.autoincrement == "id"
    assert next(iter(SdUser.model_fields)) == "id"
    assert info.columns[0] == "id"
    assert SdUser(name="a", email="e").model_dump()["id"] is None  # added: not typed statically


def test_columns_follow_field_options_and_skip_virtual_fields() -> None:
    info = SdUser.__schema__
    assert "email_address" in info.columns
    assert "password" not in info.columns
    assert info.fields["password"].virtual
    assert info.fields["email"].options.unique
    assert info.fields["email"].options.size == 200
    assert info.table == "sd_users"


def test_timestamps_are_added_as_optional_datetimes() -> None:
    info = SdUser.__schema__
    assert info.timestamps is not None
    assert info.fields["inserted_at"].kind is Kind.DATETIME
    assert info.fields["updated_at"].nullable
    assert info.columns[-2:] == ("inserted_at", "updated_at")


def test_custom_timestamp_names() -> None:
    class SdEvent(Schema, table="sd_events", timestamps=timestamps(inserted_at="created_at")):
        name: str

    assert {"created_at", "updated_at"} <= set(SdEvent.__schema__.fields)
    assert "inserted_at" not in SdEvent.__schema__.fields


def test_field_kinds() -> None:
    fields = SdUser.__schema__.fields
    assert fields["role"].kind is Kind.ENUM
    assert fields["address"].kind is Kind.JSON
    assert fields["address"].json_adapter is not None
    assert fields["tags"].kind is Kind.JSON
    assert fields["tags"].json_adapter is None
    assert fields["balance"].kind is Kind.DECIMAL
    assert fields["active"].kind is Kind.BOOL
    assert SdMembership.__schema__.fields["level"].kind is Kind.STR


def test_uuid_and_composite_primary_keys() -> None:
    assert SdToken.__schema__.primary_key == ("id",)
    assert SdToken.__schema__.autoincrement is None
    assert isinstance(SdToken(value="x").id, uuid.UUID)
    info = SdMembership.__schema__
    assert info.primary_key == ("user_id", "group_id")
    assert info.autoincrement is None
    assert "id" not in info.fields


def test_table_without_primary_key() -> None:
    class SdLog(Schema, table="sd_logs", primary_key=()):
        line: str

    assert SdLog.__schema__.primary_key == ()
    assert "id" not in SdLog.__schema__.fields


def test_annotated_field_options() -> None:
    class SdNote(Schema, table="sd_notes"):
        body: Annotated[str, field(column="text_body")]

    assert SdNote.__schema__.fields["body"].column == "text_body"


def test_json_field_forced_with_option() -> None:
    class SdBlob(Schema, table="sd_blobs"):
        payload: Any = field(default=None, json=True)

    assert SdBlob.__schema__.fields["payload"].kind is Kind.JSON


def test_bad_field_type_names_the_class() -> None:
    with pytest.raises(SchemaError, match=r"SdBroken\.things.*no database mapping"):

        class SdBroken(Schema, table="sd_broken"):
            things: set[int]


def test_union_field_type_is_rejected() -> None:
    with pytest.raises(SchemaError, match="SdUnion"):

        class SdUnion(Schema, table="sd_union"):
            value: int | str


def test_duplicate_columns_are_rejected() -> None:
    with pytest.raises(SchemaError, match="same column"):

        class SdDup(Schema, table="sd_dup"):
            a: str = field(column="x")
            b: str = field(column="x")


def test_reserved_names_are_rejected() -> None:
    with pytest.raises(SchemaError, match=r"SdReserved.*\['query'\] are reserved"):

        class SdReserved(Schema, table="sd_reserved"):
            query: str = ""  # type: ignore[assignment]


def test_unknown_primary_key_name() -> None:
    with pytest.raises(SchemaError, match="unknown field"):

        class SdBadPk(Schema, table="sd_bad_pk", primary_key="nope"):
            a: str


def test_empty_table_name() -> None:
    with pytest.raises(SchemaError, match="table"):

        class SdNoName(Schema, table=""):
            a: str


def test_timestamp_field_must_be_datetime() -> None:
    with pytest.raises(SchemaError, match="timestamp"):

        class SdBadStamp(Schema, table="sd_bad_stamp", timestamps=True):
            inserted_at: str = ""


def test_abstract_base_schema() -> None:
    class SdBase(Schema):
        name: str

    class SdChild(SdBase, table="sd_children"):
        age: int = 0

    assert SdChild.__schema__.columns == ("name", "id", "age")  # inherited fields first
    with pytest.raises(SchemaError, match="abstract"):
        SdBase.query()


def test_associations_are_declared_with_metadata() -> None:
    info = SdUser.__schema__
    posts = info.associations["posts"]
    assert isinstance(posts, HasMany)
    assert posts.target is SdPost
    assert posts.foreign_key == "sd_user_id"
    assert posts.references == "id"
    profile = info.associations["profile"]
    assert isinstance(profile, HasOne)
    assert profile.cardinality == "one"
    assert profile.foreign_key == "owner_id"
    groups = info.associations["groups"]
    assert isinstance(groups, ManyToMany)
    assert groups.join_keys == ("sd_user_id", "sd_group_id")
    author = SdPost.__schema__.associations["author"]
    assert isinstance(author, BelongsTo)
    assert author.references == "id"
    assert SdUser.posts is posts


def test_belongs_to_adds_the_foreign_key_field() -> None:
    info = SdPost.__schema__
    assert "sd_user_id" in info.fields
    assert info.fields["sd_user_id"].kind is Kind.INT
    assert info.fields["sd_user_id"].nullable

    class SdComment(Schema, table="sd_comments"):
        post: ClassVar[BelongsTo[SdPost]] = belongs_to("SdPost")
        token: ClassVar[BelongsTo[SdToken]] = belongs_to(SdToken)

    fields = SdComment.__schema__.fields
    assert fields["post_id"].kind is Kind.INT
    assert fields["token_id"].kind is Kind.UUID


def test_association_reads_raise_until_loaded() -> None:
    user = SdUser(name="a", email="e")
    with pytest.raises(AssociationNotLoaded, match="posts"):
        _ = user.posts
    assoc = SdUser.__schema__.associations["posts"]
    assert not assoc.is_loaded(user)
    assoc.set_loaded(user, [])
    assert user.posts == []
    assert assoc.is_loaded(user)
    assert "posts" not in user.model_dump()


def test_unknown_association_target() -> None:
    class SdOrphan(Schema, table="sd_orphans"):
        ghost: ClassVar[HasMany[Any]] = has_many("SdDoesNotExist")

    with pytest.raises(SchemaError, match="SdDoesNotExist"):
        _ = SdOrphan.__schema__.associations["ghost"].target


def test_resolve_schema_by_name() -> None:
    assert resolve_schema("SdUser", "test") is SdUser
    assert resolve_schema(SdUser, "test") is SdUser
    with pytest.raises(SchemaError):
        resolve_schema("Nope", "test")


def test_load_builds_instances_without_validation() -> None:
    row = {"id": 3, "name": "n", "email_address": "e@x", "age": 40, "active": True}
    user = SdUser.load(row)
    assert user.model_dump()["id"] == 3
    assert user.email == "e@x"
    assert user.password is None
    assert user.model_dump()["role"] is None  # missing columns are None: no validation
    assert user.model_fields_set >= {"id", "name", "email"}
    users = SdUser.load_rows([row, {**row, "id": 4}])
    assert [u.model_dump()["id"] for u in users] == [3, 4]
    users[0].name = "changed"
    assert users[1].name == "n"


def test_instance_helpers() -> None:
    info = SdUser.__schema__
    user = SdUser(name="a", email="e")
    values = info.insert_values(user)
    assert "id" not in values
    assert values["email"] == "e"
    assert "password" not in values
    user = SdUser.model_validate({"id": 9, "name": "a", "email": "e"})
    assert info.pk_values(user) == {"id": 9}
    assert "id" in info.insert_values(user)


def test_columns_accessor_checks_names() -> None:
    assert SdUser.c.email.column == "email_address"
    assert SdUser.c["age"].name == "age"
    with pytest.raises(QueryError, match=r"SdUser has no persisted field 'nope'"):
        _ = SdUser.c.nope
    with pytest.raises(QueryError, match="virtual"):
        _ = SdUser.c.password


def test_snake_name() -> None:
    assert snake_name("BlogPost") == "blog_post"
    assert snake_name("HTTPRequest") == "http_request"
    assert snake_name("User") == "user"


def test_datetime_defaults_and_pydantic_validation_still_work() -> None:
    user = SdUser.model_validate(
        {"name": "a", "email": "e", "age": "42", "inserted_at": "2024-01-01T00:00:00Z"}
    )
    assert user.age == 42
    assert user.model_dump()["inserted_at"] == dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    with pytest.raises(pydantic.ValidationError):
        SdUser.model_validate({"name": "a", "email": "e", "age": "old"})


def test_association_names_resolve_in_the_owners_module_first() -> None:
    import types

    from zzz_db import Schema, has_many

    def define(module_name: str) -> tuple[type[Schema], type[Schema]]:
        # two modules that each define schemas with the same names
        def body(annotations: dict[str, Any], **extra: Any) -> Any:
            def fill(ns: dict[str, Any]) -> None:
                ns.update(__module__=module_name, __annotations__=annotations, **extra)

            return fill

        post = types.new_class(
            "SdPost", (Schema,), {"table": f"{module_name}_posts"}, body({"title": str})
        )
        author = types.new_class(
            "SdAuthor",
            (Schema,),
            {"table": f"{module_name}_authors"},
            body({"name": str}, posts=has_many("SdPost")),
        )
        return post, author

    post_a, author_a = define("sd_mod_a")
    post_b, author_b = define("sd_mod_b")
    assert author_a.__dict__["posts"].target is post_a
    assert author_b.__dict__["posts"].target is post_b
