"""Building the example app: routes, pipelines, plugs, templates and the database.

:mod:`example_app.app` calls :func:`create_app` with settings from the environment
(see :mod:`example_app.settings`); tests call it with their own settings and a
temporary database.

Routes::

    /users ...                      HTML (browser pipeline: session, body parser, CSRF)
    /users/:user_id/posts ...       HTML, nested
    /api/v1/users ...               JSON (API pipeline: body parser, bearer token)
    /api/v1/users/:user_id/posts    JSON, nested
    /static/app.css                 the stylesheet (Static plug)
    /_zzz/htmx.min.js               htmx (Htmx plug)
"""

from __future__ import annotations

import hmac
from pathlib import Path

from zzz.app import App
from zzz.conn import Conn
from zzz.htmx import Htmx
from zzz.plugs import (
    CSRF,
    BearerAuth,
    BodyParser,
    ErrorHandler,
    Logger,
    RequestId,
    SecurityHeaders,
    Session,
    Static,
)
from zzz.router import Router, get, pipeline, post, resources, scope
from zzz.templates import Templates
from zzz_db.repo import Repo

from example_app.controllers.api_users import ApiPostController, ApiUserController
from example_app.controllers.posts import PostController
from example_app.controllers.users import UserController
from example_app.db import setup_database
from example_app.settings import ExampleSettings

__all__ = ["CSP", "HERE", "create_app"]

#: The package directory (templates and static files live below it).
HERE = Path(__file__).resolve().parent

#: The Content-Security-Policy: everything from this origin only, no inline scripts.
CSP: dict[str, list[str]] = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
    "object-src": ["'none'"],
}


async def _redirect_home(conn: Conn) -> Conn:
    """``GET /``: the user list is the home page."""
    return conn.redirect(to=conn.path_for("users.index"))


def create_app(settings: ExampleSettings | None = None) -> App:
    """Build the app: database, controllers, router, plugs and templates.

    Args:
        settings: The settings (default: from the environment, ``dev`` unless
            ``ZZZ_ENV`` says otherwise).

    Returns:
        The app; its startup hook creates the tables when missing and seeds an
        empty database, its shutdown hook closes the database.

    Raises:
        ImproperlyConfigured: Invalid settings, or a template error (file, line
            and column in the message).
    """
    settings = settings if settings is not None else ExampleSettings()
    repo = Repo(settings.database_url)
    users = UserController(repo, settings.page_size)
    token = settings.token

    def check_token(candidate: str) -> str | None:
        """The identity of a valid API token (constant-time comparison)."""
        return "api" if hmac.compare_digest(candidate.encode(), token.encode()) else None

    browser = pipeline(Session(), BodyParser(), CSRF(), name="browser")
    api = pipeline(BodyParser(), BearerAuth(verify=check_token), name="api")

    router = Router(
        scope(
            "/api/v1",
            pipe_through=[api],
            name="api",
            routes=[
                resources(
                    "/users",
                    ApiUserController(repo, settings.page_size),
                    except_=["new", "edit"],
                    routes=[resources("/posts", ApiPostController(repo), only=["index", "create"])],
                ),
            ],
        ),
        scope(
            "/",
            pipe_through=[browser],
            routes=[
                get("/", _redirect_home, name="home"),
                resources(
                    "/users",
                    users,
                    routes=[resources("/posts", PostController(repo), only=["create", "delete"])],
                ),
                # Plain HTML forms can only GET and POST: these two stand in for PATCH
                # and DELETE when JavaScript is off.
                post("/users/:id", users.update, name="users.update_form"),
                post("/users/:id/delete", users.delete, name="users.delete_form"),
                get("/users/:id/row", users.row, name="users.row"),
                get("/users/:id/row/edit", users.edit_row, name="users.edit_row"),
            ],
        ),
    )
    templates = Templates(HERE / "templates", auto_reload=settings.env == "dev")
    return App(
        router,
        settings=settings,
        templates=templates,
        plugs=[
            ErrorHandler(json_paths=("/api",)),
            RequestId(),
            Logger(),
            SecurityHeaders(csp=CSP),
            Static(HERE / "static", at="/static"),
            Htmx(),
        ],
        on_startup=[lambda: setup_database(repo)],
        on_shutdown=[repo.close],
    )
