"""First-class htmx: request detection, ``HX-*`` response headers, out-of-band fragments,
the ``Htmx`` plug and the locally served ``htmx.min.js``.

Example:
    >>> from zzz import htmx
    >>> async def create(conn):
    ...     htmx.htmx_trigger(conn, "userCreated", {"id": 3})
    ...     return conn.render("users/_row", user=...)
"""

from __future__ import annotations

from zzz.htmx.assets import HTMX_PATH, HtmxAsset, htmx_file, load_htmx, script_tag
from zzz.htmx.plug import LAYOUT_KEY, Htmx, HxHeaders
from zzz.htmx.request import (
    htmx_current_url,
    htmx_prompt,
    htmx_target,
    htmx_trigger_id,
    htmx_trigger_name,
    is_boosted,
    is_history_restore,
    is_htmx,
    wants_full_page,
)
from zzz.htmx.response import (
    STOP_POLLING,
    htmx_location,
    htmx_push_url,
    htmx_redirect,
    htmx_refresh,
    htmx_replace_url,
    htmx_reselect,
    htmx_reswap,
    htmx_retarget,
    htmx_stop_polling,
    htmx_trigger,
    render_oob,
)

__all__ = [
    "HTMX_PATH",
    "Htmx",
    "HtmxAsset",
    "HxHeaders",
    "LAYOUT_KEY",
    "STOP_POLLING",
    "htmx_current_url",
    "htmx_file",
    "htmx_location",
    "htmx_prompt",
    "htmx_push_url",
    "htmx_redirect",
    "htmx_refresh",
    "htmx_replace_url",
    "htmx_reselect",
    "htmx_reswap",
    "htmx_retarget",
    "htmx_stop_polling",
    "htmx_target",
    "htmx_trigger",
    "htmx_trigger_id",
    "htmx_trigger_name",
    "is_boosted",
    "is_history_restore",
    "is_htmx",
    "load_htmx",
    "render_oob",
    "script_tag",
    "wants_full_page",
]
