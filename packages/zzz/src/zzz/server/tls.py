"""TLS for the server: an :class:`ssl.SSLContext` that picks a certificate by SNI.

The default certificate answers clients that send no server name or one the
SNI map does not know. Exact names win over wildcards (``"*.example.com"``
matches ``"a.example.com"`` but neither ``"example.com"`` nor ``"a.b.example.com"``,
as in RFC 6125). Certificates are loaded once, at startup; a missing or broken
file is an :class:`~zzz.exceptions.ImproperlyConfigured` error naming the file.

Example::

    context = create_ssl_context(
        Certificate("default.pem", "default.key"),
        {"api.example.com": Certificate("api.pem", "api.key")},
    )
"""

from __future__ import annotations

import ssl
from collections.abc import Mapping

from zzz.exceptions import ImproperlyConfigured
from zzz.server.config import Certificate, ServerConfig

__all__ = ["create_ssl_context", "ssl_context_from_config"]


def _load(certificate: Certificate) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.set_alpn_protocols(["http/1.1"])
    try:
        context.load_cert_chain(
            certificate.certfile, certificate.keyfile, password=certificate.password
        )
    except (OSError, ssl.SSLError) as exc:
        raise ImproperlyConfigured(
            f"cannot load TLS certificate {certificate.certfile!r}"
            f" (key {certificate.keyfile!r}): {exc}; check the PEM files and the key password"
        ) from exc
    return context


def create_ssl_context(
    default: Certificate, sni: Mapping[str, Certificate] | None = None
) -> ssl.SSLContext:
    """Build the server-side context, with an SNI callback when ``sni`` is given.

    Args:
        default: The certificate used when the client's server name is unknown.
        sni: Certificates by host name; ``"*.example.com"`` covers one label.

    Returns:
        A server :class:`ssl.SSLContext` (TLS 1.2+, ALPN ``http/1.1``).

    Raises:
        ImproperlyConfigured: A certificate or key cannot be loaded.
    """
    context = _load(default)
    if not sni:
        return context
    exact: dict[str, ssl.SSLContext] = {}
    wildcard: dict[str, ssl.SSLContext] = {}
    for name, certificate in sni.items():
        key = name.lower().rstrip(".")
        if key.startswith("*."):
            wildcard[key[2:]] = _load(certificate)
        elif "*" in key:
            raise ImproperlyConfigured(
                f"SNI name {name!r}: only a leading '*.' wildcard is supported"
            )
        else:
            exact[key] = _load(certificate)

    def choose(sslobj: ssl.SSLObject | ssl.SSLSocket, server_name: str | None, _: object) -> None:
        if server_name is None:
            return
        name = server_name.lower().rstrip(".")
        chosen = exact.get(name)
        if chosen is None:
            _, _, parent = name.partition(".")
            chosen = wildcard.get(parent)
        if chosen is not None:
            sslobj.context = chosen

    context.sni_callback = choose
    return context


def ssl_context_from_config(config: ServerConfig) -> ssl.SSLContext | None:
    """The server context for ``config``, or ``None`` when TLS is off.

    Raises:
        ImproperlyConfigured: A certificate or key cannot be loaded.
    """
    if config.certfile is None:
        return None
    default = Certificate(config.certfile, config.keyfile, config.keyfile_password)
    return create_ssl_context(default, config.sni)
