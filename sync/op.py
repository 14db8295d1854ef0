"""The op: one intended change made on a device (DESIGN §4), and its validation.

Validation here is the authority; ``op.schema.json`` (generated from :data:`OP_SCHEMA`) is the published
description the PWA and outside tools share, and a test keeps the two in agreement.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sync.canonical import CanonicalError, canonical_json

MAX_SAFE_INT = 2**53 - 1
"""Largest integer JavaScript (and RFC 8785) represents exactly."""
MAX_MEDIA = 100
"""Media references per op."""

UUID_RE = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
UUID7_RE = r"^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"
SHA256_RE = r"^[0-9a-f]{64}$"
KIND_RE = r"^[a-z][a-z0-9_]{0,39}$"
HLC_RE = r"^[0-9]{15}:[0-9]{5}:[0-9A-Za-z._-]{1,64}$"
RFC3339_RE = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?(Z|[+-][0-9]{2}:[0-9]{2})$"
)
SIGNATURE_RE = r"^[A-Za-z0-9_-]{86}$"

_uuid = re.compile(UUID_RE)
_uuid7 = re.compile(UUID7_RE)
_sha256 = re.compile(SHA256_RE)
_kind = re.compile(KIND_RE)
_hlc = re.compile(HLC_RE)
_rfc3339 = re.compile(RFC3339_RE)
_signature = re.compile(SIGNATURE_RE)

OP_FIELDS = (
    "op_id",
    "device_id",
    "device_seq",
    "case_id",
    "kind",
    "base_seq",
    "payload",
    "media",
    "device_time",
    "hlc",
    "location",
    "signature",
)

_LOCATION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "Where the device was: WGS-84 degrees, accuracy in metres, source (gps, network…).",
    "required": ["lat", "lon"],
    "properties": {
        "lat": {"type": "number", "minimum": -90, "maximum": 90},
        "lon": {"type": "number", "minimum": -180, "maximum": 180},
        "accuracy": {"type": "number", "minimum": 0},
        "source": {"type": "string", "maxLength": 40},
    },
    "additionalProperties": True,
}

OP_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://liuhen.invalid/schemas/op.schema.json",
    "title": "Op",
    "description": (
        "One intended change made on a device. `signature` is base64url (no padding) of the raw 64-byte "
        "IEEE-P1363 ECDSA P-256/SHA-256 signature over RFC 8785 canonical JSON of the op without `signature`."
    ),
    "type": "object",
    "required": list(OP_FIELDS),
    "additionalProperties": False,
    "properties": {
        "op_id": {"type": "string", "pattern": UUID7_RE, "description": "UUIDv7, lowercase."},
        "device_id": {
            "type": "string",
            "pattern": UUID_RE,
            "description": "Registered device, lowercase UUID.",
        },
        "device_seq": {"type": "integer", "minimum": 1, "maximum": MAX_SAFE_INT},
        "case_id": {"type": "string", "pattern": UUID_RE, "description": "Client-generated case UUID."},
        "kind": {"type": "string", "pattern": KIND_RE},
        "base_seq": {
            "type": "integer",
            "minimum": 0,
            "maximum": MAX_SAFE_INT,
            "description": "Last per-case sequence (case_seq) the device had seen.",
        },
        "payload": {"type": "object"},
        "media": {
            "type": "array",
            "items": {"type": "string", "pattern": SHA256_RE},
            "maxItems": MAX_MEDIA,
            "uniqueItems": True,
        },
        "device_time": {"type": "string", "pattern": RFC3339_RE, "format": "date-time"},
        "hlc": {
            "type": "string",
            "pattern": HLC_RE,
            "description": "Hybrid logical clock: '{physical_ms:015d}:{counter:05d}:{node}'.",
        },
        "location": {"oneOf": [{"type": "null"}, _LOCATION_SCHEMA]},
        "signature": {"type": "string", "pattern": SIGNATURE_RE},
    },
}


class OpInvalid(ValueError):
    """An op that does not match the schema; ``field`` names the offending member."""

    code = "op_invalid"

    def __init__(self, field: str, detail: str) -> None:
        super().__init__(f"{field}: {detail}")
        self.field = field
        self.detail = detail


@dataclass(frozen=True, slots=True)
class Op:
    """A validated op, exactly as the device signed it."""

    op_id: str
    device_id: str
    device_seq: int
    case_id: str
    kind: str
    base_seq: int
    payload: dict[str, Any]
    media: tuple[str, ...]
    device_time: str
    hlc: str
    location: dict[str, Any] | None
    signature: str
    signed: bytes = field(default=b"", repr=False, compare=False)
    """Cached :meth:`signing_bytes` (set by :func:`parse_op`)."""

    def unsigned(self) -> dict[str, Any]:
        """The op as a JSON object without ``signature`` — the signed content."""
        return {
            "op_id": self.op_id,
            "device_id": self.device_id,
            "device_seq": self.device_seq,
            "case_id": self.case_id,
            "kind": self.kind,
            "base_seq": self.base_seq,
            "payload": self.payload,
            "media": list(self.media),
            "device_time": self.device_time,
            "hlc": self.hlc,
            "location": self.location,
        }

    def signing_bytes(self) -> bytes:
        """RFC 8785 canonical JSON of :meth:`unsigned`."""
        return self.signed or canonical_json(self.unsigned())

    def to_json(self) -> dict[str, Any]:
        """The whole op as a JSON object (kept whole in ``rejected`` entries)."""
        return {**self.unsigned(), "signature": self.signature}


def _int(raw: dict[str, Any], name: str, minimum: int) -> int:
    value = raw[name]
    if isinstance(value, float) and value.is_integer() and abs(value) <= MAX_SAFE_INT:
        value = int(value)  # JSON has one number type: 1.0 is the integer 1 (and canonicalises as "1")
    if isinstance(value, bool) or not isinstance(value, int):
        raise OpInvalid(name, "must be an integer")
    if not minimum <= value <= MAX_SAFE_INT:
        raise OpInvalid(name, f"must be between {minimum} and {MAX_SAFE_INT}")
    return value


def _str(raw: dict[str, Any], name: str, pattern: re.Pattern[str], what: str) -> str:
    value = raw[name]
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise OpInvalid(name, f"must be {what}")
    return value


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _location(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise OpInvalid("location", "must be an object or null")
    for name, low, high in (("lat", -90, 90), ("lon", -180, 180)):
        if not _number(value.get(name)) or not low <= value[name] <= high:
            raise OpInvalid("location", f"{name} must be a number between {low} and {high}")
    if "accuracy" in value and (not _number(value["accuracy"]) or value["accuracy"] < 0):
        raise OpInvalid("location", "accuracy must be a non-negative number")
    if "source" in value and (not isinstance(value["source"], str) or len(value["source"]) > 40):
        raise OpInvalid("location", "source must be a string of at most 40 characters")
    return value


def _media(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise OpInvalid("media", "must be an array of SHA-256 hex strings")
    if len(value) > MAX_MEDIA:
        raise OpInvalid("media", f"at most {MAX_MEDIA} references")
    for item in value:
        if not isinstance(item, str) or not _sha256.fullmatch(item):
            raise OpInvalid("media", "must be lowercase SHA-256 hex strings")
    if len(set(value)) != len(value):
        raise OpInvalid("media", "must not repeat a hash")
    return tuple(value)


def _device_time(raw: dict[str, Any]) -> str:
    value = _str(raw, "device_time", _rfc3339, "an RFC 3339 timestamp with a time zone")
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise OpInvalid("device_time", "is not a real date and time") from exc
    return value


def parse_op(raw: Any) -> Op:
    """Validate a decoded JSON value as an op; raise :class:`OpInvalid` naming the first bad field."""
    if not isinstance(raw, dict):
        raise OpInvalid("op", "must be a JSON object")
    missing = [name for name in OP_FIELDS if name not in raw]
    if missing:
        raise OpInvalid(missing[0], "is required")
    extra = sorted(set(raw) - set(OP_FIELDS))
    if extra:
        raise OpInvalid(extra[0], "is not a member of an op")
    payload = raw["payload"]
    if not isinstance(payload, dict):
        raise OpInvalid("payload", "must be a JSON object")
    op = Op(
        op_id=_str(raw, "op_id", _uuid7, "a lowercase UUIDv7"),
        device_id=_str(raw, "device_id", _uuid, "a lowercase UUID"),
        device_seq=_int(raw, "device_seq", 1),
        case_id=_str(raw, "case_id", _uuid, "a lowercase UUID"),
        kind=_str(raw, "kind", _kind, "a lowercase kind name"),
        base_seq=_int(raw, "base_seq", 0),
        payload=payload,
        media=_media(raw["media"]),
        device_time=_device_time(raw),
        hlc=_str(raw, "hlc", _hlc, "'{physical_ms:015d}:{counter:05d}:{node}'"),
        location=_location(raw["location"]),
        signature=_str(raw, "signature", _signature, "base64url of a 64-byte P1363 signature"),
    )
    try:
        object.__setattr__(op, "signed", canonical_json(op.unsigned()))
    except CanonicalError as exc:
        raise OpInvalid("payload", f"is not representable as canonical JSON: {exc}") from exc
    return op
