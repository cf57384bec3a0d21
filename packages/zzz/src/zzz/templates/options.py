"""``HelperOptions``: what a block helper receives as ``options=``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from zzz.templates.runtime import _MISSING

__all__ = ["HelperOptions"]


class HelperOptions:
    """What a block helper receives as ``options=``: its blocks, hash, context and data.

    Attributes:
        name: The helper name as written.
        this: The context the block was opened in.
        hash: The ``key=value`` arguments.
        data: The ``@data`` frame (``index``, ``root``...).
    """

    __slots__ = ("_fn", "_inverse", "data", "hash", "name", "this")

    def __init__(  # noqa: PLR0917 - built by generated code, positionally for speed
        self,
        name: str,
        this: Any,
        hash_: dict[str, Any],
        data: dict[str, Any],
        fn: Callable[..., str],
        inverse: Callable[..., str],
    ) -> None:
        self.name = name
        self.this = this
        self.hash = hash_
        self.data = data
        self._fn = fn
        self._inverse = inverse

    def fn(
        self,
        context: Any = _MISSING,
        *,
        data: dict[str, Any] | None = None,
        block_params: Sequence[Any] = (),
    ) -> str:
        """Render the block body.

        Args:
            context: The context for the body (default: the current one).
            data: A data frame (default: the current one).
            block_params: Values bound to ``as |a b|``.

        Returns:
            The rendered HTML.
        """
        return self._render(self._fn, context, data, block_params)

    def inverse(
        self,
        context: Any = _MISSING,
        *,
        data: dict[str, Any] | None = None,
        block_params: Sequence[Any] = (),
    ) -> str:
        """Render the ``{{else}}`` part (empty string when there is none).

        Args:
            context: The context for the inverse (default: the current one).
            data: A data frame (default: the current one).
            block_params: Values bound to ``as |a b|``.

        Returns:
            The rendered HTML.
        """
        return self._render(self._inverse, context, data, block_params)

    def _render(
        self,
        body: Callable[[Any, dict[str, Any], tuple[Any, ...]], str],
        context: Any,
        data: dict[str, Any] | None,
        block_params: Sequence[Any],
    ) -> str:
        ctx = self.this if context is _MISSING else context
        return body(ctx, self.data if data is None else data, tuple(block_params))

    def frame(self, **values: Any) -> dict[str, Any]:
        """A child data frame with extra ``@`` variables (``options.frame(index=i)``)."""
        child = dict(self.data)
        child["_parent"] = self.data
        child.update(values)
        return child
