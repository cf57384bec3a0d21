"""Signing and encryption of small values (cookies, tokens) with key rotation.

Sans-IO: pure functions over bytes, no I/O. Used by the Session and CSRF plugs.

Key rotation: a :class:`Signer` takes several secrets; the **first** signs (or
encrypts), every one of them is tried when verifying. Each secret is never used
directly: a purpose-bound sub-key is derived from it with HMAC-SHA256, so the same
application secret can serve sessions and CSRF without cross-protocol reuse.

Signed format (ASCII, cookie-safe)::

    base64url(payload) "." hex(unix_time) "." base64url(HMAC-SHA256(subkey, first_two_parts))

Encrypted format (AES-256-GCM via ``cryptography``, authenticated, so no HMAC)::

    "e." base64url(nonce[12] + ciphertext_and_tag) ; plaintext = 8-byte time + payload
"""

from __future__ import annotations

import binascii
import hashlib
import hmac
import os
import struct
import time
from collections.abc import Sequence
from typing import Any, Final

from zzz.exceptions import ImproperlyConfigured, MissingDependency

__all__ = [
    "BadSignature",
    "Signer",
    "b64decode",
    "b64encode",
]

#: Secrets shorter than this are refused at construction.
MIN_SECRET_LENGTH = 32


class BadSignature(ValueError):
    """A value failed verification: malformed, forged, signed with an unknown key or expired."""


_TO_URL: Final = bytes.maketrans(b"+/", b"-_")
# URL-safe alphabet to the standard one; "+", "/" and "=" become "!" (invalid), so a
# strict decode rejects anything but unpadded URL-safe base64 in one pass.
_TO_STD: Final = bytes.maketrans(b"-_+/=", b"+/!!!")
_PAD: Final = (b"", b"===", b"==", b"=")


def b64encode(data: bytes) -> str:
    """Encode bytes as unpadded URL-safe base64 text."""
    return binascii.b2a_base64(data, newline=False).translate(_TO_URL).rstrip(b"=").decode()


def b64decode(text: str | bytes) -> bytes:
    """Decode unpadded URL-safe base64 strictly; raise :class:`BadSignature` when malformed."""
    try:
        raw = text.encode("ascii") if isinstance(text, str) else text
        return binascii.a2b_base64(raw.translate(_TO_STD) + _PAD[len(raw) & 3], strict_mode=True)
    except ValueError as exc:  # binascii.Error and UnicodeEncodeError are ValueErrors
        raise BadSignature("malformed base64") from exc


def _derive(secret: bytes, purpose: str) -> bytes:
    return hmac.new(secret, b"zzz-subkey:" + purpose.encode(), hashlib.sha256).digest()


def _as_bytes(secret: str | bytes) -> bytes:
    return secret.encode("utf-8") if isinstance(secret, str) else secret


class Signer:
    """Sign (and optionally encrypt) values with a list of rotating secrets.

    Args:
        secrets: One or more secret keys; the first signs, all verify. Each must be
            at least 32 bytes (use ``secrets.token_urlsafe(32)``).
        purpose: A label mixed into the derived keys (e.g. ``"session"``), so one
            secret can serve several plugs.
        encrypt: Encrypt with AES-256-GCM (needs ``cryptography``, the ``jwt`` extra).

    Raises:
        ImproperlyConfigured: No secret, or a secret that is too short.
        MissingDependency: ``encrypt=True`` without ``cryptography`` installed.

    Example:
        >>> signer = Signer(["k" * 32], purpose="demo")
        >>> signer.loads(signer.dumps(b"hi"), max_age=60)
        b'hi'
    """

    __slots__ = ("_aead", "_keys")

    def __init__(
        self, secrets: Sequence[str | bytes], *, purpose: str, encrypt: bool = False
    ) -> None:
        if isinstance(secrets, (str, bytes)) or not secrets:
            raise ImproperlyConfigured(
                f"{purpose}: secret_keys must be a non-empty list of secrets "
                "(the first signs, the others still verify during a rotation)"
            )
        raw = [_as_bytes(s) for s in secrets]
        for key in raw:
            if len(key) < MIN_SECRET_LENGTH:
                raise ImproperlyConfigured(
                    f"{purpose}: each secret key must be at least {MIN_SECRET_LENGTH} bytes; "
                    "generate one with: "
                    "python -c 'import secrets; print(secrets.token_urlsafe(32))'"
                )
        self._keys = [hmac.new(_derive(k, purpose), digestmod=hashlib.sha256) for k in raw]
        self._aead: list[Any] | None = None
        if encrypt:
            try:
                from cryptography.hazmat.primitives.ciphers.aead import AESGCM
            except ImportError as exc:  # pragma: no cover - depends on the environment
                raise MissingDependency("cryptography", "jwt") from exc
            self._aead = [AESGCM(_derive(k, purpose + ":aes-gcm")) for k in raw]

    def dumps(self, payload: bytes, *, now: float | None = None) -> str:
        """Return ``payload`` signed (or encrypted) with the first key, timestamped ``now``."""
        stamp = int(time.time() if now is None else now)
        if self._aead is not None:
            nonce = os.urandom(12)
            sealed = self._aead[0].encrypt(nonce, struct.pack(">Q", stamp) + payload, b"zzz")
            return "e." + b64encode(nonce + sealed)
        head = f"{b64encode(payload)}.{stamp:x}"
        signer = self._keys[0].copy()
        signer.update(head.encode("ascii"))
        mac = signer.digest()
        return f"{head}.{b64encode(mac)}"

    def loads(self, value: str, *, max_age: float | None, now: float | None = None) -> bytes:
        """Verify ``value`` and return its payload.

        Args:
            value: What :meth:`dumps` returned.
            max_age: Reject values older than this many seconds (``None``: no limit).
            now: The current time (for tests).

        Raises:
            BadSignature: Malformed, forged, unknown key, or expired.
        """
        current = time.time() if now is None else now
        if self._aead is not None:
            payload, stamp = self._open(value)
        else:
            payload, stamp = self._verify(value)
        if stamp > current + 60:
            raise BadSignature("timestamp is in the future")
        if max_age is not None and current - stamp > max_age:
            raise BadSignature("signature expired")
        return payload

    def _verify(self, value: str) -> tuple[bytes, int]:
        head, sep, mac_text = value.rpartition(".")
        data_text, sep2, stamp_text = head.partition(".")
        if not sep or not sep2 or len(stamp_text) > 16:
            raise BadSignature("malformed signed value")
        try:
            mac = b64decode(mac_text)
            stamp = int(stamp_text, 16)
            signed = head.encode("ascii")
        except (ValueError, UnicodeEncodeError) as exc:
            raise BadSignature("malformed signed value") from exc
        for key in self._keys:
            check = key.copy()
            check.update(signed)
            if hmac.compare_digest(check.digest(), mac):
                return b64decode(data_text), stamp
        raise BadSignature("signature does not match")

    def _open(self, value: str) -> tuple[bytes, int]:
        if not value.startswith("e."):
            raise BadSignature("not an encrypted value")
        blob = b64decode(value[2:])
        if len(blob) < 12 + 16 + 8:
            raise BadSignature("encrypted value too short")
        from cryptography.exceptions import InvalidTag

        assert self._aead is not None
        for aead in self._aead:
            try:
                plain: bytes = aead.decrypt(blob[:12], blob[12:], b"zzz")
            except InvalidTag:
                continue
            return plain[8:], struct.unpack(">Q", plain[:8])[0]
        raise BadSignature("decryption failed")
