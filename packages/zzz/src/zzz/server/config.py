"""Server configuration: one explicit, validated object.

:class:`ServerConfig` holds everything the server needs to start: where to listen,
which event loop and HTTP parser to use, how many worker processes, TLS
certificates (with an SNI map for several host names), the protocol
:class:`~zzz.server.limits.Limits` and the shutdown grace period. Values are
checked when the object is built, so a bad configuration fails at startup with
:class:`~zzz.exceptions.ImproperlyConfigured` naming the field and the fix.

Example::

    from zzz.server import Limits, ServerConfig

    config = ServerConfig(port=8000, workers=4, limits=Limits(max_body_bytes=10_000_000))
"""

from __future__ import annotations

import importlib.util
import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from zzz.exceptions import ImproperlyConfigured, MissingDependency
from zzz.server.limits import Limits

__all__ = ["Backend", "Certificate", "HTTPImpl", "LifespanMode", "ServerConfig"]

#: Event loop choice. ``"auto"``: asyncio on uvloop when uvloop is installed, plain
#: asyncio otherwise; ``"asyncio"``: always the standard library loop; ``"uvloop"``:
#: asyncio on uvloop (error when missing); ``"trio"``: trio.
Backend = Literal["auto", "asyncio", "uvloop", "trio"]

#: HTTP/1.1 parser choice. ``"auto"`` takes httptools when installed (the ``fast``
#: extra), like uvicorn's ``--http auto``; ``"h11"`` is the pure-Python default path.
HTTPImpl = Literal["auto", "h11", "httptools"]

#: ``"auto"``: run lifespan hooks, tolerate ASGI apps that do not support the
#: lifespan protocol; ``"on"``: an app without lifespan support is an error;
#: ``"off"``: never run lifespan hooks.
LifespanMode = Literal["auto", "on", "off"]

_BACKENDS = ("auto", "asyncio", "uvloop", "trio")
_HTTP_IMPLS = ("auto", "h11", "httptools")
_LIFESPAN_MODES = ("auto", "on", "off")
_LOG_LEVELS = ("critical", "error", "warning", "info", "debug")


def _installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def _check_file(name: str, path: str) -> None:
    if not os.path.isfile(path):
        raise ImproperlyConfigured(
            f"ServerConfig.{name}: {path!r} is not a readable file; pass the path of a PEM file"
        )


@dataclass(frozen=True, slots=True)
class Certificate:
    """A TLS certificate chain and its private key (PEM files).

    Args:
        certfile: Path of the certificate chain (leaf first).
        keyfile: Path of the private key; ``None`` when the key is inside ``certfile``.
        password: Password of an encrypted private key.
    """

    certfile: str
    keyfile: str | None = None
    password: str | None = None

    def __post_init__(self) -> None:
        _check_file("certfile", self.certfile)
        if self.keyfile is not None:
            _check_file("keyfile", self.keyfile)


@dataclass(frozen=True, slots=True)
class ServerConfig:
    """How and where the server runs.

    Attributes:
        host: Address to bind (``"0.0.0.0"`` for every IPv4 interface, ``"::"`` for IPv6).
        port: TCP port; ``0`` picks a free one (single worker only).
        backend: Event loop, see :data:`Backend`. Default ``"auto"``.
        http: Parser, see :data:`HTTPImpl`. Default ``"auto"``.
        workers: Number of worker processes sharing the listening socket. With more
            than one, the app must be given as an import string (``"module:app"``).
        limits: Protocol limits and timeouts (see :class:`~zzz.server.limits.Limits`).
        certfile: Default TLS certificate (enables HTTPS).
        keyfile: Its private key, when not inside ``certfile``.
        keyfile_password: Password of an encrypted ``keyfile``.
        sni: Extra certificates by server name (``"example.com"`` or
            ``"*.example.com"``), chosen from the TLS SNI extension; clients that send
            no or an unknown name get the default certificate.
        graceful_timeout: Seconds that in-flight requests get to finish on shutdown
            before their connections are cancelled. Shutdown never takes longer.
        root_path: Mount prefix passed to the app (ASGI ``root_path``).
        access_log: Log one line per request (``zzz.server.access`` logger, INFO).
        proxy_headers: Trust ``X-Forwarded-For``/``X-Forwarded-Proto`` from the
            addresses in ``forwarded_allow_ips`` (off by default: only enable it behind
            a proxy you control).
        forwarded_allow_ips: Peers whose forwarding headers are trusted; ``"*"`` trusts all.
        backlog: Listen backlog of the socket.
        lifespan: Lifespan mode, see :data:`LifespanMode`.
        log_level: Level of the ``zzz.server`` logger.

    Raises:
        ImproperlyConfigured: A value is out of range or a file does not exist.
        MissingDependency: ``http="httptools"``, ``backend="uvloop"`` or ``"trio"`` is
            requested but the package is not installed.
    """

    host: str = "127.0.0.1"
    port: int = 4000
    backend: Backend = "auto"
    http: HTTPImpl = "auto"
    workers: int = 1
    limits: Limits = field(default_factory=Limits)
    certfile: str | None = None
    keyfile: str | None = None
    keyfile_password: str | None = None
    sni: Mapping[str, Certificate] = field(default_factory=dict)
    graceful_timeout: float = 10.0
    root_path: str = ""
    access_log: bool = False
    proxy_headers: bool = False
    forwarded_allow_ips: tuple[str, ...] = ("127.0.0.1", "::1")
    backlog: int = 2048
    lifespan: LifespanMode = "auto"
    log_level: str = "info"

    def __post_init__(self) -> None:
        if not 0 <= self.port <= 65535:
            raise ImproperlyConfigured(f"ServerConfig.port={self.port}: use 0..65535")
        if self.backend not in _BACKENDS:
            raise ImproperlyConfigured(
                f"ServerConfig.backend={self.backend!r}: use one of {', '.join(_BACKENDS)}"
            )
        if self.http not in _HTTP_IMPLS:
            raise ImproperlyConfigured(
                f"ServerConfig.http={self.http!r}: use one of {', '.join(_HTTP_IMPLS)}"
            )
        if self.lifespan not in _LIFESPAN_MODES:
            raise ImproperlyConfigured(
                f"ServerConfig.lifespan={self.lifespan!r}: use one of {', '.join(_LIFESPAN_MODES)}"
            )
        if self.log_level.lower() not in _LOG_LEVELS:
            raise ImproperlyConfigured(
                f"ServerConfig.log_level={self.log_level!r}: use one of {', '.join(_LOG_LEVELS)}"
            )
        if self.workers < 1:
            raise ImproperlyConfigured(f"ServerConfig.workers={self.workers}: use 1 or more")
        if self.workers > 1 and self.port == 0:
            raise ImproperlyConfigured(
                "ServerConfig.port=0 with several workers: give an explicit port"
            )
        if self.graceful_timeout < 0:
            raise ImproperlyConfigured(
                f"ServerConfig.graceful_timeout={self.graceful_timeout}: use 0 or more seconds"
            )
        if self.backlog < 1:
            raise ImproperlyConfigured(f"ServerConfig.backlog={self.backlog}: use 1 or more")
        if self.root_path and (not self.root_path.startswith("/") or self.root_path.endswith("/")):
            raise ImproperlyConfigured(
                f"ServerConfig.root_path={self.root_path!r}: start with '/' and do not end with"
                " '/' (e.g. '/api')"
            )
        if self.keyfile is not None and self.certfile is None:
            raise ImproperlyConfigured("ServerConfig.keyfile without certfile: give certfile too")
        if self.sni and self.certfile is None:
            raise ImproperlyConfigured(
                "ServerConfig.sni needs a default certificate: give certfile (and keyfile)"
            )
        if self.certfile is not None:
            _check_file("certfile", self.certfile)
        if self.keyfile is not None:
            _check_file("keyfile", self.keyfile)
        for ip in self.forwarded_allow_ips:
            if ip != "*":
                try:
                    ipaddress.ip_network(ip, strict=False)
                except ValueError:
                    raise ImproperlyConfigured(
                        f"ServerConfig.forwarded_allow_ips: {ip!r} is not an IP address or"
                        " network (use e.g. '10.0.0.0/8' or '*')"
                    ) from None
        if self.backend == "uvloop" and not _installed("uvloop"):
            raise MissingDependency("uvloop", "fast")
        if self.backend == "trio" and not _installed("trio"):
            raise MissingDependency("trio", "trio")
        if self.http == "httptools" and not _installed("httptools"):
            raise MissingDependency("httptools", "fast")

    @property
    def tls(self) -> bool:
        """Whether the server speaks HTTPS."""
        return self.certfile is not None

    def resolved_http(self) -> Literal["h11", "httptools"]:
        """The parser actually used: ``"auto"`` resolved against what is installed."""
        if self.http == "auto":
            return "httptools" if _installed("httptools") else "h11"
        return self.http

    def resolved_backend(self) -> tuple[str, dict[str, Any]]:
        """The ``(backend, backend_options)`` pair to pass to :func:`anyio.run`.

        Returns:
            ``("asyncio", {"use_uvloop": bool})`` or ``("trio", {})``.
        """
        if self.backend == "trio":
            return "trio", {}
        if self.backend == "asyncio":
            return "asyncio", {"use_uvloop": False}
        if self.backend == "uvloop":
            return "asyncio", {"use_uvloop": True}
        return "asyncio", {"use_uvloop": _installed("uvloop")}
