"""The ``zzz`` command.

Subcommands available now::

    zzz server MODULE:APP [server options]   serve an app (same options as python -m zzz.server)
    zzz routes MODULE:APP                    print the route table

Exit codes: 0 success, 1 runtime failure, 2 usage or configuration error.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

__all__ = ["main"]


def _routes(argv: Sequence[str]) -> int:
    from zzz.exceptions import ImproperlyConfigured
    from zzz.router.table import format_table, routes
    from zzz.server.supervisor import import_app

    parser = argparse.ArgumentParser(prog="zzz routes", description="Print the route table.")
    parser.add_argument("app", help="the app, as 'package.module:attribute'")
    parser.add_argument("--app-dir", default=".", help="directory to import the app from")
    args = parser.parse_args(argv)
    sys.path.insert(0, os.path.abspath(args.app_dir))
    try:
        app = import_app(args.app)
        table = format_table(routes(app))
    except (ImproperlyConfigured, ImportError, TypeError) as exc:
        parser.exit(2, f"error: {exc}\n")
    print(table)
    return 0


def _server(argv: Sequence[str]) -> int:
    from zzz.server.__main__ import main as server_main

    return server_main(list(argv))


COMMANDS = {"routes": _routes, "server": _server}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``zzz`` command with ``argv`` (default: ``sys.argv[1:]``)."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in {"-h", "--help"} or args[0] not in COMMANDS:
        names = ", ".join(sorted(COMMANDS))
        print(f"usage: zzz COMMAND [options]\ncommands: {names}")
        return 0 if args and args[0] in {"-h", "--help"} else 2
    return COMMANDS[args[0]](args[1:])


if __name__ == "__main__":
    sys.exit(main())
