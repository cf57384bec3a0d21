"""Case-insensitive, multi-valued HTTP headers.

:class:`Headers` is a read-only view over the raw header list that travels between
the server and the app (``list[tuple[bytes, bytes]]`` with lower-cased names). The
lookup index is built on first use, so a request whose headers are never read
costs nothing.

Example:
    >>> h = Headers([(b"accept", b"text/html"), (b"x-tag", b"a"), (b"x-tag", b"b")])
    >>> h["Accept"], h.get_all("X-Tag")
    ('text/html', ['a', 'b'])
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

__all__ = [
    "Headers",
    "check_header_name",
    "check_header_value",
    "parse_forwarded",
    "parse_host",
]

# RFC 9110 token characters (header field names).
_TOKEN = frozenset(b"!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


def check_header_name(name: str) -> str:
    """Validate a header name and return it lower-cased.

    Args:
        name: The header name, any case.

    Returns:
        The lower-cased name.

    Raises:
        ValueError: The name is empty or contains a character that is not a token
            character (e.g. a space, ``:`` or CR/LF).
    """
    raw = name.encode("latin-1", "replace")
    if not raw or any(c not in _TOKEN for c in raw):
        raise ValueError(f"invalid HTTP header name {name!r}: use token characters only")
    return name.lower()


def check_header_value(value: str) -> str:
    """Validate a header value against response splitting.

    Args:
        value: The header value.

    Returns:
        The value unchanged.

    Raises:
        ValueError: The value contains CR, LF, NUL or another control character
            (tab excepted), which would allow header injection.
    """
    for ch in value:
        o = ord(ch)
        if (o < 32 and ch != "\t") or o == 127:
            raise ValueError(
                f"invalid character {ch!r} in HTTP header value {value!r}: "
                "control characters (CR/LF/NUL) would allow header injection"
            )
    return value


class Headers(Mapping[str, str]):
    """Read-only, case-insensitive, multi-valued request headers.

    ``headers[name]`` and :meth:`get` return the *last* value of a repeated header
    (values of headers that may be combined are not joined); :meth:`get_all`
    returns every value in arrival order. Values are decoded as latin-1, as
    HTTP/1.1 requires for arbitrary octets.

    Args:
        raw: ``(name, value)`` byte pairs with lower-cased names.
    """

    __slots__ = ("_index", "raw")

    def __init__(self, raw: list[tuple[bytes, bytes]]) -> None:
        self.raw = raw
        self._index: dict[str, list[str]] | None = None

    def _build(self) -> dict[str, list[str]]:
        index: dict[str, list[str]] = {}
        for name, value in self.raw:
            key = name.decode("latin-1").lower()
            text = value.decode("latin-1")
            bucket = index.get(key)
            if bucket is None:
                index[key] = [text]
            else:
                bucket.append(text)
        self._index = index
        return index

    def __getitem__(self, name: str) -> str:
        index = self._index if self._index is not None else self._build()
        return index[name.lower()][-1]

    def get_all(self, name: str) -> list[str]:
        """Return every value of ``name`` in arrival order (empty list if absent).

        Args:
            name: The header name, any case.

        Returns:
            The values, possibly empty.
        """
        index = self._index if self._index is not None else self._build()
        return list(index.get(name.lower(), ()))

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str):
            return False
        index = self._index if self._index is not None else self._build()
        return name.lower() in index

    def __iter__(self) -> Iterator[str]:
        index = self._index if self._index is not None else self._build()
        return iter(index)

    def __len__(self) -> int:
        index = self._index if self._index is not None else self._build()
        return len(index)

    def multi_items(self) -> list[tuple[str, str]]:
        """Return every ``(name, value)`` pair in arrival order, repeats included."""
        return [(n.decode("latin-1"), v.decode("latin-1")) for n, v in self.raw]

    def __repr__(self) -> str:
        return f"Headers({self.multi_items()!r})"


def parse_host(value: str) -> tuple[str, int | None]:
    """Split a ``Host`` header (or forwarded host) into a lower-cased host and port.

    Args:
        value: E.g. ``"example.com:8080"`` or ``"[::1]:4000"``.

    Returns:
        ``(host, port)``; the port is ``None`` when absent. IPv6 hosts are returned
        without brackets.

    Raises:
        ValueError: The value is empty or is not a valid host (contains ``/``,
            ``@``, whitespace, or a bad port).
    """
    value = value.strip().lower()
    if not value or any(c in value for c in "/@\\ \t?#%"):
        raise ValueError(f"invalid host {value!r}")
    if value.startswith("["):
        end = value.find("]")
        if end < 0:
            raise ValueError(f"invalid host {value!r}")
        host, rest = value[1:end], value[end + 1 :]
        if rest and not rest.startswith(":"):
            raise ValueError(f"invalid host {value!r}")
        port_text = rest[1:] if rest else ""
    else:
        host, _, port_text = value.partition(":")
        if ":" in port_text:
            raise ValueError(f"invalid host {value!r}")
    if not host:
        raise ValueError(f"invalid host {value!r}")
    if not port_text:
        return host, None
    if not port_text.isdigit() or len(port_text) > 5 or int(port_text) > 65535:
        raise ValueError(f"invalid port in host {value!r}")
    return host, int(port_text)


def parse_forwarded(values: list[str]) -> list[dict[str, str]]:
    """Parse ``Forwarded`` header values (RFC 7239) into one dict per hop.

    Args:
        values: Every ``Forwarded`` header value, in arrival order.

    Returns:
        A list (client side first) of ``{"for": ..., "proto": ..., "host": ...,
        "by": ...}`` dicts with lower-cased keys and unquoted values. Malformed
        pairs are skipped.
    """
    hops: list[dict[str, str]] = []
    for value in values:
        for element in value.split(","):
            hop: dict[str, str] = {}
            for pair in element.split(";"):
                key, sep, val = pair.partition("=")
                key = key.strip().lower()
                if not sep or not key:
                    continue
                val = val.strip()
                if len(val) >= 2 and val[0] == '"' and val[-1] == '"':
                    val = val[1:-1]
                hop[key] = val
            if hop:
                hops.append(hop)
    return hops
