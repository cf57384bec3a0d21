"""Command line: ``python -m zzz.server module:app [options]``.

Examples::

    python -m zzz.server example_app.main:app
    python -m zzz.server example_app.main:app --host 0.0.0.0 --port 8000 --workers 4
    python -m zzz.server myapp:app --backend trio --http h11
    python -m zzz.server myapp:app --certfile cert.pem --keyfile key.pem \\
        --sni api.example.com=api.pem:api.key
    taskset -c 0 python -m zzz.server myapp:app --log-level warning   # pinned to core 0

Every :class:`~zzz.server.limits.Limits` field has a flag (``--max-body-bytes``,
``--header-timeout``, ...). Configuration errors are printed without a
traceback and exit with status 2; a failing app startup exits with status 1.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from collections.abc import Sequence

from zzz.exceptions import ImproperlyConfigured, MissingDependency
from zzz.server.config import Certificate, ServerConfig
from zzz.server.lifespan import LifespanError
from zzz.server.limits import Limits
from zzz.server.supervisor import run

__all__ = ["build_parser", "main"]


def _sni(value: str) -> tuple[str, Certificate]:
    name, sep, files = value.partition("=")
    if not sep or not name or not files:
        raise argparse.ArgumentTypeError(f"{value!r}: use NAME=CERTFILE[:KEYFILE]")
    certfile, _, keyfile = files.partition(":")
    try:
        return name, Certificate(certfile, keyfile or None)
    except ImproperlyConfigured as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def build_parser() -> argparse.ArgumentParser:
    """The ``argparse`` parser of ``python -m zzz.server`` (reused by the CLI package)."""
    defaults = ServerConfig.__dataclass_fields__
    parser = argparse.ArgumentParser(
        prog="python -m zzz.server",
        description="Serve a Zzz (native) or ASGI 3 application.",
    )
    parser.add_argument("app", help="the app to serve, as 'package.module:attribute'")
    parser.add_argument("--host", default=defaults["host"].default, help="bind address")
    parser.add_argument("--port", type=int, default=defaults["port"].default, help="TCP port")
    parser.add_argument("--workers", type=int, default=1, help="worker processes")
    parser.add_argument(
        "--backend",
        choices=["auto", "asyncio", "uvloop", "trio"],
        default="auto",
        help="event loop; auto = asyncio on uvloop when installed",
    )
    parser.add_argument(
        "--http",
        choices=["auto", "h11", "httptools"],
        default="auto",
        help="parser; auto = httptools when installed",
    )
    parser.add_argument("--certfile", help="TLS certificate chain (PEM); enables HTTPS")
    parser.add_argument("--keyfile", help="TLS private key (PEM)")
    parser.add_argument("--keyfile-password", help="password of an encrypted key")
    parser.add_argument(
        "--sni",
        type=_sni,
        action="append",
        default=[],
        metavar="NAME=CERT[:KEY]",
        help="extra certificate for a server name (repeatable)",
    )
    parser.add_argument("--graceful-timeout", type=float, default=10.0, help="seconds")
    parser.add_argument("--root-path", default="", help="mount prefix, e.g. /api")
    parser.add_argument("--proxy-headers", action="store_true", help="trust X-Forwarded-For/-Proto")
    parser.add_argument("--access-log", action="store_true", help="log every request")
    parser.add_argument(
        "--forwarded-allow-ips",
        default="127.0.0.1,::1",
        help="comma-separated trusted proxy addresses or networks, or '*'",
    )
    parser.add_argument("--backlog", type=int, default=2048)
    parser.add_argument("--lifespan", choices=["auto", "on", "off"], default="auto")
    parser.add_argument(
        "--log-level",
        choices=["critical", "error", "warning", "info", "debug"],
        default="info",
    )
    parser.add_argument("--app-dir", default=".", help="put this directory on sys.path")
    limits = parser.add_argument_group("limits")
    for spec in dataclasses.fields(Limits):
        kind = int if isinstance(spec.default, int) else float
        limits.add_argument(
            "--" + spec.name.replace("_", "-"),
            type=kind,
            default=None,
            metavar=kind.__name__.upper(),
            help=f"default {spec.default}",
        )
    return parser


def _config(args: argparse.Namespace) -> ServerConfig:
    overrides = {
        spec.name: getattr(args, spec.name)
        for spec in dataclasses.fields(Limits)
        if getattr(args, spec.name) is not None
    }
    return ServerConfig(
        host=args.host,
        port=args.port,
        backend=args.backend,
        http=args.http,
        workers=args.workers,
        limits=Limits(**overrides),
        certfile=args.certfile,
        keyfile=args.keyfile,
        keyfile_password=args.keyfile_password,
        sni=dict(args.sni),
        graceful_timeout=args.graceful_timeout,
        root_path=args.root_path,
        access_log=args.access_log,
        proxy_headers=args.proxy_headers,
        forwarded_allow_ips=tuple(ip.strip() for ip in args.forwarded_allow_ips.split(",")),
        backlog=args.backlog,
        lifespan=args.lifespan,
        log_level=args.log_level,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the server from command-line arguments; return the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        config = _config(args)
        return run(args.app, config, app_dir=os.path.abspath(args.app_dir))
    except (ImproperlyConfigured, MissingDependency) as exc:
        parser.exit(2, f"error: {exc}\n")
    except LifespanError as exc:
        parser.exit(1, f"error: {exc}\n")
    except OSError as exc:
        parser.exit(1, f"error: cannot listen on {args.host}:{args.port}: {exc}\n")


if __name__ == "__main__":
    sys.exit(main())
