"""The browser and API pipelines through ``zzz.testing.TestClient`` (engineer C's client)."""

from __future__ import annotations

import pytest
from zzz.plugs import CORS, CSRF, BearerAuth, BodyParser, ErrorHandler, Logger, Session, UploadFile
from zzz.router import get, pipeline, post, scope
from zzz.testing import TestClient

KEY = "browser-pipeline-key-" + "k" * 32


async def new_post(conn):
    return conn.html(
        f'<meta name="csrf-token" content="{conn.assigns["csrf_token"]}">'
        f'<form method="post"><input type="hidden" name="_csrf_token" '
        f'value="{conn.assigns["csrf_token"]}"></form>'
    )


async def create_post(conn):
    upload = conn.params.get("attachment")
    size = upload.size if isinstance(upload, UploadFile) else 0
    return conn.json({"title": conn.params["title"], "attachment": size}, 201)


async def api_me(conn):
    return conn.json({"user": conn.assigns["current_user"]})


async def check_token(token: str):
    return "ada" if token == "t0ken" else None


def build_app(client_for):
    browser = pipeline(Session([KEY]), BodyParser(), CSRF())
    api = pipeline(BodyParser(), BearerAuth(verify=check_token))
    client = client_for(
        scope("/api", pipe_through=[api], routes=[get("/me", api_me)]),
        scope(
            "/",
            pipe_through=[browser],
            routes=[get("/posts/new", new_post), post("/posts", create_post)],
        ),
        plugs=[ErrorHandler(debug=False), Logger(), CORS(allow_origins=["https://app.example"])],
    )
    return client.app


@pytest.mark.anyio
async def test_browser_pipeline(client_for) -> None:
    async with TestClient(build_app(client_for)) as client:
        (await client.post("/posts", form={"title": "x"})).expect_status(403)
        await client.fetch_csrf_token("/posts/new")
        resp = await client.post("/posts", form={"title": "Hello"})
        resp.expect_status(201).expect_json({"title": "Hello", "attachment": 0})
        resp = await client.multipart(
            "/posts", files={"attachment": ("a.txt", b"12345")}, data={"title": "With file"}
        )
        resp.expect_status(201).expect_json({"title": "With file", "attachment": 5})


@pytest.mark.anyio
async def test_api_pipeline(client_for) -> None:
    async with TestClient(build_app(client_for)) as client:
        (await client.get("/api/me")).expect_status(401).expect_header(
            "www-authenticate", 'Bearer realm="api"'
        )
        resp = await client.get("/api/me", headers={"Authorization": "Bearer t0ken"})
        resp.expect_status(200).expect_json({"user": "ada"})
        preflight = await client.options(
            "/api/me",
            headers={"Origin": "https://app.example", "Access-Control-Request-Method": "GET"},
        )
        preflight.expect_status(204).expect_header(
            "access-control-allow-origin", "https://app.example"
        )
