"""Response side of htmx: the ``HX-*`` response headers and out-of-band fragments.

Every function takes the ``Conn`` first and returns it, so calls chain.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import quote

from zzz.htmx.request import is_htmx

if TYPE_CHECKING:
    from zzz.conn import Conn

__all__ = [
    "STOP_POLLING",
    "htmx_location",
    "htmx_push_url",
    "htmx_redirect",
    "htmx_refresh",
    "htmx_replace_url",
    "htmx_reselect",
    "htmx_reswap",
    "htmx_retarget",
    "htmx_stop_polling",
    "htmx_trigger",
    "render_oob",
]

#: htmx stops polling (``hx-trigger="every 2s"``) when it gets this status.
STOP_POLLING = 286
_TRIGGER_HEADERS = {
    "receive": "HX-Trigger",
    "settle": "HX-Trigger-After-Settle",
    "swap": "HX-Trigger-After-Swap",
}
_SWAP_STYLES = frozenset(
    {"innerHTML", "outerHTML", "textContent", "beforebegin", "afterbegin", "beforeend",
     "afterend", "delete", "none"}
)  # fmt: skip
_EVENT = re.compile(r"[A-Za-z_][\w:.\-]*")
_FIRST_TAG = re.compile(r"^(\s*<[A-Za-z][\w:-]*)")
_OOB_KEY = "zzz.htmx.oob"
_TRIGGER_KEY = "zzz.htmx.triggers"


def _url(value: str) -> str:
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise ValueError(f"URL {value!r} contains control characters")
    try:
        value.encode("ascii")
    except UnicodeEncodeError:
        return quote(value, safe="/:?&=#%@!$'()*+,;[]~-._")
    return value


def _local_or_external(to: str | None, external: str | None) -> str:
    if (to is None) == (external is None):
        raise ValueError("give exactly one of to=... (a local path) or external=... (a URL)")
    if to is not None:
        if not to.startswith("/") or to.startswith(("//", "/\\")):
            raise ValueError(f"{to!r} is not a local path: use external= for other sites")
        return _url(to)
    assert external is not None
    if not external.lower().startswith(("http://", "https://")):
        raise ValueError(f"{external!r} is not an http(s) URL")
    return _url(external)


def htmx_trigger(
    conn: Conn,
    event: str,
    detail: Any = None,
    *,
    after: Literal["receive", "settle", "swap"] = "receive",
) -> Conn:
    """Trigger a client-side event; several calls merge into one header.

    Without details the header is ``a, b``; with any detail it is a JSON object
    ``{"a": null, "b": {"id": 3}}``, as htmx expects.

    Args:
        conn: The connection.
        event: Event name, e.g. ``"userCreated"``.
        detail: JSON-serialisable detail passed to the event listener.
        after: ``"receive"`` (``HX-Trigger``), ``"settle"`` or ``"swap"``
            (``HX-Trigger-After-Settle`` / ``-After-Swap``).

    Returns:
        The conn.

    Raises:
        ValueError: Invalid event name or ``after`` value.
    """
    if not _EVENT.fullmatch(event):
        raise ValueError(f"invalid htmx event name {event!r}")
    header = _TRIGGER_HEADERS.get(after)
    if header is None:
        raise ValueError(f"after= must be 'receive', 'settle' or 'swap', not {after!r}")
    triggers: dict[str, dict[str, Any]] = conn.private.setdefault(_TRIGGER_KEY, {})
    events = triggers.setdefault(header, {})
    events[event] = detail
    if all(value is None for value in events.values()):
        value = ", ".join(events)
    else:
        value = json.dumps(events, separators=(",", ":"), default=str)
    conn.put_resp_header(header, value)
    return conn


def htmx_redirect(
    conn: Conn, to: str | None = None, *, external: str | None = None, status: int | None = None
) -> Conn:
    """Redirect: ``HX-Redirect`` for htmx requests (a full page load), else 302/303.

    Non-htmx requests get ``conn.redirect`` with 303 after unsafe methods (POST →
    GET) and 302 otherwise, unless ``status`` is given. Flash messages are kept
    for the next page either way.

    Args:
        conn: The connection.
        to: A local path (open redirects are refused).
        external: An absolute http(s) URL, for deliberate off-site redirects.
        status: Status for non-htmx requests.

    Returns:
        The conn.

    Raises:
        ValueError: Not a local path / http(s) URL.
    """
    location = _local_or_external(to, external)
    if is_htmx(conn):
        conn.put_resp_header("HX-Redirect", location)
        return conn.resp(status or 200, b"")
    if status is None:
        status = 302 if conn.method in {"GET", "HEAD"} else 303
    if to is not None:
        return conn.redirect(to=to, status=status)
    return conn.redirect(external=external, status=status)


def htmx_location(
    conn: Conn,
    path: str,
    *,
    target: str | None = None,
    swap: str | None = None,
    select: str | None = None,
    source: str | None = None,
    event: str | None = None,
    values: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Conn:
    """Client-side navigation without a full reload (``HX-Location``).

    Flash messages are kept for the page the client loads next.

    Args:
        conn: The connection.
        path: Local path to load.
        target: CSS selector to swap into.
        swap: Swap style.
        select: Part of the response to use.
        source: Source element selector.
        event: Event name.
        values: Extra values to send.
        headers: Extra request headers.

    Returns:
        The conn.
    """
    location = _local_or_external(path, None)
    options = {
        "target": target,
        "swap": swap,
        "select": select,
        "source": source,
        "event": event,
        "values": values,
        "headers": headers,
    }
    given = {k: v for k, v in options.items() if v is not None}
    if swap is not None:
        _check_swap(swap)
    if not given:
        return conn.put_resp_header("HX-Location", location)
    return conn.put_resp_header(
        "HX-Location", json.dumps({"path": location, **given}, separators=(",", ":"))
    )


def htmx_push_url(conn: Conn, url: str | Literal[False]) -> Conn:
    """Push ``url`` into the browser history (``HX-Push-Url``); ``False`` prevents it."""
    return conn.put_resp_header("HX-Push-Url", "false" if url is False else _url(url))


def htmx_replace_url(conn: Conn, url: str | Literal[False]) -> Conn:
    """Replace the current URL in the location bar (``HX-Replace-Url``)."""
    return conn.put_resp_header("HX-Replace-Url", "false" if url is False else _url(url))


def _check_swap(swap: str) -> None:
    style = swap.split(None, 1)[0] if swap.strip() else ""
    if style not in _SWAP_STYLES:
        raise ValueError(f"unknown swap style {style!r}: use one of {sorted(_SWAP_STYLES)}")


def htmx_reswap(conn: Conn, swap: str) -> Conn:
    """Override the swap style (``HX-Reswap``), e.g. ``"outerHTML"`` or ``"beforeend scroll:bottom"``.

    Raises:
        ValueError: Unknown swap style.
    """  # noqa: E501
    _check_swap(swap)
    return conn.put_resp_header("HX-Reswap", swap)


def htmx_retarget(conn: Conn, selector: str) -> Conn:
    """Swap into another element (``HX-Retarget``, a CSS selector)."""
    return conn.put_resp_header("HX-Retarget", selector)


def htmx_reselect(conn: Conn, selector: str) -> Conn:
    """Use only part of the response (``HX-Reselect``, a CSS selector)."""
    return conn.put_resp_header("HX-Reselect", selector)


def htmx_refresh(conn: Conn) -> Conn:
    """Make the browser reload the whole page (``HX-Refresh: true``)."""
    return conn.put_resp_header("HX-Refresh", "true")


def htmx_stop_polling(conn: Conn) -> Conn:
    """Answer with status 286 so htmx stops polling this element."""
    return conn.put_status(STOP_POLLING)


def _mark_oob(html: str, swap: str, target: str | None) -> str:
    if target is not None:
        value = f"{swap}:{target}"
        return f'<div hx-swap-oob="{_attr(value)}">{html}</div>'
    match = _FIRST_TAG.match(html)
    if match is None:
        raise ValueError(
            "an out-of-band fragment must start with an element that has an id "
            "(or pass target='#id')"
        )
    return f'{match.group(1)} hx-swap-oob="{_attr(swap)}"{html[match.end() :]}'


def _attr(value: str) -> str:
    return value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


def _append_oob(conn: Conn) -> None:
    fragments: list[str] = conn.private.pop(_OOB_KEY, [])
    if not fragments or conn.state != "set":
        return
    if not conn.resp_headers.get("content-type", "").startswith("text/html"):
        return
    conn.resp_body += "".join(fragments).encode()


def render_oob(
    conn: Conn,
    name: str,
    *,
    block: str | None = None,
    swap: str = "true",
    target: str | None = None,
    **context: Any,
) -> Conn:
    """Append a rendered fragment marked ``hx-swap-oob`` to this response.

    The fragment's first element gets ``hx-swap-oob="<swap>"`` (it must have an ``id``),
    or with ``target`` it is wrapped in ``<div hx-swap-oob="<swap>:<target>">``. Fragments
    are added to the HTML body when the response is sent, whatever the order of calls.

    Args:
        conn: The connection (``conn.app.templates`` renders).
        name: Template name (rendered without layout).
        block: Render only that ``{{#block}}`` of the template.
        swap: ``"true"`` (outerHTML), or a swap style such as ``"beforeend"``.
        target: CSS selector to swap into instead of the element's own id.
        **context: Template variables (merged over ``conn.assigns``).

    Returns:
        The conn.
    """
    templates = conn._templates()
    ctx = conn._context(context)
    if block is not None:
        html = templates.render(name, ctx, layout=None, block=block)
    else:
        html = templates.render_partial(name, ctx)
    if swap != "true":
        _check_swap(swap)
    fragments = conn.private.get(_OOB_KEY)
    if fragments is None:
        fragments = conn.private[_OOB_KEY] = []
        conn.register_before_send(_append_oob)
    fragments.append(_mark_oob(str(html), swap, target))
    return conn
