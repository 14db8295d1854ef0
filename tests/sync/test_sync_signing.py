"""Device keys and P1363 signatures, as WebCrypto makes them."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from synchelp import Device

from sync.op import parse_op
from sync.signing import (
    KeyInvalid,
    b64url,
    b64url_decode,
    load_public_key,
    sign_p1363,
    verify_op,
    verify_p1363,
)

CASE = "0197f000-0000-7000-8000-000000000001"


def test_signature_is_64_raw_bytes_base64url_without_padding() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    signature = sign_p1363(key, b"data")
    assert not set(signature) & set("=+/")
    assert len(b64url_decode(signature)) == 64
    assert verify_p1363(key.public_key(), signature, b"data")
    assert not verify_p1363(key.public_key(), signature, b"datb")


def test_signed_op_verifies_with_its_registered_key() -> None:
    device = Device()
    op = parse_op(device.op(CASE, "note", {"text": "x"}))
    assert verify_op(load_public_key(device.public_key_b64), op)


def test_tampered_payload_fails_verification() -> None:
    device = Device()
    raw = device.op(CASE, "note", {"text": "原文"})
    raw["payload"] = {"text": "改过"}
    assert not verify_op(load_public_key(device.public_key_b64), parse_op(raw))


def test_other_key_fails_verification() -> None:
    raw = Device().op(CASE, "note", {"text": "x"})
    assert not verify_op(load_public_key(Device().public_key_b64), parse_op(raw))


def test_der_signature_is_not_accepted_as_p1363() -> None:
    device = Device()
    raw = device.op(CASE, "note", {"text": "x"})
    op = parse_op(raw)
    der = device.key.sign(op.signing_bytes(), ec.ECDSA(hashes.SHA256()))
    assert not verify_p1363(device.key.public_key(), b64url(der), op.signing_bytes())
    assert not verify_p1363(device.key.public_key(), b64url(bytes(64)), op.signing_bytes())
    assert not verify_p1363(device.key.public_key(), "!!!", op.signing_bytes())


def test_public_key_accepts_standard_and_urlsafe_base64() -> None:
    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    assert load_public_key(base64.b64encode(der).decode()).public_numbers() == key.public_numbers()
    assert load_public_key(b64url(der)).public_numbers() == key.public_numbers()


@pytest.mark.parametrize(
    "text",
    [
        "",
        "not base64!",
        base64.b64encode(b"\x30\x03\x02\x01\x00").decode(),
        base64.b64encode(
            ec.generate_private_key(ec.SECP384R1())
            .public_key()
            .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        ).decode(),
        base64.b64encode(
            ed25519.Ed25519PrivateKey.generate()
            .public_key()
            .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        ).decode(),
    ],
)
def test_bad_public_keys_are_refused(text: str) -> None:
    with pytest.raises(KeyInvalid):
        load_public_key(text)
