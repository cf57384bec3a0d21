"""HTTPS with certificates made by trustme, and SNI choosing among several."""

from __future__ import annotations

import contextlib
import ssl
from pathlib import Path

import anyio
import httpx
import pytest
import trustme
from anyio.streams.tls import TLSAttribute
from zzz.exceptions import ImproperlyConfigured
from zzz.server import Certificate, Server, ServerConfig
from zzz.server.tls import create_ssl_context
from zzz.types import Body, RequestHead, ResponseWriter

pytestmark = pytest.mark.anyio


class Scheme:
    async def startup(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def handle_http(self, head: RequestHead, body: Body, response: ResponseWriter) -> None:
        tls = head.extensions.get("tls", {})
        text = f"{head.scheme} {tls.get('tls_version')}"
        await response.respond(200, [], text.encode())


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


def write_cert(ca: trustme.CA, directory: Path, *names: str) -> Certificate:
    cert = ca.issue_cert(*names)
    certfile = directory / f"{names[0].replace('*', 'star')}.pem"
    keyfile = directory / f"{names[0].replace('*', 'star')}.key"
    cert.cert_chain_pems[0].write_to_path(certfile)
    for extra in cert.cert_chain_pems[1:]:
        extra.write_to_path(certfile, append=True)
    cert.private_key_pem.write_to_path(keyfile)
    return Certificate(str(certfile), str(keyfile))


@pytest.fixture
def config(ca: trustme.CA, tmp_path: Path) -> ServerConfig:
    default = write_cert(ca, tmp_path, "127.0.0.1", "localhost")
    return ServerConfig(
        port=0,
        certfile=default.certfile,
        keyfile=default.keyfile,
        sni={
            "api.example.test": write_cert(ca, tmp_path, "api.example.test"),
            "*.apps.example.test": write_cert(ca, tmp_path, "*.apps.example.test"),
        },
    )


async def peer_names(ca: trustme.CA, host: str, port: int, server_name: str) -> list[str]:
    context = ssl.create_default_context()
    ca.configure_trust(context)
    context.check_hostname = False
    stream = await anyio.connect_tcp(
        host, port, ssl_context=context, tls_hostname=server_name, tls_standard_compatible=False
    )
    async with stream:
        cert = stream.extra(TLSAttribute.peer_certificate)
        await stream.send(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        with anyio.fail_after(5):
            assert (await stream.receive()).startswith(b"HTTP/1.1 200 OK")
    assert cert is not None
    return [str(entry[1]) for entry in cert["subjectAltName"]]


async def test_https_request(ca: trustme.CA, config: ServerConfig) -> None:
    server = Server(Scheme(), config)
    context = ssl.create_default_context()
    ca.configure_trust(context)
    with anyio.fail_after(10):
        async with anyio.create_task_group() as tg:
            host, port = (await tg.start(server.serve))[0]
            async with httpx.AsyncClient(verify=context) as client:
                response = await client.get(f"https://{host}:{port}/")
                again = await client.get(f"https://{host}:{port}/")
            server.shutdown()
    assert response.text == f"https {0x0304}"
    assert again.status_code == 200


async def test_sni_chooses_the_certificate(ca: trustme.CA, config: ServerConfig) -> None:
    server = Server(Scheme(), config)
    with anyio.fail_after(10):
        async with anyio.create_task_group() as tg:
            host, port = (await tg.start(server.serve))[0]
            api = await peer_names(ca, host, port, "api.example.test")
            wildcard = await peer_names(ca, host, port, "shop.apps.example.test")
            unknown = await peer_names(ca, host, port, "other.example.test")
            deep = await peer_names(ca, host, port, "a.b.apps.example.test")
            server.shutdown()
    assert api == ["api.example.test"]
    assert wildcard == ["*.apps.example.test"]
    assert unknown == ["127.0.0.1", "localhost"]
    assert deep == ["127.0.0.1", "localhost"]


async def test_plain_http_to_a_tls_port_does_not_break_the_server(
    ca: trustme.CA, config: ServerConfig
) -> None:
    server = Server(Scheme(), config)
    context = ssl.create_default_context()
    ca.configure_trust(context)
    with anyio.fail_after(10):
        async with anyio.create_task_group() as tg:
            host, port = (await tg.start(server.serve))[0]
            async with await anyio.connect_tcp(host, port) as stream:
                await stream.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
                received = b""
                with contextlib.suppress(anyio.EndOfStream, anyio.BrokenResourceError):
                    while True:
                        received += await stream.receive()
                assert not received.startswith(b"HTTP/1.1 200")
            async with httpx.AsyncClient(verify=context) as client:
                response = await client.get(f"https://{host}:{port}/")
            server.shutdown()
    assert response.status_code == 200


def test_bad_certificate_files_are_reported(tmp_path: Path) -> None:
    missing = tmp_path / "missing.pem"
    with pytest.raises(ImproperlyConfigured, match=r"missing\.pem"):
        ServerConfig(certfile=str(missing))
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a certificate")
    with pytest.raises(ImproperlyConfigured, match=r"garbage\.pem"):
        create_ssl_context(Certificate(str(garbage)))


def test_bad_sni_names_and_missing_default(ca: trustme.CA, tmp_path: Path) -> None:
    cert = write_cert(ca, tmp_path, "a.example.test")
    with pytest.raises(ImproperlyConfigured, match="wildcard"):
        create_ssl_context(cert, {"a.*.example.test": cert})
    with pytest.raises(ImproperlyConfigured, match="default certificate"):
        ServerConfig(sni={"a.example.test": cert})
