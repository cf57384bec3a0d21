"""The built-in HTTP/1.1 server: anyio I/O around a sans-IO parser.

Serve a native Zzz app (called directly, no ASGI overhead) or any ASGI 3 app::

    from zzz.server import ServerConfig, run

    run(app, ServerConfig(host="127.0.0.1", port=4000))

or from the command line: ``python -m zzz.server module:app --port 4000``.
Inside a running event loop, ``await serve(app, config)`` does the same.
"""

from __future__ import annotations

from zzz.server.asgi import asgi_to_native
from zzz.server.config import Certificate, ServerConfig
from zzz.server.lifespan import LifespanError
from zzz.server.limits import Limits
from zzz.server.listener import Server, serve
from zzz.server.supervisor import run

__all__ = [
    "Certificate",
    "LifespanError",
    "Limits",
    "Server",
    "ServerConfig",
    "asgi_to_native",
    "run",
    "serve",
]
