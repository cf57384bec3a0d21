"""The 200-route table every framework in the routing benchmark serves.

The same table is declared for each framework: 80 static routes, 60 one-parameter routes,
20 wildcard routes and 40 two-parameter routes inside nested scopes (``/api/v{n}/...``).
``REQUEST_PATHS`` are the URLs wrk cycles through (one of each kind, spread over the table).
"""

from __future__ import annotations

STATIC = [f"/pages/page{i}" for i in range(80)]
PARAM = [f"/items{i}" for i in range(60)]  # + "/:id"
WILDCARD = [f"/files{i}" for i in range(20)]  # + "/*path"
NESTED = [(f"/api/v{i % 4}", f"/res{i}") for i in range(40)]  # scope + "/:rid/sub/:sid"

REQUEST_PATHS = [
    "/pages/page5",
    "/pages/page77",
    "/items3/42",
    "/items58/7",
    "/files2/a/b/c.txt",
    "/files19/x.png",
    "/api/v1/res5/10/sub/20",
    "/api/v3/res39/1/sub/2",
]
