"""Device keys and op signatures: ECDSA P-256 / SHA-256, raw r||s (IEEE P1363) as WebCrypto produces."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

from sync.canonical import canonical_json
from sync.op import Op

_COORDINATE = 32
_ECDSA = ec.ECDSA(hashes.SHA256())


class KeyInvalid(ValueError):
    """A public key that is not base64 SPKI DER of an ECDSA P-256 key."""

    code = "device_key_invalid"


def b64url(data: bytes) -> str:
    """base64url without padding."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Decode base64url with or without padding."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def load_public_key(spki_b64: str) -> ec.EllipticCurvePublicKey:
    """Parse a device key: base64 (standard or url-safe) of SPKI DER; P-256 only."""
    if not isinstance(spki_b64, str) or not spki_b64.strip():
        raise KeyInvalid("public_key must be base64 of an SPKI DER key")
    text = spki_b64.strip().replace("-", "+").replace("_", "/")
    try:
        der = base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
        key = serialization.load_der_public_key(der)
    except (binascii.Error, ValueError) as exc:
        raise KeyInvalid("public_key is not base64 of an SPKI DER public key") from exc
    if not isinstance(key, ec.EllipticCurvePublicKey) or not isinstance(key.curve, ec.SECP256R1):
        raise KeyInvalid("public_key must be an ECDSA P-256 (secp256r1) key")
    return key


def public_key_b64(key: ec.EllipticCurvePublicKey) -> str:
    """The SPKI DER of a key in standard base64 (what the PWA exports with ``exportKey('spki')``)."""
    der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(der).decode("ascii")


def sign_p1363(private_key: ec.EllipticCurvePrivateKey, data: bytes) -> str:
    """Sign like WebCrypto: raw r||s, 64 bytes, base64url without padding."""
    r, s = decode_dss_signature(private_key.sign(data, _ECDSA))
    return b64url(r.to_bytes(_COORDINATE, "big") + s.to_bytes(_COORDINATE, "big"))


def sign_op(private_key: ec.EllipticCurvePrivateKey, unsigned: dict[str, Any]) -> dict[str, Any]:
    """Return the op with its ``signature`` (for clients, tests and benchmarks)."""
    body = {k: v for k, v in unsigned.items() if k != "signature"}
    return {**body, "signature": sign_p1363(private_key, canonical_json(body))}


def verify_p1363(public_key: ec.EllipticCurvePublicKey, signature_b64url: str, data: bytes) -> bool:
    """True when ``signature_b64url`` is a valid raw r||s P-256 signature of ``data``."""
    try:
        raw = b64url_decode(signature_b64url)
    except (binascii.Error, ValueError):
        return False
    if len(raw) != 2 * _COORDINATE:
        return False
    r = int.from_bytes(raw[:_COORDINATE], "big")
    s = int.from_bytes(raw[_COORDINATE:], "big")
    if r == 0 or s == 0:
        return False
    try:
        public_key.verify(encode_dss_signature(r, s), data, _ECDSA)
    except InvalidSignature:
        return False
    return True


def verify_op(public_key: ec.EllipticCurvePublicKey, op: Op) -> bool:
    """True when the op's signature covers its canonical form (the op without ``signature``)."""
    return verify_p1363(public_key, op.signature, op.signing_bytes())
