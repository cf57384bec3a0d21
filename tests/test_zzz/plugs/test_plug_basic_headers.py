"""RequestId, Logger and SecurityHeaders through a real App."""

from __future__ import annotations

import logging

import pytest
from zzz.exceptions import ImproperlyConfigured
from zzz.plugs.logger import Logger, filter_headers, filter_params
from zzz.plugs.request_id import RequestId
from zzz.plugs.security import SecurityHeaders, build_csp
from zzz.router import get


async def hello(conn):
    return conn.text("hi")


async def boom(conn):
    raise RuntimeError("kaput")


@pytest.mark.anyio
async def test_request_id_generated_and_echoed(client_for) -> None:
    client = client_for(get("/", hello), plugs=[RequestId()])
    r = await client.request("GET", "/")
    assert len(r.headers["x-request-id"]) >= 20
    r = await client.request("GET", "/", headers=[("X-Request-ID", "lb-123.abc")])
    assert r.headers["x-request-id"] == "lb-123.abc"
    for hostile in ["a b", "x" * 300, "<script>", "é"]:
        r = await client.request("GET", "/", headers=[("X-Request-ID", hostile)])
        assert r.headers["x-request-id"] != hostile
    strict = client_for(get("/", hello), plugs=[RequestId(trust_incoming=False)])
    r = await strict.request("GET", "/", headers=[("X-Request-ID", "lb-1")])
    assert r.headers["x-request-id"] != "lb-1"


@pytest.mark.anyio
async def test_request_id_survives_error_page(client_for) -> None:
    client = client_for(get("/", boom), plugs=[RequestId()])
    r = await client.request("GET", "/", headers=[("X-Request-ID", "abc")])
    assert r.status == 500
    assert r.headers["x-request-id"] == "abc"


def test_request_id_config() -> None:
    with pytest.raises(ImproperlyConfigured):
        RequestId(header="bad header")
    with pytest.raises(ImproperlyConfigured):
        RequestId(max_length=0)


@pytest.mark.anyio
async def test_logger_never_logs_secrets(client_for, caplog: pytest.LogCaptureFixture) -> None:
    client = client_for(get("/login", hello), plugs=[Logger(log_headers=True)])
    with caplog.at_level(logging.INFO, logger="zzz.request"):
        await client.request(
            "GET",
            "/login",
            query=b"user=jo&password=hunter2&api_token=abc",
            headers=[("Authorization", "Bearer s3cr3t"), ("Cookie", "zzz_session=topsecret")],
        )
    record = caplog.records[-1]
    message = record.getMessage()
    assert "GET /login?user=jo&password=[FILTERED]&api_token=[FILTERED] -> 200" in message
    for secret in ("hunter2", "abc", "s3cr3t", "topsecret"):
        assert secret not in message
    assert record.http_status == 200  # type: ignore[attr-defined]
    assert record.request_id  # type: ignore[attr-defined]
    with caplog.at_level(logging.INFO, logger="zzz.request"):
        await client.request("GET", "/login", query=b"a=%ff")
    assert "GET /login?[malformed] ->" in caplog.records[-1].getMessage()


@pytest.mark.anyio
async def test_logger_structured_and_errors(client_for, caplog: pytest.LogCaptureFixture) -> None:
    client = client_for(get("/", boom), plugs=[Logger(format="structured")])
    with caplog.at_level(logging.INFO, logger="zzz.request"):
        r = await client.request("GET", "/")
    assert r.status == 500
    record = next(r for r in caplog.records if r.name == "zzz.request")
    assert record.getMessage() == "request"
    assert record.http_status == 500  # type: ignore[attr-defined]
    assert record.duration_ms >= 0  # type: ignore[attr-defined]
    with pytest.raises(ImproperlyConfigured):
        Logger(format="xml")  # type: ignore[arg-type]


def test_filters() -> None:
    assert filter_params({"a": [{"Password": "x"}], "b": 1}) == {
        "a": [{"Password": "[FILTERED]"}],
        "b": 1,
    }
    assert filter_headers([("Cookie", "x"), ("Accept", "y")]) == [
        ("Cookie", "[FILTERED]"),
        ("Accept", "y"),
    ]


@pytest.mark.anyio
async def test_security_headers(client_for) -> None:
    client = client_for(get("/", hello), plugs=[SecurityHeaders(csp={"default-src": ["'self'"]})])
    r = await client.request("GET", "/")
    h = r.headers
    assert h["x-content-type-options"] == "nosniff"
    assert h["x-frame-options"] == "DENY"
    assert h["referrer-policy"] == "strict-origin-when-cross-origin"
    assert h["content-security-policy"] == "default-src 'self'"
    assert "strict-transport-security" not in h
    r = await client.request("GET", "/", scheme="https")
    assert r.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"


@pytest.mark.anyio
async def test_security_csp_nonce(client_for) -> None:
    async def page(conn):
        return conn.html(f"<script nonce='{conn.assigns['csp_nonce']}'></script>")

    plug = SecurityHeaders(csp={"script-src": "'self'"}, csp_nonce=True, csp_report_only=True)
    client = client_for(get("/", page), plugs=[plug])
    r1 = await client.request("GET", "/")
    r2 = await client.request("GET", "/")
    csp1 = r1.headers["content-security-policy-report-only"]
    assert csp1 != r2.headers["content-security-policy-report-only"]
    nonce = csp1.split("'nonce-")[1].rstrip("'")
    assert nonce in r1.text


def test_security_config() -> None:
    with pytest.raises(ImproperlyConfigured):
        SecurityHeaders(frame_options="ALLOWALL")  # type: ignore[arg-type]
    with pytest.raises(ImproperlyConfigured):
        SecurityHeaders(csp={"default-src": "'self'; script-src *"})
    with pytest.raises(ImproperlyConfigured):
        SecurityHeaders(referrer_policy="no-referrer\r\nX-Evil: 1")
    with pytest.raises(ImproperlyConfigured):
        SecurityHeaders(csp_nonce=True)
    assert build_csp({"img-src": ["'self'", "data:"]}) == "img-src 'self' data:"
