"""Zzz templates: Handlebars-syntax templates compiled ahead of time to Python functions.

Example:
    >>> from zzz.templates import Template
    >>> Template.from_string("Hello {{name}}!").render({"name": "<world>"})
    'Hello &lt;world&gt;!'
"""

from __future__ import annotations

from zzz.templates.errors import (
    TemplateError,
    TemplateNotFound,
    TemplateRenderError,
    TemplateSyntaxError,
    UndefinedError,
)
from zzz.templates.loader import DEFAULT, Templates
from zzz.templates.options import HelperOptions
from zzz.templates.runtime import Markup, SafeString, escape
from zzz.templates.template import Template, compile_string

__all__ = [
    "DEFAULT",
    "HelperOptions",
    "Markup",
    "SafeString",
    "Template",
    "TemplateError",
    "TemplateNotFound",
    "TemplateRenderError",
    "TemplateSyntaxError",
    "Templates",
    "UndefinedError",
    "compile_string",
    "escape",
]
