"""The test client encodes multipart names and filenames as browsers do."""

from __future__ import annotations

import pytest
from zzz import App, Conn, Router, post
from zzz.plugs import BodyParser
from zzz.testing import TestClient


async def upload(conn: Conn) -> None:
    conn.json({"filename": conn.params["file"].filename})


@pytest.mark.anyio
async def test_filenames_travel_as_raw_utf8_with_quotes_escaped() -> None:
    app = App(Router(post("/up", upload, pipe_through=[BodyParser()])))
    async with TestClient(app) as client:
        response = await client.post("/up", files={"file": ('café "x".png', b"data", "image/png")})
    assert response.status == 200
    # raw UTF-8 as a browser sends it; only the quotes are percent-encoded
    assert response.json()["filename"] == "café %22x%22.png"
