"""Built-in plugs: one module each, configured in ``__init__``, run as ``await plug(conn)``.

Typical pipelines (order matters; see ``docs/guides/plugs/index.md``)::

    from zzz.plugs import CORS, CSRF, BearerAuth, BodyParser, Session

    browser = pipeline(Session(), BodyParser(), CSRF())
    App(router, plugs=[BodyParser(), MethodOverride()])  # forms send PUT/PATCH/DELETE
    api = pipeline(CORS(allow_origins=["https://app.example"]), BodyParser(),
                   BearerAuth(verify=check_token))

Each plug class declares ``provides``/``requires`` (e.g. ``CSRF.requires ==
{"session"}``); :func:`check_order` validates a pipeline's order at startup.
"""

from __future__ import annotations

from zzz.plugs._jwt import InvalidToken, JWTVerifier, encode_jwt
from zzz.plugs._order import check_order
from zzz.plugs._rate_limit_stores import (
    MemoryRateLimitStore,
    PostgresRateLimitStore,
    RateLimitDecision,
    RateLimitStore,
    RedisRateLimitStore,
)
from zzz.plugs.auth import BasicAuth, BearerAuth, JWTAuth
from zzz.plugs.body_parser import BodyParser, UploadFile
from zzz.plugs.compress import Compress
from zzz.plugs.cors import CORS
from zzz.plugs.csrf import CSRF, CSRFToken, get_csrf_token
from zzz.plugs.errors import ErrorHandler
from zzz.plugs.logger import Logger
from zzz.plugs.method_override import MethodOverride
from zzz.plugs.rate_limit import RateLimit
from zzz.plugs.request_id import RequestId
from zzz.plugs.security import SecurityHeaders
from zzz.plugs.session import Session, SessionData
from zzz.plugs.session_db import DatabaseSessionStore
from zzz.plugs.session_stores import MemorySessionStore, RedisSessionStore, SessionStore
from zzz.plugs.static import Static

__all__ = [
    "BasicAuth",
    "BearerAuth",
    "BodyParser",
    "CORS",
    "CSRF",
    "CSRFToken",
    "Compress",
    "DatabaseSessionStore",
    "ErrorHandler",
    "InvalidToken",
    "JWTAuth",
    "JWTVerifier",
    "Logger",
    "MemoryRateLimitStore",
    "MemorySessionStore",
    "MethodOverride",
    "PostgresRateLimitStore",
    "RateLimit",
    "RateLimitDecision",
    "RateLimitStore",
    "RedisRateLimitStore",
    "RedisSessionStore",
    "RequestId",
    "SecurityHeaders",
    "Session",
    "SessionData",
    "SessionStore",
    "Static",
    "UploadFile",
    "check_order",
    "encode_jwt",
    "get_csrf_token",
]
