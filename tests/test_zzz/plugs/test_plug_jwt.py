"""JWT verification: algorithm pinning, none/confusion rejected, claims with leeway."""

from __future__ import annotations

import contextlib
import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from hypothesis import given, settings
from hypothesis import strategies as st
from zzz.exceptions import ImproperlyConfigured
from zzz.plugs._jwt import InvalidToken, JWTVerifier, encode_jwt
from zzz.plugs._signing import b64encode

SECRET = "s" * 32
NOW = 1_700_000_000


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def ec_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


@pytest.mark.parametrize("alg", ["HS256", "HS384", "HS512"])
def test_hmac_roundtrip(alg: str) -> None:
    token = encode_jwt({"sub": "1", "exp": NOW + 60}, SECRET, alg)
    assert JWTVerifier(SECRET, algorithm=alg).verify(token, now=NOW)["sub"] == "1"


def test_rsa_and_ec(rsa_key: rsa.RSAPrivateKey, ec_key: ec.EllipticCurvePrivateKey) -> None:
    claims = {"sub": "u", "exp": NOW + 60}
    assert (
        JWTVerifier(rsa_key.public_key(), algorithm="RS256").verify(
            encode_jwt(claims, rsa_key, "RS256"), now=NOW
        )["sub"]
        == "u"
    )
    assert (
        JWTVerifier(ec_key.public_key(), algorithm="ES256").verify(
            encode_jwt(claims, ec_key, "ES256"), now=NOW
        )["sub"]
        == "u"
    )
    other = ec.generate_private_key(ec.SECP256R1())
    with pytest.raises(InvalidToken, match="signature"):
        JWTVerifier(other.public_key(), algorithm="ES256").verify(
            encode_jwt(claims, ec_key, "ES256"), now=NOW
        )


def _raw(header: dict[str, object], claims: dict[str, object], sig: bytes = b"") -> str:
    return ".".join(
        [
            b64encode(json.dumps(header).encode()),
            b64encode(json.dumps(claims).encode()),
            b64encode(sig),
        ]
    )


def test_alg_none_rejected() -> None:
    token = _raw({"alg": "none"}, {"sub": "1", "exp": NOW + 60})
    with pytest.raises(InvalidToken, match="algorithm"):
        JWTVerifier(SECRET, algorithm="HS256").verify(token, now=NOW)


def test_algorithm_confusion_rejected(rsa_key: rsa.RSAPrivateKey) -> None:
    # Attacker signs HS256 with the RSA *public key* PEM as the HMAC secret.
    pem = rsa_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    forged = encode_jwt({"sub": "admin", "exp": NOW + 60}, pem, "HS256")
    with pytest.raises(InvalidToken, match="algorithm"):
        JWTVerifier(rsa_key.public_key(), algorithm="RS256").verify(forged, now=NOW)


def test_mismatched_hmac_alg_rejected() -> None:
    token = encode_jwt({"exp": NOW + 60}, SECRET, "HS512")
    with pytest.raises(InvalidToken, match="algorithm"):
        JWTVerifier(SECRET, algorithm="HS256").verify(token, now=NOW)


def test_forged_signature() -> None:
    token = encode_jwt({"sub": "1", "exp": NOW + 60}, "x" * 32)
    with pytest.raises(InvalidToken, match="signature"):
        JWTVerifier(SECRET, algorithm="HS256").verify(token, now=NOW)


def test_claims_and_leeway() -> None:
    v = JWTVerifier(SECRET, algorithm="HS256", leeway=5, audience="api", issuer="me")
    good = {"exp": NOW + 1, "nbf": NOW, "iat": NOW, "aud": ["x", "api"], "iss": "me"}
    assert v.verify(encode_jwt(good, SECRET), now=NOW + 4)
    cases = [
        ({**good, "exp": NOW - 10}, "expired"),
        ({**good, "nbf": NOW + 60}, "not yet valid"),
        ({**good, "iat": NOW + 60}, "future"),
        ({**good, "aud": "other"}, "audience"),
        ({k: val for k, val in good.items() if k != "aud"}, "audience"),
        ({**good, "iss": "evil"}, "issuer"),
        ({**good, "exp": "soon"}, "must be a number"),
        ({k: val for k, val in good.items() if k != "exp"}, "missing required claim"),
    ]
    for claims, reason in cases:
        with pytest.raises(InvalidToken, match=reason):
            v.verify(encode_jwt(claims, SECRET), now=NOW)


@pytest.mark.parametrize(
    "token",
    [
        "",
        "a.b",
        "a.b.c.d",
        "!!.!!.!!",
        "e30.W10.",
        "x" * 9000,
        _raw({"alg": "HS256", "crit": ["b64"]}, {}),
    ],
)
def test_malformed(token: str) -> None:
    with pytest.raises(InvalidToken):
        JWTVerifier(SECRET, algorithm="HS256", require=()).verify(token, now=NOW)


def test_bad_config(rsa_key: rsa.RSAPrivateKey) -> None:
    with pytest.raises(ImproperlyConfigured, match="unsupported"):
        JWTVerifier(SECRET, algorithm="none")
    with pytest.raises(ImproperlyConfigured, match="32 bytes"):
        JWTVerifier("short", algorithm="HS256")
    with pytest.raises(ImproperlyConfigured, match="RSAPublicKey"):
        JWTVerifier(SECRET, algorithm="RS256")
    with pytest.raises(ImproperlyConfigured, match="RSAPublicKey"):
        JWTVerifier(rsa_key, algorithm="RS256")  # a private key where a public one belongs
    with pytest.raises(ImproperlyConfigured, match="leeway"):
        JWTVerifier(SECRET, algorithm="HS256", leeway=-1)


@settings(max_examples=150)
@given(st.text(max_size=200))
def test_fuzz(token: str) -> None:
    with contextlib.suppress(InvalidToken):
        JWTVerifier(SECRET, algorithm="HS256").verify(token)
