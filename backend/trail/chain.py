"""Hashing of trail entries: SHA-256 over the previous hash and the RFC 8785 canonical body."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sync.canonical import canonical_json

GENESIS = "0" * 64

BODY_FIELDS = (
    "case_id",
    "case_seq",
    "kind",
    "payload",
    "media",
    "actors",
    "device_id",
    "op_id",
    "device_time",
    "hlc",
    "server_time",
    "location",
    "flags",
)


def canonical(value: Any) -> bytes:
    """RFC 8785 canonical JSON bytes (one implementation for signatures and hashes)."""
    return canonical_json(value)


def entry_hash(prev_hash: str, body: bytes) -> str:
    """``SHA-256(prev_hash || canonical_body)`` as lowercase hex."""
    return hashlib.sha256(bytes.fromhex(prev_hash) + body).hexdigest()


@dataclass(frozen=True)
class Finding:
    """One problem found in a chain."""

    case_id: str
    case_seq: int | None
    seq: int | None
    problem: str
    """``altered``, ``missing``, ``reordered``, ``truncated`` or ``mismatch``."""
    detail: str

    def __str__(self) -> str:
        where = f"entry #{self.case_seq}" if self.case_seq is not None else "chain"
        row = f" (row seq {self.seq})" if self.seq is not None else ""
        return f"case {self.case_id}: {where}{row}: {self.problem}: {self.detail}"


@dataclass(frozen=True)
class StoredEntry:
    """The stored columns of an entry, as verification needs them."""

    seq: int
    case_id: str
    case_seq: int
    kind: str
    body: str
    prev_hash: str
    hash: str


def verify_chain(
    case_id: str, entries: list[StoredEntry], *, expected_length: int | None, expected_head: str | None
) -> list[Finding]:
    """Check one case's entries (in stored order by case_seq) and report every discrepancy."""
    findings: list[Finding] = []
    prev = GENESIS
    expected_seq = 1
    for row in entries:
        body_bytes = row.body.encode()
        try:
            body = json.loads(row.body)
        except ValueError:
            findings.append(Finding(case_id, row.case_seq, row.seq, "altered", "body is not valid JSON"))
            prev = row.hash
            expected_seq = row.case_seq + 1
            continue
        if row.case_seq != expected_seq:
            if row.case_seq > expected_seq:
                missing = ", ".join(f"#{n}" for n in range(expected_seq, row.case_seq))
                findings.append(
                    Finding(case_id, expected_seq, None, "missing", f"entries {missing} are gone")
                )
            else:
                findings.append(
                    Finding(case_id, row.case_seq, row.seq, "reordered", f"sequence {row.case_seq} repeats")
                )
        if (
            body.get("case_id") != case_id
            or body.get("case_seq") != row.case_seq
            or body.get("kind") != row.kind
        ):
            findings.append(
                Finding(
                    case_id,
                    row.case_seq,
                    row.seq,
                    "reordered",
                    f"row says #{row.case_seq} ({row.kind}) but its hashed body says "
                    f"#{body.get('case_seq')} ({body.get('kind')}) of case {body.get('case_id')}",
                )
            )
        # The hash covers the stored bytes exactly; re-encoding them to check canonical form adds nothing
        # (a re-hashed rewrite still breaks the next link or the recorded head) and cost half the walk.
        if entry_hash(row.prev_hash, body_bytes) != row.hash:
            findings.append(
                Finding(case_id, row.case_seq, row.seq, "altered", "content does not match its hash")
            )
        if row.prev_hash != prev:
            findings.append(
                Finding(
                    case_id,
                    row.case_seq,
                    row.seq,
                    "reordered" if row.case_seq == expected_seq else "missing",
                    "previous-hash link is broken (an entry before it was removed, altered or moved)",
                )
            )
        prev = row.hash
        expected_seq = row.case_seq + 1
    if expected_length is not None and expected_length != len(entries) and expected_seq - 1 < expected_length:
        findings.append(
            Finding(
                case_id,
                expected_seq,
                None,
                "truncated",
                f"the case recorded {expected_length} entries but only {expected_seq - 1} remain at the end",
            )
        )
    if expected_head is not None and entries and not findings and expected_head != prev:
        findings.append(Finding(case_id, None, None, "mismatch", "chain head differs from the case's record"))
    return findings
