"""The allowed-hosts policy (Django's ``ALLOWED_HOSTS``)."""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["HOST_CACHE_SIZE", "HostPolicy"]

#: Distinct ``Host`` header values whose allowed-hosts verdict is remembered.
HOST_CACHE_SIZE = 256


class HostPolicy:
    """``ALLOWED_HOSTS`` matching: exact names, ``.suffix`` for subdomains, ``*``."""

    __slots__ = ("any", "exact", "suffixes")

    def __init__(self, hosts: Iterable[str]) -> None:
        hosts = [h.lower() for h in hosts]
        self.any = "*" in hosts
        self.exact = frozenset(h for h in hosts if not h.startswith("."))
        self.suffixes = tuple(h for h in hosts if h.startswith("."))

    def allows(self, host: str) -> bool:
        if self.any:
            return True
        host = host.rstrip(".")
        if host in self.exact:
            return True
        return bool(host) and any(host.endswith(s) or host == s[1:] for s in self.suffixes)
