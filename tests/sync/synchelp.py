"""Helpers for sync tests: device keys and signed ops as the PWA makes them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import uuid_utils
from cryptography.hazmat.primitives.asymmetric import ec

from sync.signing import public_key_b64, sign_op


def new_uuid7() -> str:
    return str(uuid_utils.uuid7())


@dataclass
class Device:
    """A simulated device: its key pair, id and next sequence number."""

    device_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    key: ec.EllipticCurvePrivateKey = field(default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))
    seq: int = 0
    physical_ms: int = 1_767_225_600_000
    counter: int = 0

    @property
    def public_key_b64(self) -> str:
        return public_key_b64(self.key.public_key())

    def next_hlc(self) -> str:
        self.physical_ms += 1000
        return f"{self.physical_ms:015d}:{self.counter:05d}:{self.device_id[:8]}"

    def op(
        self,
        case_id: str,
        kind: str,
        payload: dict[str, Any],
        *,
        base_seq: int = 0,
        media: list[str] | None = None,
        hlc: str | None = None,
        device_time: str = "2026-01-01T08:00:00.000Z",
        location: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """A signed op with the next device_seq."""
        self.seq += 1
        unsigned = {
            "op_id": new_uuid7(),
            "device_id": self.device_id,
            "device_seq": self.seq,
            "case_id": case_id,
            "kind": kind,
            "base_seq": base_seq,
            "payload": payload,
            "media": media or [],
            "device_time": device_time,
            "hlc": hlc or self.next_hlc(),
            "location": location,
        }
        return sign_op(self.key, unsigned)
