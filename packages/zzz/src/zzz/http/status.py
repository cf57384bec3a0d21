"""HTTP status codes: reason phrases and body rules.

Example:
    >>> reason_phrase(404), allows_body(304)
    ('Not Found', False)
"""

from __future__ import annotations

from http import HTTPStatus

__all__ = ["allows_body", "is_redirect", "reason_phrase"]

_PHRASES: dict[int, str] = {s.value: s.phrase for s in HTTPStatus}
_PHRASES[422] = "Unprocessable Content"


def reason_phrase(status: int) -> str:
    """Return the standard reason phrase for ``status`` (``""`` if unknown).

    Args:
        status: The status code.

    Returns:
        The phrase, e.g. ``"Not Found"``.
    """
    return _PHRASES.get(status, "")


def allows_body(status: int) -> bool:
    """Tell whether a response with ``status`` may carry a body.

    Args:
        status: The status code.

    Returns:
        ``False`` for 1xx, 204 and 304; ``True`` otherwise.
    """
    return not (100 <= status < 200 or status in (204, 304))


def is_redirect(status: int) -> bool:
    """Tell whether ``status`` is a redirect that carries a ``Location``.

    Args:
        status: The status code.

    Returns:
        ``True`` for 301, 302, 303, 307 and 308.
    """
    return status in (301, 302, 303, 307, 308)
