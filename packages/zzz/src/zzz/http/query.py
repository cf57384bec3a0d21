"""Query-string and urlencoded-form parsing, with Phoenix/Rails nested keys.

Two views of the same input:

* :func:`parse_pairs` returns the flat ``(key, value)`` pairs in order (repeated
  keys kept), wrapped by :class:`QueryParams` for ``get``/``get_all`` access.
* :func:`nest` turns pairs into nested params the way Plug and Rails do::

      a=1&a=2            -> {"a": "2"}                  (last value wins)
      tags[]=x&tags[]=y  -> {"tags": ["x", "y"]}
      user[name]=jo&user[address][city]=Oslo
                         -> {"user": {"name": "jo", "address": {"city": "Oslo"}}}

Both are pure functions with limits (number of pairs, nesting depth); malformed or
oversized input raises :class:`QueryError` (an ``HTTPError`` with status 400).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import unquote_plus

from zzz.exceptions import HTTPError

__all__ = [
    "DEFAULT_MAX_DEPTH",
    "DEFAULT_MAX_PARAMS",
    "QueryError",
    "QueryParams",
    "nest",
    "parse_nested",
    "parse_pairs",
]

#: Default maximum number of ``key=value`` pairs (Django's DATA_UPLOAD_MAX_NUMBER_FIELDS).
DEFAULT_MAX_PARAMS = 1000
#: Default maximum nesting depth of ``a[b][c]`` keys.
DEFAULT_MAX_DEPTH = 8


class QueryError(HTTPError):
    """A query string or urlencoded body is malformed or exceeds a limit (400)."""

    def __init__(self, detail: str) -> None:
        super().__init__(400, detail)


def _decode(part: str) -> str:
    if "%" not in part and "+" not in part:
        return part
    try:
        return unquote_plus(part, errors="strict")
    except UnicodeDecodeError:
        raise QueryError("invalid percent-encoding (not UTF-8) in parameters") from None


def parse_pairs(
    data: str | bytes, *, max_params: int = DEFAULT_MAX_PARAMS
) -> list[tuple[str, str]]:
    """Split ``a=1&b=2`` into decoded pairs, keeping order and repeated keys.

    Empty segments (``a=1&&b=2``) are skipped; a segment without ``=`` has an
    empty value (``flag`` -> ``("flag", "")``). ``+`` decodes to a space.

    Args:
        data: The raw query string or urlencoded body.
        max_params: The maximum number of pairs accepted.

    Returns:
        The decoded pairs.

    Raises:
        QueryError: More than ``max_params`` pairs, or invalid UTF-8 after decoding.
    """
    if isinstance(data, bytes):
        # Raw non-ASCII octets are accepted only when they are valid UTF-8.
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError:
            raise QueryError("parameters are not valid UTF-8") from None
    if not data:
        return []
    parts = data.split("&")
    if len(parts) > max_params and sum(1 for p in parts if p) > max_params:
        raise QueryError(f"too many parameters (the limit is {max_params})")
    pairs: list[tuple[str, str]] = []
    for part in parts:
        if not part:
            continue
        key, sep, value = part.partition("=")
        pairs.append((_decode(key), _decode(value) if sep else ""))
    return pairs


def _split_key(key: str, max_depth: int) -> list[str]:
    """``a[b][]`` -> ``["a", "b", ""]``; a key without brackets is one segment."""
    start = key.find("[")
    if start <= 0 or not key.endswith("]"):
        return [key]
    segments = [key[:start]]
    rest = key[start:]
    while rest:
        if not rest.startswith("["):
            raise QueryError(f"malformed parameter name {key!r}")
        end = rest.find("]")
        if end < 0:
            raise QueryError(f"malformed parameter name {key!r}")
        segments.append(rest[1:end])
        rest = rest[end + 1 :]
        if len(segments) > max_depth:
            raise QueryError(f"parameter {key!r} is nested too deeply (the limit is {max_depth})")
    return segments


def nest(pairs: list[tuple[str, str]], *, max_depth: int = DEFAULT_MAX_DEPTH) -> dict[str, Any]:
    """Build nested params from flat pairs (Plug/Rails semantics).

    ``[]`` appends to a list and is allowed only as the last segment. A later
    plain value replaces an earlier one. A key used both as a scalar and as a
    container (``a=1&a[b]=2``) is rejected rather than silently coerced.

    Args:
        pairs: Decoded ``(key, value)`` pairs.
        max_depth: The maximum number of key segments.

    Returns:
        The nested params.

    Raises:
        QueryError: Conflicting or malformed keys, or a key nested too deeply.
    """
    result: dict[str, Any] = {}
    for key, value in pairs:
        if "[" not in key:
            if isinstance(result.get(key), dict | list):
                raise QueryError(f"parameter {key!r} is used both as a value and as a container")
            result[key] = value
            continue
        segments = _split_key(key, max_depth)
        node: dict[str, Any] = result
        for i, segment in enumerate(segments):
            last = i == len(segments) - 1
            if segment == "" and i > 0:
                if not last:
                    raise QueryError(f"'[]' must be the last part of parameter name {key!r}")
                break
            next_is_list = (
                i + 1 < len(segments) and segments[i + 1] == "" and i + 1 == len(segments) - 1
            )
            if last:
                if isinstance(node.get(segment), dict | list):
                    raise QueryError(
                        f"parameter {key!r} is used both as a value and as a container"
                    )
                node[segment] = value
            elif next_is_list:
                existing = node.setdefault(segment, [])
                if not isinstance(existing, list):
                    raise QueryError(f"parameter {key!r} is used both as a list and otherwise")
                existing.append(value)
                break
            else:
                child = node.setdefault(segment, {})
                if not isinstance(child, dict):
                    raise QueryError(f"parameter {key!r} is used both as a value and as a map")
                node = child
    return result


def parse_nested(
    data: str | bytes,
    *,
    max_params: int = DEFAULT_MAX_PARAMS,
    max_depth: int = DEFAULT_MAX_DEPTH,
) -> dict[str, Any]:
    """Parse a query string or urlencoded body straight into nested params.

    Args:
        data: The raw input.
        max_params: The maximum number of pairs.
        max_depth: The maximum key nesting depth.

    Returns:
        The nested params (see :func:`nest`).

    Raises:
        QueryError: Malformed or oversized input.

    Example:
        >>> parse_nested("user[name]=Jo&tags[]=a&tags[]=b")
        {'user': {'name': 'Jo'}, 'tags': ['a', 'b']}
    """
    return nest(parse_pairs(data, max_params=max_params), max_depth=max_depth)


class QueryParams(Mapping[str, str]):
    """An immutable multi-dict of flat query pairs.

    ``params[key]``/``get`` return the last value of a repeated key (as the nested
    view does); :meth:`get_all` returns them all.

    Args:
        pairs: Decoded ``(key, value)`` pairs in order.
    """

    __slots__ = ("_last", "pairs")

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self.pairs = pairs
        self._last: dict[str, str] = dict(pairs)

    def __getitem__(self, key: str) -> str:
        return self._last[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._last)

    def __len__(self) -> int:
        return len(self._last)

    def get_all(self, key: str) -> list[str]:
        """Return every value given for ``key``, in order.

        Args:
            key: The parameter name.

        Returns:
            The values (empty when absent).
        """
        return [v for k, v in self.pairs if k == key]

    def __repr__(self) -> str:
        return f"QueryParams({self.pairs!r})"
