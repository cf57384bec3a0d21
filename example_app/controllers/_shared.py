"""Helpers shared by the controllers: reading params, loading records, paging."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from zzz.conn import Conn
from zzz.exceptions import HTTPError
from zzz_db.repo import Repo

from example_app.schemas import Post, User

__all__ = ["UserPage", "get_user", "nested_params", "search_users", "user_posts"]

#: Highest page number served (keeps OFFSET within SQLite integers).
_MAX_PAGE = 100_000


@dataclass(frozen=True, slots=True)
class UserPage:
    """One page of the user list.

    Attributes:
        users: The users on this page.
        q: The search text.
        page: The page number (from 1).
        has_more: Whether a next page exists.
    """

    users: list[User]
    q: str
    page: int
    has_more: bool

    @property
    def next_url(self) -> str:
        """The URL of the next page (same search)."""
        query = {"q": self.q, "page": self.page + 1} if self.q else {"page": self.page + 1}
        return "/users?" + urlencode(query)


def nested_params(conn: Conn, key: str) -> Mapping[str, Any]:
    """Return ``conn.params[key]`` when it is a mapping (``user[name]=...`` forms), else ``{}``.

    JSON bodies may also send the fields at the top level (``{"name": ...}``); pass
    ``key=""`` to read those.

    Args:
        conn: The connection (body params already parsed).
        key: The nested key, e.g. ``"user"``; ``""`` for the top level.

    Returns:
        The submitted fields.
    """
    params = conn.params
    value = params.get(key) if key else params
    return value if isinstance(value, Mapping) else {}


async def get_user(repo: Repo, user_id: int) -> User:
    """Load a user or answer 404.

    Args:
        repo: The database.
        user_id: The primary key.

    Returns:
        The user.

    Raises:
        HTTPError: 404 when there is no such user.
    """
    user = await repo.get(User, user_id)
    if user is None:
        raise HTTPError(404, f"no user with id {user_id}")
    return user


async def search_users(repo: Repo, q: str, page: int, page_size: int) -> UserPage:
    """One page of users whose name or e-mail contains ``q`` (case-insensitive).

    Args:
        repo: The database.
        q: Search text (blank: everybody).
        page: Page number, from 1 (clamped to 1.._MAX_PAGE).
        page_size: Users per page.

    Returns:
        The page, sorted by name.
    """
    q = q.strip()[:100]
    page = min(max(page, 1), _MAX_PAGE)
    query = User.query()
    if q:
        query = query.where(name__icontains=q).or_where(email__icontains=q)
    query = query.order_by("name", "id").limit(page_size + 1).offset((page - 1) * page_size)
    users = await repo.all(query)
    return UserPage(users[:page_size], q, page, len(users) > page_size)


async def user_posts(repo: Repo, user: User) -> list[Post]:
    """The posts of ``user``, newest first.

    Args:
        repo: The database.
        user: The author.

    Returns:
        The posts.
    """
    return await repo.all(Post.query().where(user_id=user.id).order_by("-inserted_at", "-id"))
