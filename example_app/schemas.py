"""The example app's tables as ``zzz_db`` schemas, and the changesets that validate input.

The changesets are shared by the HTML pages and the JSON API, so both report the same
field errors (``{"email": ["has invalid format"]}``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar

from zzz_db.associations import BelongsTo, HasMany, belongs_to, has_many
from zzz_db.changeset import Changeset, changeset
from zzz_db.fields import field
from zzz_db.schema import Schema

__all__ = ["EMAIL_PATTERN", "Post", "User", "post_changeset", "user_changeset"]

#: A deliberately simple e-mail check: something@something.tld, no spaces.
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$"

_USER_FIELDS = ("name", "email", "bio")
_POST_FIELDS = ("title", "body")


class User(Schema, table="users", timestamps=True):
    """A person with a unique e-mail address; has many posts."""

    id: int | None = None
    name: str
    email: str = field(unique=True, size=200)
    bio: str | None = None
    inserted_at: datetime | None = None
    updated_at: datetime | None = None
    posts: ClassVar[HasMany[Post]] = has_many("Post")


class Post(Schema, table="posts", timestamps=True):
    """A short text written by a user."""

    id: int | None = None
    title: str
    body: str | None = None
    user_id: int | None = None
    inserted_at: datetime | None = None
    updated_at: datetime | None = None
    user: ClassVar[BelongsTo[User]] = belongs_to(User)


def user_changeset(target: User | type[User], params: Mapping[str, Any]) -> Changeset[User]:
    """Cast and validate user params (a form or a JSON body).

    Args:
        target: ``User`` for a new user, or the user being edited.
        params: The submitted values; unknown keys are ignored.

    Returns:
        The changeset (check ``.valid`` / ``.errors``, or hand it to the Repo).
    """
    return (
        changeset(target, params)
        .cast(list(_USER_FIELDS))
        .validate_required(["name", "email"])
        .validate_length("name", min=2, max=100)
        .validate_format("email", EMAIL_PATTERN)
        .validate_length("email", max=200)
        .validate_length("bio", max=1000)
        .unique_constraint("email")
    )


def post_changeset(target: Post | type[Post], params: Mapping[str, Any]) -> Changeset[Post]:
    """Cast and validate post params; ``user_id`` is set by the caller, never cast.

    Args:
        target: ``Post`` for a new post, or the post being edited.
        params: The submitted values.

    Returns:
        The changeset.
    """
    return (
        changeset(target, params)
        .cast(list(_POST_FIELDS))
        .validate_required(["title"])
        .validate_length("title", min=1, max=200)
        .validate_length("body", max=5000)
        .foreign_key_constraint("user_id")
    )
