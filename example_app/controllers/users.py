"""HTML pages for users: list with live search and load-more, show, forms, inline editing.

Every interaction works with htmx without a page reload, and without JavaScript as a
plain form post (writes then redirect, Post/Redirect/Get). htmx requests are told
apart by their ``HX-Target``:

* ``user-rows`` (the search box) and ``load-more`` (the button) get only the
  ``rows`` block of ``users/index``;
* ``user-<id>`` (a table row being edited inline) gets a row back;
* ``user-form`` (the new/edit forms) gets the form with errors (422), or on success
  the user's page swapped into ``#main`` with the URL pushed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from zzz import htmx
from zzz.conn import Conn
from zzz_db.changeset import Changeset, Ok
from zzz_db.repo import Repo

from example_app.controllers._shared import get_user, nested_params, search_users, user_posts
from example_app.schemas import User, user_changeset

__all__ = ["UserController"]

_FRAGMENT_TARGETS = frozenset({"user-rows", "load-more"})
_FORM_FIELDS = ("name", "email", "bio")


def _form_values(params: Mapping[str, Any], user: User | None = None) -> dict[str, str]:
    """Values to put back in the form: what was submitted, else the user's current ones."""
    values: dict[str, str] = {}
    for name in _FORM_FIELDS:
        if name in params:
            value = params[name]
        else:
            value = getattr(user, name, None) if user is not None else None
        values[name] = "" if value is None else str(value)
    return values


class UserController:
    """The ``/users`` pages.

    Args:
        repo: The database.
        page_size: Users per page of the list.
    """

    def __init__(self, repo: Repo, page_size: int) -> None:
        self.repo = repo
        self.page_size = page_size

    async def index(self, conn: Conn, q: str = "", page: int = 1) -> Conn:
        """List users; htmx search and load-more requests get only the rows.

        Args:
            conn: The connection.
            q: Search text (name or e-mail).
            page: Page number.

        Returns:
            The conn with the page (or the ``rows`` block) rendered.
        """
        result = await search_users(self.repo, q, page, self.page_size)
        context: dict[str, Any] = {
            "title": "Users",
            "users": result.users,
            "q": result.q,
            "page": result,
        }
        if htmx.is_htmx(conn) and htmx.htmx_target(conn) in _FRAGMENT_TARGETS:
            return conn.render("users/index", block="rows", **context)
        return conn.render("users/index", **context)

    async def show(self, conn: Conn, id: int) -> Conn:
        """Show one user with their posts.

        Args:
            conn: The connection.
            id: The user's id.

        Returns:
            The conn.
        """
        user = await get_user(self.repo, id)
        return await self._render_show(conn, user, notice=None)

    async def _render_show(self, conn: Conn, user: User, notice: str | None) -> Conn:
        posts = await user_posts(self.repo, user)
        return conn.render(
            "users/show",
            title=user.name,
            user=user,
            posts=posts,
            notice=notice,
            post_form={"title": "", "body": ""},
            errors={},
        )

    async def new(self, conn: Conn) -> Conn:
        """The form for a new user.

        Args:
            conn: The connection.

        Returns:
            The conn.
        """
        return conn.render(
            "users/new", title="New user", form=_form_values({}), errors={}, action="/users"
        )

    async def create(self, conn: Conn) -> Conn:
        """Create a user from ``user[...]`` form fields.

        Args:
            conn: The connection (form already parsed by ``BodyParser``).

        Returns:
            The conn: the form with errors (422), or the new user's page.
        """
        params = nested_params(conn, "user")
        result = await self.repo.insert(user_changeset(User, params))
        if isinstance(result, Ok):
            return await self._saved(conn, result.value, "User created.")
        return self._form_errors(
            conn,
            page="users/new",
            title="New user",
            action="/users",
            params=params,
            cs=result.value,
        )

    async def edit(self, conn: Conn, id: int) -> Conn:
        """The form to edit a user.

        Args:
            conn: The connection.
            id: The user's id.

        Returns:
            The conn.
        """
        user = await get_user(self.repo, id)
        return conn.render(
            "users/edit",
            title=f"Edit {user.name}",
            user=user,
            form=_form_values({}, user),
            errors={},
            action=f"/users/{user.id}",
        )

    async def update(self, conn: Conn, id: int) -> Conn:
        """Update a user from the edit form or from an inline-edited row.

        Args:
            conn: The connection.
            id: The user's id.

        Returns:
            The conn: for a row, the row (or the editable row with errors, 422);
            for the form, the user's page (or the form with errors, 422).
        """
        user = await get_user(self.repo, id)
        params = nested_params(conn, "user")
        result = await self.repo.update(user_changeset(user, params))
        inline = htmx.is_htmx(conn) and htmx.htmx_target(conn) == f"user-{id}"
        if isinstance(result, Ok):
            if inline:
                return conn.render_partial("users/_row", user=result.value)
            return await self._saved(conn, result.value, "User updated.")
        if inline:
            return conn.render_partial(
                "users/_edit_row",
                status=422,
                user=user,
                form=_form_values(params, user),
                errors=result.value.errors,
            )
        return self._form_errors(
            conn,
            page="users/edit",
            title=f"Edit {user.name}",
            action=f"/users/{id}",
            params=params,
            cs=result.value,
            user=user,
        )

    async def delete(self, conn: Conn, id: int) -> Conn:
        """Delete a user (and their posts).

        Args:
            conn: The connection.
            id: The user's id.

        Returns:
            The conn: an empty 200 for a row (htmx removes it), else the list.
        """
        user = await get_user(self.repo, id)
        await self.repo.delete(user)
        if not htmx.is_htmx(conn):
            conn.put_flash("info", f"Deleted {user.name}.")
            return conn.redirect(to=conn.path_for("users.index"), status=303)
        if htmx.htmx_target(conn) == f"user-{id}":
            return conn.html("")
        htmx.htmx_retarget(conn, "#main")
        htmx.htmx_reswap(conn, "innerHTML")
        htmx.htmx_push_url(conn, conn.path_for("users.index"))
        result = await search_users(self.repo, "", 1, self.page_size)
        return conn.render(
            "users/index",
            title="Users",
            users=result.users,
            q="",
            page=result,
            notice=f"Deleted {user.name}.",
        )

    async def row(self, conn: Conn, id: int) -> Conn:
        """One table row (used by "Cancel" while editing inline).

        Args:
            conn: The connection.
            id: The user's id.

        Returns:
            The conn.
        """
        user = await get_user(self.repo, id)
        return conn.render_partial("users/_row", user=user)

    async def edit_row(self, conn: Conn, id: int) -> Conn:
        """The editable version of a table row (inline editing).

        Args:
            conn: The connection.
            id: The user's id.

        Returns:
            The conn.
        """
        user = await get_user(self.repo, id)
        return conn.render_partial(
            "users/_edit_row", user=user, form=_form_values({}, user), errors={}
        )

    async def _saved(self, conn: Conn, user: User, notice: str) -> Conn:
        """After a successful write: the user's page (htmx swap) or a redirect to it."""
        if not htmx.is_htmx(conn):
            conn.put_flash("info", notice)
            return conn.redirect(to=conn.path_for("users.show", id=user.id), status=303)
        htmx.htmx_retarget(conn, "#main")
        htmx.htmx_reswap(conn, "innerHTML")
        htmx.htmx_push_url(conn, conn.path_for("users.show", id=user.id))
        return await self._render_show(conn, user, notice)

    @staticmethod
    def _form_errors(
        conn: Conn,
        *,
        page: str,
        title: str,
        action: str,
        params: Mapping[str, Any],
        cs: Changeset[User],
        user: User | None = None,
    ) -> Conn:
        """The form again with the submitted values and the errors (422)."""
        context: dict[str, Any] = {
            "title": title,
            "form": _form_values(params, user),
            "errors": cs.errors,
            "action": action,
            "user": user,
        }
        if htmx.is_htmx(conn) and htmx.htmx_target(conn) == "user-form":
            return conn.render_partial("users/_form", status=422, **context)
        return conn.render(page, status=422, **context)
