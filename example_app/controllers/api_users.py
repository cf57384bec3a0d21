"""JSON API v1 for users: ``/api/v1/users`` (bearer token required).

Responses: ``{"data": ...}`` on success; ``{"errors": {"field": ["message", ...]}}``
with **422** when validation fails (the same changesets as the HTML forms); 404 for
an unknown id; 204 after a delete. The body may send the fields at the top level
(``{"name": "Ada"}``) or under ``"user"`` (``{"user": {"name": "Ada"}}``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from zzz.conn import Conn
from zzz_db.changeset import Ok
from zzz_db.repo import Repo

from example_app.controllers._shared import get_user, nested_params, search_users, user_posts
from example_app.schemas import Post, User, post_changeset, user_changeset

__all__ = ["ApiPostController", "ApiUserController", "post_json", "user_json"]


def user_json(user: User) -> dict[str, Any]:
    """The JSON form of a user.

    Args:
        user: The user.

    Returns:
        ``id``, ``name``, ``email``, ``bio``, ``inserted_at``, ``updated_at`` (ISO 8601).
    """
    return user.model_dump(mode="json")


def post_json(post: Post) -> dict[str, Any]:
    """The JSON form of a post.

    Args:
        post: The post.

    Returns:
        ``id``, ``title``, ``body``, ``user_id``, ``inserted_at``, ``updated_at``.
    """
    return post.model_dump(mode="json")


def _body(conn: Conn, key: str) -> Mapping[str, Any]:
    nested = nested_params(conn, key)
    return nested if nested else nested_params(conn, "")


class ApiUserController:
    """``/api/v1/users``: index, show, create, update, delete.

    Args:
        repo: The database.
        page_size: Default number of users per page.
    """

    def __init__(self, repo: Repo, page_size: int) -> None:
        self.repo = repo
        self.page_size = page_size

    async def index(self, conn: Conn, q: str = "", page: int = 1) -> Conn:
        """List users, searched by ``q``, paged by ``page``.

        Args:
            conn: The connection.
            q: Search text (name or e-mail).
            page: Page number, from 1.

        Returns:
            ``{"data": [...], "meta": {"page": n, "has_more": bool}}``.
        """
        result = await search_users(self.repo, q, page, self.page_size)
        return conn.json(
            {
                "data": [user_json(u) for u in result.users],
                "meta": {"page": result.page, "has_more": result.has_more},
            }
        )

    async def show(self, conn: Conn, id: int) -> Conn:
        """One user.

        Args:
            conn: The connection.
            id: The user's id.

        Returns:
            ``{"data": {...}}`` or 404.
        """
        return conn.json({"data": user_json(await get_user(self.repo, id))})

    async def create(self, conn: Conn) -> Conn:
        """Create a user.

        Args:
            conn: The connection (JSON body parsed by ``BodyParser``).

        Returns:
            201 with the user, or 422 with field errors.
        """
        result = await self.repo.insert(user_changeset(User, _body(conn, "user")))
        if isinstance(result, Ok):
            conn.put_resp_header("location", conn.path_for("api.users.show", id=result.value.id))
            return conn.json({"data": user_json(result.value)}, status=201)
        return conn.json({"errors": result.value.errors}, status=422)

    async def update(self, conn: Conn, id: int) -> Conn:
        """Change some fields of a user (PATCH and PUT both accept partial bodies).

        Args:
            conn: The connection.
            id: The user's id.

        Returns:
            200 with the user, 404, or 422 with field errors.
        """
        user = await get_user(self.repo, id)
        result = await self.repo.update(user_changeset(user, _body(conn, "user")))
        if isinstance(result, Ok):
            return conn.json({"data": user_json(result.value)})
        return conn.json({"errors": result.value.errors}, status=422)

    async def delete(self, conn: Conn, id: int) -> Conn:
        """Delete a user and their posts.

        Args:
            conn: The connection.
            id: The user's id.

        Returns:
            204, or 404.
        """
        await self.repo.delete(await get_user(self.repo, id))
        return conn.resp(204, b"")


class ApiPostController:
    """``/api/v1/users/:user_id/posts``: index and create.

    Args:
        repo: The database.
    """

    def __init__(self, repo: Repo) -> None:
        self.repo = repo

    async def index(self, conn: Conn, user_id: int) -> Conn:
        """The posts of a user, newest first.

        Args:
            conn: The connection.
            user_id: The author's id.

        Returns:
            ``{"data": [...]}`` or 404.
        """
        user = await get_user(self.repo, user_id)
        return conn.json({"data": [post_json(p) for p in await user_posts(self.repo, user)]})

    async def create(self, conn: Conn, user_id: int) -> Conn:
        """Add a post to a user.

        Args:
            conn: The connection.
            user_id: The author's id.

        Returns:
            201 with the post, 404, or 422 with field errors.
        """
        user = await get_user(self.repo, user_id)
        cs = post_changeset(Post, _body(conn, "post")).put_change("user_id", user.id)
        result = await self.repo.insert(cs)
        if isinstance(result, Ok):
            return conn.json({"data": post_json(result.value)}, status=201)
        return conn.json({"errors": result.value.errors}, status=422)
