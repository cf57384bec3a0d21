"""Posts on a user's page: add one (htmx appends it to the list) and delete one."""

from __future__ import annotations

from zzz import htmx
from zzz.conn import Conn
from zzz.exceptions import HTTPError
from zzz_db.changeset import Ok
from zzz_db.repo import Repo

from example_app.controllers._shared import get_user, nested_params
from example_app.schemas import Post, post_changeset

__all__ = ["PostController"]


class PostController:
    """``/users/:user_id/posts`` (nested under the users resource).

    Args:
        repo: The database.
    """

    def __init__(self, repo: Repo) -> None:
        self.repo = repo

    async def create(self, conn: Conn, user_id: int) -> Conn:
        """Add a post from ``post[...]`` form fields.

        With htmx the response is a fresh form, and the new post is appended to
        ``#posts`` out of band; errors re-render the form (422).

        Args:
            conn: The connection.
            user_id: The author's id.

        Returns:
            The conn.
        """
        user = await get_user(self.repo, user_id)
        params = nested_params(conn, "post")
        cs = post_changeset(Post, params).put_change("user_id", user.id)
        result = await self.repo.insert(cs)
        if not htmx.is_htmx(conn):
            if isinstance(result, Ok):
                conn.put_flash("info", "Post added.")
            else:
                conn.put_flash("error", "The post was not saved: a title is required.")
            return conn.redirect(to=conn.path_for("users.show", id=user.id), status=303)
        if isinstance(result, Ok):
            htmx.render_oob(
                conn, "posts/_post", swap="afterbegin", target="#posts", post=result.value
            )
            htmx.render_oob(conn, "posts/_empty", hidden=True)
            return conn.render_partial(
                "posts/_form", user=user, post_form={"title": "", "body": ""}, errors={}
            )
        form = {name: str(params.get(name) or "") for name in ("title", "body")}
        return conn.render_partial(
            "posts/_form", status=422, user=user, post_form=form, errors=result.value.errors
        )

    async def delete(self, conn: Conn, user_id: int, id: int) -> Conn:
        """Delete one post of a user.

        Args:
            conn: The connection.
            user_id: The author's id.
            id: The post's id.

        Returns:
            The conn: empty for htmx (the post disappears), else a redirect.
        """
        post = await self.repo.get(Post, id)
        if post is None or post.user_id != user_id:
            raise HTTPError(404, f"user {user_id} has no post {id}")
        await self.repo.delete(post)
        if htmx.is_htmx(conn):
            return conn.html("")
        conn.put_flash("info", "Post deleted.")
        return conn.redirect(to=conn.path_for("users.show", id=user_id), status=303)
