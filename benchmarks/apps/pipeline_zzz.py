"""A typical browser pipeline in Zzz: Logger + Session + CSRF, then a small HTML page."""

from __future__ import annotations

import logging

from zzz.app import App
from zzz.conn import Conn
from zzz.plugs import CSRF, Logger, Session
from zzz.router import Router, get, pipeline, scope

SECRET = "benchmark-secret-key-benchmark-secret-key"
log = logging.getLogger("bench.zzz")
log.addHandler(logging.NullHandler())
log.setLevel(logging.INFO)
log.propagate = False


async def page(conn: Conn) -> None:
    """A small HTML page carrying the CSRF token in a form."""
    token = conn.assigns["csrf_token"]
    conn.html(
        "<!doctype html><title>Hi</title><form method=post>"
        f'<input type=hidden name=_csrf_token value="{token}"><button>Go</button></form>'
    )


browser = pipeline(Logger(logger=log), Session(SECRET), CSRF())
app = App(Router(scope("/", pipe_through=[browser], routes=[get("/", page)])))
