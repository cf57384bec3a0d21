"""zzz_cli: the ``zzz`` command line (``zzz server``, ``zzz routes``)."""

from zzz_cli.main import main

__all__ = ["main"]
