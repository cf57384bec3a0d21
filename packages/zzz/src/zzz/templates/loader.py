"""``Templates``: loads a template directory, compiles it, renders pages with layouts.

Files: ``templates/<view>/<name>.html.zzz`` (name ``<view>/<name>``), partials
``<view>/_row.html.zzz`` (``{{> <view>/_row}}`` or ``{{> _row}}`` from the same folder),
components ``components/<name>.html.zzz``, layout ``layout/app.html.zzz``.
"""

from __future__ import annotations

import linecache
import os
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from zzz.templates.analysis import KEYWORDS, Analysis, analyze
from zzz.templates.compiler import CompileOptions, generate
from zzz.templates.errors import TemplateNotFound, TemplateRenderError
from zzz.templates.helpers import BUILTIN_HELPERS, validate_helper_name
from zzz.templates.lexer import Source
from zzz.templates.nodes import Program
from zzz.templates.parser import parse
from zzz.templates.runtime import SafeString

if TYPE_CHECKING:
    from zzz.templates.template import Template

__all__ = ["DEFAULT", "Templates"]

_RenderFn = Callable[[Any, Any, dict[str, Any], Callable[[str], None]], None]
_SUFFIXES = (".html.zzz", ".zzz")


class _Default:
    def __repr__(self) -> str:
        return "DEFAULT"


#: Sentinel: "use the default layout" (``render(..., layout=DEFAULT)``).
DEFAULT: Any = _Default()


@dataclass(slots=True)
class _Parsed:
    name: str
    src: Source
    program: Program
    analysis: Analysis
    path: Path | None
    mtime: int
    targets: list[tuple[str, bool]] = field(default_factory=list)


@dataclass(slots=True)
class _Compiled:
    parsed: _Parsed
    fn: _RenderFn
    blocks: dict[str, _RenderFn]
    block_errors: dict[str, str]


def _template_name(relative: str) -> str:
    for suffix in _SUFFIXES:
        if relative.endswith(suffix):
            return relative[: -len(suffix)]
    return relative


def _safe_name(name: str) -> bool:
    parts = PurePosixPath(name).parts
    return bool(parts) and not name.startswith("/") and ".." not in parts


class Templates:
    """A compiled set of templates.

    Args:
        directory: The template folder, or a mapping of template name → source text.
        helpers: Extra helpers by name (see ``register_helper``).
        strict: Handlebars strict mode: ``{{missing}}`` raises ``UndefinedError`` with the
            template location (``{{#if missing}}`` is just false). On by default.
        auto_reload: Recompile changed files on the next render (development).
        compat: Mustache compatibility: names are looked up through the whole context stack.
        default_layout: Layout wrapped around ``render()`` output when the page does not say
            otherwise; skipped silently if that template does not exist.

    Example:
        >>> t = Templates({"hi": "Hello {{name}}!"})
        >>> t.render("hi", {"name": "<Zzz>"})
        'Hello &lt;Zzz&gt;!'
    """

    def __init__(
        self,
        directory: str | os.PathLike[str] | Mapping[str, str],
        *,
        helpers: Mapping[str, Callable[..., Any]] | None = None,
        strict: bool = True,
        auto_reload: bool = False,
        compat: bool = False,
        default_layout: str | None = "layout/app",
    ) -> None:
        self._directory: Path | None = None
        self._sources: dict[str, str] = {}
        if isinstance(directory, Mapping):
            self._sources = dict(directory)
        else:
            self._directory = Path(directory)
            if not self._directory.is_dir():
                raise TemplateNotFound(f"template directory {str(self._directory)!r} not found")
        self.strict = strict
        self.auto_reload = auto_reload
        self.compat = compat
        self.default_layout = default_layout
        self._helpers: dict[str, Callable[..., Any]] = dict(BUILTIN_HELPERS)
        for name, fn in (helpers or {}).items():
            self._check_helper(name, fn)
            self._helpers[name] = fn
        self._index: dict[str, Path] = {}
        self._compiled: dict[str, _Compiled] = {}
        self._line_maps: dict[str, tuple[Source, list[int]]] = {}
        self._lock = threading.RLock()
        self._scan()

    # -- sources -------------------------------------------------------------------------
    def _scan(self) -> None:
        if self._directory is None:
            return
        index: dict[str, Path] = {}
        for path in sorted(self._directory.rglob("*.zzz")):
            relative = path.relative_to(self._directory).as_posix()
            name = _template_name(relative)
            if name in index:
                raise TemplateNotFound(
                    f"two files define template {name!r}: {index[name]} and {path}"
                )
            index[name] = path
        self._index = index

    def names(self) -> list[str]:
        """All template names, sorted."""
        return sorted(self._sources if self._directory is None else self._index)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and (name in self._sources or name in self._index)

    def _load(self, name: str) -> tuple[str, str, Path | None, int]:
        if self._directory is None:
            return self._sources[name], name, None, 0
        path = self._index[name]
        stat = path.stat()
        return path.read_text(encoding="utf-8"), str(path), path, stat.st_mtime_ns

    def resolve(self, kind: str, name: str, origin: str = "") -> str | None:
        """The canonical template name a partial/component reference points to.

        Partials: ``name``, then ``_name`` in the same folder, then both relative to the
        referencing template's folder. Components: ``components/name``,
        ``components/_name``, then ``name``.

        Args:
            kind: ``"partial"`` or ``"component"``.
            name: The name as written in the template.
            origin: The referencing template's name.

        Returns:
            The canonical name, or ``None`` if there is no such template.
        """
        if not _safe_name(name):
            return None
        path = PurePosixPath(name)
        underscored = str(path.with_name("_" + path.name))
        if kind == "component":
            candidates = [f"components/{name}", f"components/{underscored}", name]
        else:
            candidates = [name, underscored]
            folder = str(PurePosixPath(origin).parent)
            if folder not in {"", "."}:
                candidates += [f"{folder}/{name}", f"{folder}/{underscored}"]
        for candidate in candidates:
            if candidate in self:
                return candidate
        return None

    # -- helpers -------------------------------------------------------------------------
    @staticmethod
    def _check_helper(name: str, fn: Callable[..., Any]) -> None:
        validate_helper_name(name)
        if name in KEYWORDS:
            raise ValueError(f"{name!r} is a built-in block and cannot be replaced by a helper")
        if not callable(fn):
            raise TypeError(f"helper {name!r} must be callable, got {type(fn).__name__}")

    def register_helper(self, name: str, fn: Callable[..., Any]) -> None:
        """Register (or replace) a helper; compiled templates are recompiled on next use.

        ``{{name a b k=v}}`` calls ``fn(a, b, k=v)``; the result is escaped unless it is a
        ``SafeString``. As a block, ``{{#name a}}...{{else}}...{{/name}}`` calls
        ``fn(a, options=HelperOptions)`` and writes the returned text as-is.

        Args:
            name: The name used in templates.
            fn: The function.

        Raises:
            ValueError: Invalid name, or one of the built-in block keywords.
        """
        self._check_helper(name, fn)
        with self._lock:
            self._helpers[name] = fn
            self._compiled.clear()

    @property
    def helpers(self) -> Mapping[str, Callable[..., Any]]:
        """The registered helpers (read-only view)."""
        return dict(self._helpers)

    # -- compilation ---------------------------------------------------------------------
    def compile_all(self) -> None:
        """Compile every template now (at startup), raising the first error found.

        Raises:
            TemplateSyntaxError: With file, line, column and a caret excerpt.
        """
        for name in self.names():
            self._ensure(name)

    def _ensure(self, name: str) -> _Compiled:
        compiled = self._compiled.get(name)
        if compiled is not None:
            return compiled
        with self._lock:
            if name not in self and self._directory is not None:
                self._scan()
            if name not in self:
                raise TemplateNotFound(f"template {name!r} not found (looked for {name}.html.zzz)")
            return self._compile_closure(name)

    def _compile_closure(self, name: str) -> _Compiled:
        parsed: dict[str, _Parsed] = {}
        queue = [name]
        helper_names = frozenset(self._helpers)
        while queue:
            current = queue.pop()
            if current in parsed or current in self._compiled:
                continue
            text, filename, path, mtime = self._load(current)
            src = Source(text, filename)
            program = parse(src)
            item = _Parsed(current, src, program, analyze(program, helper_names), path, mtime)
            for ref in item.analysis.references:
                target = self.resolve(ref.kind, ref.name, current)
                if target is None:
                    raise src.error(
                        f"unknown {ref.kind} {ref.name!r}: no template file for it", ref.offset
                    )
                item.targets.append((target, ref.in_loop))
                queue.append(target)
            parsed[current] = item
        needs = self._needs_frame(parsed)
        options = CompileOptions(
            helpers=self._helpers,
            strict=self.strict,
            compat=self.compat,
            resolve=self.resolve,
            needs_frame=needs.__contains__,
        )
        namespaces: dict[str, tuple[dict[str, Any], list[tuple[str, str]]]] = {}
        for current, item in parsed.items():
            generated = generate(current, item.src, item.program, item.analysis, options)
            filename = f"<template {item.src.filename}>"
            code = compile(generated.source, filename, "exec")
            linecache.cache[filename] = (
                len(generated.source),
                None,
                generated.source.splitlines(keepends=True),
                filename,
            )
            self._line_maps[filename] = (item.src, generated.line_offsets)
            exec(code, generated.namespace)  # noqa: S102 - our generated code, literals via repr
            ns = generated.namespace
            namespaces[current] = (ns, generated.partial_refs)
            self._compiled[current] = _Compiled(
                item,
                ns["_render"],
                {block: ns[fn] for block, fn in generated.blocks.items()},
                generated.block_errors,
            )
        for ns, refs in namespaces.values():
            for var, target in refs:
                ns[var] = self._compiled[target].fn
        return self._compiled[name]

    def _needs_frame(self, parsed: dict[str, _Parsed]) -> set[str]:
        items = {**{n: c.parsed for n, c in self._compiled.items()}, **parsed}
        needs = {n for n, item in items.items() if item.analysis.reads_frame}
        changed = True
        while changed:
            changed = False
            for n, item in items.items():
                if n not in needs and any(t in needs and not loop for t, loop in item.targets):
                    needs.add(n)
                    changed = True
        return needs

    def _check_reload(self) -> None:
        for compiled in list(self._compiled.values()):
            path = compiled.parsed.path
            if path is None:
                continue
            try:
                mtime = path.stat().st_mtime_ns
            except OSError:
                mtime = -1
            if mtime != compiled.parsed.mtime:
                with self._lock:
                    self._compiled.clear()
                    self._scan()
                return

    # -- rendering -----------------------------------------------------------------------
    def _run(self, fn: _RenderFn, context: Any, data: dict[str, Any]) -> str:
        out: list[str] = []
        try:
            fn(context, None, data, out.append)
        except TemplateRenderError:
            raise
        except Exception as exc:
            self._annotate(exc)
            raise
        return "".join(out)

    def _annotate(self, exc: BaseException) -> None:
        """Add the template locations (outermost first) of a helper/runtime error as notes."""
        tb = exc.__traceback__
        while tb is not None:
            where = self._line_maps.get(tb.tb_frame.f_code.co_filename)
            if where is not None:
                src, offsets = where
                if 0 < tb.tb_lineno <= len(offsets):
                    line, column = src.position(offsets[tb.tb_lineno - 1])
                    exc.add_note(f"  in template {src.filename}:{line}:{column}")
            tb = tb.tb_next

    def render(
        self,
        name: str,
        context: Any = None,
        *,
        layout: str | None = DEFAULT,
        block: str | None = None,
    ) -> SafeString:
        """Render template ``name``, wrapped in a layout, or one named block of it.

        Args:
            name: Template name, e.g. ``"users/index"``.
            context: A mapping (or any object) the template reads names from.
            layout: Layout template; ``None`` renders without a layout; ``DEFAULT`` uses
                the context's ``_layout`` key if present (the ``Htmx`` plug sets it to
                ``None`` for fragment requests), else ``default_layout`` when it exists.
            block: Render only the ``{{#block "name"}}`` of that name (never in a layout).

        Returns:
            The HTML.

        Raises:
            TemplateNotFound: Unknown template, layout or block.
            UndefinedError: Strict mode and a ``{{name}}`` is not defined.
        """
        if self.auto_reload:
            self._check_reload()
        if context is None:
            context = {}
        compiled = self._ensure(name)
        data: dict[str, Any] = {"root": context}
        if block is not None:
            fn = compiled.blocks.get(block)
            if fn is None:
                reason = compiled.block_errors.get(block) or f"no {{{{#block {block!r}}}}} in it"
                raise TemplateNotFound(f"cannot render block {block!r} of {name!r}: {reason}")
            return SafeString(self._run(fn, context, data))
        html = self._run(compiled.fn, context, data)
        if layout is DEFAULT and isinstance(context, Mapping):
            layout = context.get("_layout", DEFAULT)
        if layout is DEFAULT:
            layout = self.default_layout
            if layout is not None and layout not in self:
                layout = None
        if layout is None:
            return SafeString(html)
        wrapper = self._ensure(layout)
        data["_slots"] = {"default": html}
        return SafeString(self._run(wrapper.fn, context, data))

    def render_partial(self, name: str, context: Any = None) -> SafeString:
        """Render ``name`` alone, without a layout (partials, fragments for htmx).

        Args:
            name: Template name.
            context: The context.

        Returns:
            The HTML.
        """
        return self.render(name, context, layout=None)

    def template(self, name: str) -> Template:
        """Return a handle on one compiled template."""
        from zzz.templates.template import Template

        self._ensure(name)
        return Template(self, name)

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())
