"""htmx shortcuts of :class:`~zzz.conn.Conn`, delegating to :mod:`zzz.htmx`.

``zzz.htmx`` builds on ``zzz.conn`` (and the template runtime), so it is imported
on first call, not with ``zzz.conn``; afterwards the ``import`` statement is a
``sys.modules`` lookup (``import a.b as m`` is the cheapest form of it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from zzz.conn._sending import SendingMixin

if TYPE_CHECKING:
    from zzz.conn import Conn

__all__ = ["HtmxMixin"]


class HtmxMixin(SendingMixin):
    """htmx part of :class:`~zzz.conn.Conn` (see there and :mod:`zzz.htmx`)."""

    __slots__ = ()

    def is_htmx(self) -> bool:
        """Whether htmx made this request (``HX-Request: true``)."""
        import zzz.htmx.request as hx

        return hx.is_htmx(self)

    def is_boosted(self) -> bool:
        """Whether this is an ``hx-boost`` navigation (``HX-Boosted: true``; wants a full page)."""
        import zzz.htmx.request as hx

        return hx.is_boosted(self)

    def is_history_restore(self) -> bool:
        """Whether htmx restores history after a cache miss (wants a full page)."""
        import zzz.htmx.request as hx

        return hx.is_history_restore(self)

    def htmx_target(self) -> str | None:
        """The ``id`` of the target element (``HX-Target``), if any."""
        import zzz.htmx.request as hx

        return hx.htmx_target(self)

    def htmx_trigger_id(self) -> str | None:
        """The ``id`` of the element that triggered the request (``HX-Trigger``), if any."""
        import zzz.htmx.request as hx

        return hx.htmx_trigger_id(self)

    def htmx_trigger_name(self) -> str | None:
        """The ``name`` of the element that triggered the request (``HX-Trigger-Name``)."""
        import zzz.htmx.request as hx

        return hx.htmx_trigger_name(self)

    def htmx_current_url(self) -> str | None:
        """The browser's current URL (``HX-Current-URL``), if sent."""
        import zzz.htmx.request as hx

        return hx.htmx_current_url(self)

    def htmx_prompt(self) -> str | None:
        """The user's answer to an ``hx-prompt`` (``HX-Prompt``), if any."""
        import zzz.htmx.request as hx

        return hx.htmx_prompt(self)

    def render_oob(
        self,
        name: str,
        *,
        block: str | None = None,
        swap: str = "true",
        target: str | None = None,
        **context: Any,
    ) -> Conn:
        """Append a rendered out-of-band fragment (``hx-swap-oob``) to this response.

        See :func:`zzz.htmx.render_oob`: the fragment's first element (which must
        have an ``id``) gets ``hx-swap-oob="<swap>"``, or with ``target`` it is
        wrapped in ``<div hx-swap-oob="<swap>:<target>">``. Fragments are added to
        the HTML body when the response is sent, whatever the order of calls.

        Args:
            name: Template name (rendered without layout).
            block: Render only that ``{{#block}}`` of the template.
            swap: ``"true"`` (outerHTML) or a swap style such as ``"beforeend"``.
            target: CSS selector to swap into instead of the element's own id.
            **context: Template variables (merged over ``conn.assigns``).

        Returns:
            The conn.

        Raises:
            ImproperlyConfigured: The app has no templates.
            ValueError: An invalid swap style, or a fragment without an element
                with an ``id`` (and no ``target``).

        Example:
            >>> async def create(conn):  # doctest: +SKIP
            ...     conn.render_oob("users/_count", count=3)
            ...     return conn.render_partial("users/_row", user=user)
        """
        from zzz.htmx.response import render_oob

        return render_oob(
            cast("Conn", self), name, block=block, swap=swap, target=target, **context
        )
