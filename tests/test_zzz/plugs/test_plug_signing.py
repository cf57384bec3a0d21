"""Signer: HMAC signing, AES-GCM encryption, key rotation, expiry, forgery."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from zzz.exceptions import ImproperlyConfigured
from zzz.plugs._signing import BadSignature, Signer, b64decode

KEY_A = "a" * 32
KEY_B = "b" * 32


@pytest.mark.parametrize("encrypt", [False, True])
def test_roundtrip_and_rotation(encrypt: bool) -> None:
    old = Signer([KEY_A], purpose="t", encrypt=encrypt)
    value = old.dumps(b"payload", now=1000)
    rotated = Signer([KEY_B, KEY_A], purpose="t", encrypt=encrypt)
    assert rotated.loads(value, max_age=60, now=1010) == b"payload"
    # the first key signs
    new_value = rotated.dumps(b"x", now=1000)
    with pytest.raises(BadSignature):
        old.loads(new_value, max_age=None, now=1000)
    # dropped key no longer verifies
    with pytest.raises(BadSignature):
        Signer([KEY_B], purpose="t", encrypt=encrypt).loads(value, max_age=None, now=1000)


@pytest.mark.parametrize("encrypt", [False, True])
def test_expired_and_future(encrypt: bool) -> None:
    s = Signer([KEY_A], purpose="t", encrypt=encrypt)
    value = s.dumps(b"v", now=1000)
    with pytest.raises(BadSignature, match="expired"):
        s.loads(value, max_age=10, now=1011)
    with pytest.raises(BadSignature, match="future"):
        s.loads(value, max_age=10, now=800)


def test_purpose_separates_keys() -> None:
    value = Signer([KEY_A], purpose="session").dumps(b"v")
    with pytest.raises(BadSignature):
        Signer([KEY_A], purpose="csrf").loads(value, max_age=None)


def test_encrypted_value_hides_payload() -> None:
    value = Signer([KEY_A], purpose="t", encrypt=True).dumps(b"secret-data")
    assert value.startswith("e.")
    assert b"secret-data" not in b64decode(value[2:])


@pytest.mark.parametrize(
    "forged",
    [
        "",
        ".",
        "a.b",
        "a.b.c",
        "YQ.ffffffffffffffffffff.xx",
        "YQ.10.\u00e9",
        "e.",
        "e.AAAA",
        "YQ.zz.AA",
    ],
)
def test_malformed_values_rejected(forged: str) -> None:
    for encrypt in (False, True):
        with pytest.raises(BadSignature):
            Signer([KEY_A], purpose="t", encrypt=encrypt).loads(forged, max_age=None)


def test_tampered_payload_rejected() -> None:
    s = Signer([KEY_A], purpose="t")
    _data, stamp, mac = s.dumps(b'{"admin":false}').split(".")
    from zzz.plugs._signing import b64encode

    forged = b64encode(b'{"admin":true}')
    with pytest.raises(BadSignature):
        s.loads(f"{forged}.{stamp}.{mac}", max_age=None)


def test_bad_config() -> None:
    with pytest.raises(ImproperlyConfigured, match="non-empty list"):
        Signer([], purpose="t")
    with pytest.raises(ImproperlyConfigured, match="non-empty list"):
        Signer(KEY_A, purpose="t")
    with pytest.raises(ImproperlyConfigured, match="at least 32 bytes"):
        Signer(["short"], purpose="t")


@settings(max_examples=150)
@given(st.text(max_size=80))
def test_fuzz_never_crashes(value: str) -> None:
    s = Signer([KEY_A], purpose="t")
    with contextlib.suppress(BadSignature):
        s.loads(value, max_age=None)
