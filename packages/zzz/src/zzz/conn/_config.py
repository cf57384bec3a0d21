"""Per-app request limits and policies (:class:`ConnConfig`), resolved at startup."""

from __future__ import annotations

from dataclasses import dataclass, field
from ipaddress import IPv4Network, IPv6Network, ip_network

from zzz.http.query import DEFAULT_MAX_DEPTH, DEFAULT_MAX_PARAMS

__all__ = ["DEFAULT_CONFIG", "ConnConfig", "Network", "parse_trusted_proxies"]

Network = IPv4Network | IPv6Network


def parse_trusted_proxies(entries: list[str] | tuple[str, ...]) -> tuple[Network, ...]:
    """Parse trusted proxy addresses or CIDR ranges.

    Args:
        entries: E.g. ``["127.0.0.1", "10.0.0.0/8"]``.

    Returns:
        The networks.

    Raises:
        ValueError: An entry is not an IP address or network.
    """
    return tuple(ip_network(e.strip(), strict=False) for e in entries)


@dataclass(frozen=True, slots=True)
class ConnConfig:
    """Per-app request limits and policies, resolved once at startup.

    Attributes:
        max_body_size: Largest request body :meth:`Conn.body` reads (413 above).
        max_params: Most query/form pairs accepted (400 above).
        max_depth: Deepest ``a[b][c]`` nesting accepted (400 above).
        trusted_proxies: Peers whose ``Forwarded``/``X-Forwarded-*`` headers are
            believed; empty means none (the safe default).
        secure_cookies: Default ``Secure`` flag for ``put_resp_cookie``; ``None``
            means "when the request scheme is https".
        debug: Debug mode (error details in responses).
    """

    max_body_size: int = 8 * 1024 * 1024
    max_params: int = DEFAULT_MAX_PARAMS
    max_depth: int = DEFAULT_MAX_DEPTH
    trusted_proxies: tuple[Network, ...] = field(default_factory=tuple)
    secure_cookies: bool | None = None
    debug: bool = False


#: The config of a conn created without one.
DEFAULT_CONFIG = ConnConfig()
