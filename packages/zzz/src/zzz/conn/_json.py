"""Fast JSON encoding and decoding (orjson when installed, else the standard library)."""

from __future__ import annotations

import json as _stdjson
from typing import Any

__all__ = ["json_dumps", "json_loads"]

_orjson: Any
try:
    import orjson as _orjson
except ImportError:  # pragma: no cover - orjson ships with the "fast" extra
    _orjson = None


def _json_default(value: Any) -> Any:
    dump = getattr(value, "model_dump", None)
    if dump is not None:
        return dump(mode="json")
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def json_dumps(data: Any) -> bytes:
    """Encode ``data`` as compact UTF-8 JSON (orjson when installed).

    Pydantic models, dataclasses, datetimes, UUIDs and sets are supported.

    Args:
        data: The value to encode.

    Returns:
        The JSON bytes.

    Raises:
        TypeError: A value cannot be encoded.
    """
    if _orjson is not None:
        encoded: bytes = _orjson.dumps(data, default=_json_default, option=_orjson.OPT_NON_STR_KEYS)
        return encoded
    return _stdjson.dumps(
        data, default=_json_default, separators=(",", ":"), ensure_ascii=False
    ).encode()


def json_loads(data: bytes | str) -> Any:
    """Decode JSON (orjson when installed).

    Args:
        data: The JSON text.

    Returns:
        The decoded value.

    Raises:
        ValueError: Malformed JSON (``json.JSONDecodeError`` is a ``ValueError``).
    """
    if _orjson is not None:
        return _orjson.loads(data)
    try:
        return _stdjson.loads(data)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None
