"""Template rendering and flash messages of :class:`~zzz.conn.Conn`."""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import TYPE_CHECKING, Any, Final, Protocol, Self

from zzz.conn._errors import NoSessionError
from zzz.conn._respond import RespondMixin
from zzz.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from zzz.conn import Conn

__all__ = ["RenderMixin", "TemplateRenderer"]

_DEFAULT_LAYOUT: Any = object()


class TemplateRenderer(Protocol):
    """What :meth:`Conn.render` needs from ``app.templates`` (``zzz.templates.Templates``)."""

    def render(
        self, name: str, context: MutableMapping[str, Any], *, layout: Any = ..., block: Any = ...
    ) -> str:
        """Render template ``name`` (inside a layout) to a string."""

    def render_partial(self, name: str, context: MutableMapping[str, Any]) -> str:
        """Render template ``name`` without a layout."""


class RenderMixin(RespondMixin):
    """Render part of :class:`~zzz.conn.Conn` (see there)."""

    __slots__ = ()

    def _templates(self) -> TemplateRenderer:
        templates = getattr(self.app, "templates", None)
        if templates is None:
            raise ImproperlyConfigured(
                "conn.render() needs templates: create the app with "
                "App(router, templates=Templates('templates'))"
            )
        return templates  # type: ignore[no-any-return]

    def _context(self, context: dict[str, Any]) -> dict[str, Any]:
        ctx = {**self.assigns, **context}
        ctx.setdefault("conn", self)
        if self.session is not None:
            ctx.setdefault("flash", self._load_flash())
        return ctx

    def render(
        self,
        name: str,
        *,
        layout: Any = _DEFAULT_LAYOUT,
        block: str | None = None,
        status: int | None = None,
        **context: Any,
    ) -> Self:
        """Render a template (in its layout) as the HTML response.

        The context is ``conn.assigns`` updated with ``context``, plus ``conn``
        and (when a session exists) ``flash``.

        Args:
            name: Template name, e.g. ``"users/show"``.
            layout: Layout name, ``None`` for none; default: the engine's default
                (which honours an ``_layout`` assign, e.g. from the Htmx plug).
            block: Render only this named block of the template (an htmx fragment).
            status: Status (default 200).
            **context: Template variables.

        Returns:
            The conn.

        Raises:
            ImproperlyConfigured: The app has no templates.
        """
        templates = self._templates()
        ctx = self._context(context)
        options: dict[str, Any] = {}
        if layout is not _DEFAULT_LAYOUT:
            options["layout"] = layout
        if block is not None:
            options["block"] = block
        return self.html(templates.render(name, ctx, **options), status)

    def render_partial(self, name: str, *, status: int | None = None, **context: Any) -> Self:
        """Render a template without a layout (an htmx fragment) as the response.

        Args:
            name: Template name.
            status: Status (default 200).
            **context: Template variables (merged over ``conn.assigns``).

        Returns:
            The conn.

        Raises:
            ImproperlyConfigured: The app has no templates.
        """
        templates = self._templates()
        return self.html(templates.render_partial(name, self._context(context)), status)

    # -------------------------------------------------------------------- flash
    def _load_flash(self) -> dict[str, str]:
        if self._flash is None:
            session = self.session
            if session is None:
                raise NoSessionError(
                    "flash messages live in the session: add the Session plug "
                    "(zzz.plugs.Session) to this route's pipeline"
                )
            stored = session.get("_flash")
            self._flash = (
                {str(k): str(v) for k, v in stored.items()} if isinstance(stored, dict) else {}
            )
            self.before_send.append(_persist_flash)
        return self._flash

    def put_flash(self, kind: str, message: str) -> Self:
        """Store a flash message (shown on this response or after a redirect).

        Messages survive a redirect (3xx) or an htmx navigation (a response with
        ``HX-Redirect``, ``HX-Location`` or ``HX-Refresh: true``) and are cleared
        after any other response, as in Phoenix.

        Args:
            kind: E.g. ``"info"`` or ``"error"``.
            message: The message.

        Returns:
            The conn.

        Raises:
            NoSessionError: No Session plug ran.
        """
        self._load_flash()[kind] = message
        return self

    def get_flash(self, kind: str) -> str | None:
        """Return the flash message of ``kind``, if any.

        Args:
            kind: E.g. ``"info"``.

        Returns:
            The message or ``None``.

        Raises:
            NoSessionError: No Session plug ran.
        """
        return self._load_flash().get(kind)

    @property
    def flash(self) -> dict[str, str]:
        """All flash messages (``kind -> message``); needs a session."""
        return self._load_flash()

    def clear_flash(self) -> Self:
        """Drop every flash message.

        Returns:
            The conn.
        """
        self._load_flash().clear()
        return self


_REDIRECTS: Final = frozenset({301, 302, 303, 307, 308})


def _navigates(headers: dict[str, str]) -> bool:
    """Whether an htmx response makes the browser load another page next.

    ``HX-Redirect`` and ``HX-Location`` (sent with a 200) navigate, and
    ``HX-Refresh: true`` reloads the page; the flash is shown there.
    """
    return (
        "hx-redirect" in headers or "hx-location" in headers or headers.get("hx-refresh") == "true"
    )


def _persist_flash(conn: Conn) -> None:
    session = conn.session
    flash = conn._flash
    if session is None or flash is None:
        return
    if flash and (conn.status in _REDIRECTS or _navigates(conn.resp_headers)):
        session["_flash"] = dict(flash)
    elif "_flash" in session:
        del session["_flash"]
