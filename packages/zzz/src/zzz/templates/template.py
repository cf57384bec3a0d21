"""``Template``: one compiled template, and one-off templates from strings."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from zzz.templates.loader import Templates
from zzz.templates.runtime import SafeString

__all__ = ["Template", "compile_string"]


class Template:
    """One template of a ``Templates`` set; build one-off templates with ``from_string``.

    Args:
        templates: The set it belongs to.
        name: Its name.
    """

    __slots__ = ("name", "templates")

    def __init__(self, templates: Templates, name: str) -> None:
        self.templates = templates
        self.name = name

    @classmethod
    def from_string(
        cls,
        source: str,
        *,
        name: str = "<string>",
        partials: Mapping[str, str] | None = None,
        helpers: Mapping[str, Callable[..., Any]] | None = None,
        strict: bool = True,
        compat: bool = False,
    ) -> Template:
        """Compile a template from text (tests, e-mails, one-off snippets).

        Args:
            source: The template text.
            name: Name used in error messages.
            partials: Partial (and ``components/...``) sources by name.
            helpers: Extra helpers.
            strict: Strict mode.
            compat: Mustache compatibility mode.

        Returns:
            The compiled template.

        Raises:
            TemplateSyntaxError: If it does not compile.

        Example:
            >>> Template.from_string("{{#each xs}}{{this}},{{/each}}").render({"xs": [1, 2]})
            '1,2,'
        """
        sources = dict(partials or {})
        sources[name] = source
        templates = Templates(
            sources, helpers=helpers, strict=strict, compat=compat, default_layout=None
        )
        return templates.template(name)

    def render(self, context: Any = None, *, block: str | None = None) -> SafeString:
        """Render with ``context`` (no layout) or only one named ``block``."""
        return self.templates.render(self.name, context, layout=None, block=block)


def compile_string(source: str, **options: Any) -> Template:
    """Shorthand for ``Template.from_string(source, **options)``."""
    return Template.from_string(source, **options)
