"""JSON Web Token (RFC 7519, JWS compact form) verification with a pinned algorithm.

Sans-IO. HS256/384/512 use :mod:`hmac`; RS256/384/512 and ES256/384 use
``cryptography`` (the ``jwt`` extra). The algorithm is chosen by configuration,
never by the token: a token whose header names another algorithm (including
``none``, or ``HS256`` against an RSA public key — "algorithm confusion") is rejected.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Mapping, Sequence
from typing import Any, Final

from zzz.exceptions import ImproperlyConfigured, MissingDependency
from zzz.plugs._signing import BadSignature, b64decode, b64encode

__all__ = [
    "InvalidToken",
    "JWTVerifier",
    "encode_jwt",
]

_HMAC: Final = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}
_RSA: Final = {"RS256": "SHA256", "RS384": "SHA384", "RS512": "SHA512"}
_EC: Final = {"ES256": ("SHA256", 32), "ES384": ("SHA384", 48)}
ALGORITHMS: Final = frozenset(_HMAC) | frozenset(_RSA) | frozenset(_EC)

#: Tokens longer than this are rejected before any parsing.
MAX_TOKEN_LENGTH: Final = 8192


class InvalidToken(ValueError):
    """The token is malformed, forged, uses the wrong algorithm, or fails a claim check."""


def _hash(name: str) -> Any:
    from cryptography.hazmat.primitives import hashes

    return getattr(hashes, name)()


def _require_crypto() -> None:
    try:
        import cryptography  # noqa: F401
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise MissingDependency("cryptography", "jwt") from exc


def _check_key(algorithm: str, key: Any, *, private: bool) -> None:
    if algorithm in _HMAC:
        if not isinstance(key, (bytes, str)) or len(key) < 32:
            raise ImproperlyConfigured(
                f"JWT {algorithm} needs a shared secret (str/bytes) of at least 32 bytes"
            )
        return
    _require_crypto()
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    if algorithm in _RSA:
        wanted: tuple[type, ...] = (rsa.RSAPrivateKey,) if private else (rsa.RSAPublicKey,)
    else:
        wanted = (ec.EllipticCurvePrivateKey,) if private else (ec.EllipticCurvePublicKey,)
    if not isinstance(key, wanted):
        kind = "private" if private else "public"
        raise ImproperlyConfigured(
            f"JWT {algorithm} needs a cryptography {wanted[0].__name__} ({kind} key), "
            f"got {type(key).__name__}; load it with "
            "cryptography.hazmat.primitives.serialization.load_pem_*_key"
        )


def _sign(algorithm: str, key: Any, signing_input: bytes) -> bytes:
    if algorithm in _HMAC:
        secret = key.encode() if isinstance(key, str) else key
        return hmac.new(secret, signing_input, _HMAC[algorithm]).digest()
    from cryptography.hazmat.primitives.asymmetric import ec, padding
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    if algorithm in _RSA:
        sig: bytes = key.sign(signing_input, padding.PKCS1v15(), _hash(_RSA[algorithm]))
        return sig
    hash_name, size = _EC[algorithm]
    r, s = decode_dss_signature(key.sign(signing_input, ec.ECDSA(_hash(hash_name))))
    return r.to_bytes(size, "big") + s.to_bytes(size, "big")


def encode_jwt(claims: Mapping[str, Any], key: Any, algorithm: str = "HS256") -> str:
    """Create a signed JWT (compact form).

    Args:
        claims: The payload (JSON-serialisable; use Unix times for ``exp``/``nbf``/``iat``).
        key: The shared secret (HS*) or a ``cryptography`` private key (RS*/ES*).
        algorithm: One of HS256/384/512, RS256/384/512, ES256/384.

    Returns:
        The token text.

    Raises:
        ImproperlyConfigured: Unknown algorithm or a key that does not fit it.
    """
    if algorithm not in ALGORITHMS:
        raise ImproperlyConfigured(f"unsupported JWT algorithm {algorithm!r}")
    _check_key(algorithm, key, private=True)
    header = b64encode(json.dumps({"alg": algorithm, "typ": "JWT"}).encode())
    payload = b64encode(json.dumps(dict(claims), separators=(",", ":")).encode())
    signing_input = f"{header}.{payload}".encode("ascii")
    return f"{header}.{payload}.{b64encode(_sign(algorithm, key, signing_input))}"


class JWTVerifier:
    """Verify JWTs signed with one pinned algorithm.

    Args:
        key: Shared secret (HS*) or a ``cryptography`` public key (RS*/ES*).
        algorithm: The only algorithm accepted.
        audience: Required ``aud`` value(s); when set, a token without a matching ``aud``
            is rejected.
        issuer: Required ``iss`` value.
        leeway: Clock skew tolerated for ``exp``/``nbf``/``iat``, in seconds.
        require: Claims that must be present (``exp`` by default).

    Raises:
        ImproperlyConfigured: Unknown algorithm (``none`` included) or a mismatched key.

    Example:
        >>> v = JWTVerifier("s" * 32, algorithm="HS256", require=())
        >>> v.verify(encode_jwt({"sub": "42"}, "s" * 32))["sub"]
        '42'
    """

    __slots__ = ("_algorithm", "_audience", "_issuer", "_key", "_leeway", "_require")

    def __init__(
        self,
        key: Any,
        *,
        algorithm: str,
        audience: str | Sequence[str] | None = None,
        issuer: str | None = None,
        leeway: float = 0.0,
        require: Sequence[str] = ("exp",),
    ) -> None:
        if algorithm not in ALGORITHMS:
            raise ImproperlyConfigured(
                f"unsupported JWT algorithm {algorithm!r}; pin one of {sorted(ALGORITHMS)}"
            )
        _check_key(algorithm, key, private=False)
        if leeway < 0:
            raise ImproperlyConfigured("JWT leeway must be >= 0 seconds")
        self._algorithm = algorithm
        self._key: Any = key.encode() if isinstance(key, str) else key
        self._audience = (
            None if audience is None else {audience} if isinstance(audience, str) else set(audience)
        )
        self._issuer = issuer
        self._leeway = leeway
        self._require = tuple(require)

    def verify(self, token: str, *, now: float | None = None) -> dict[str, Any]:
        """Return the verified claims of ``token``.

        Raises:
            InvalidToken: With a short reason, safe to show to the client.
        """
        if len(token) > MAX_TOKEN_LENGTH:
            raise InvalidToken("token too long")
        parts = token.split(".")
        if len(parts) != 3:
            raise InvalidToken("malformed token")
        try:
            header = json.loads(b64decode(parts[0]))
            claims = json.loads(b64decode(parts[1]))
            signature = b64decode(parts[2])
        except (BadSignature, ValueError) as exc:
            raise InvalidToken("malformed token") from exc
        if not isinstance(header, dict) or not isinstance(claims, dict):
            raise InvalidToken("malformed token")
        if header.get("alg") != self._algorithm:
            raise InvalidToken("unexpected algorithm")
        if "crit" in header:
            raise InvalidToken("unsupported critical header")
        if not self._check_signature(f"{parts[0]}.{parts[1]}".encode("ascii"), signature):
            raise InvalidToken("invalid signature")
        self._check_claims(claims, time.time() if now is None else now)
        return claims

    def _check_signature(self, signing_input: bytes, signature: bytes) -> bool:
        algorithm = self._algorithm
        if algorithm in _HMAC:
            expected = hmac.new(self._key, signing_input, _HMAC[algorithm]).digest()
            return hmac.compare_digest(expected, signature)
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives.asymmetric import ec, padding
        from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

        try:
            if algorithm in _RSA:
                self._key.verify(
                    signature, signing_input, padding.PKCS1v15(), _hash(_RSA[algorithm])
                )
                return True
            hash_name, size = _EC[algorithm]
            if len(signature) != 2 * size:
                return False
            r = int.from_bytes(signature[:size], "big")
            s = int.from_bytes(signature[size:], "big")
            self._key.verify(encode_dss_signature(r, s), signing_input, ec.ECDSA(_hash(hash_name)))
            return True
        except (InvalidSignature, ValueError):
            return False

    def _check_claims(self, claims: dict[str, Any], now: float) -> None:
        for name in self._require:
            if name not in claims:
                raise InvalidToken(f"missing required claim {name!r}")
        leeway = self._leeway
        for name in ("exp", "nbf", "iat"):
            value = claims.get(name)
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, (int, float))
            ):
                raise InvalidToken(f"claim {name!r} must be a number")
        if "exp" in claims and now >= claims["exp"] + leeway:
            raise InvalidToken("token expired")
        if "nbf" in claims and now < claims["nbf"] - leeway:
            raise InvalidToken("token not yet valid")
        if "iat" in claims and claims["iat"] > now + leeway:
            raise InvalidToken("token issued in the future")
        if self._issuer is not None and claims.get("iss") != self._issuer:
            raise InvalidToken("invalid issuer")
        if self._audience is not None:
            aud = claims.get("aud")
            values = [aud] if isinstance(aud, str) else aud if isinstance(aud, list) else []
            if not any(isinstance(v, str) and v in self._audience for v in values):
                raise InvalidToken("invalid audience")
