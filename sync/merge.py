"""Merge rule for mutable case fields (DESIGN §4): appends never conflict; fields resolve by later HLC."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

APPLIED = "applied"
MERGED = "merged"
CONFLICT = "conflict"


@dataclass(frozen=True)
class FieldWrite:
    """One write of one field."""

    value: Any
    case_seq: int
    hlc: str
    author_id: str
    device_time: str | None
    op_id: str | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "case_seq": self.case_seq,
            "hlc": self.hlc,
            "author_id": self.author_id,
            "device_time": self.device_time,
            "op_id": self.op_id,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FieldWrite:
        return cls(
            value=data["value"],
            case_seq=int(data["case_seq"]),
            hlc=str(data["hlc"]),
            author_id=str(data["author_id"]),
            device_time=data.get("device_time"),
            op_id=data.get("op_id"),
        )

    def order_key(self) -> tuple[str, str]:
        return (self.hlc, self.op_id or "")


@dataclass
class FieldConflict:
    """Two concurrent writes of one field with different values."""

    field: str
    theirs: FieldWrite
    ours: FieldWrite
    effective: Any


@dataclass
class MergeOutcome:
    """Result of merging one op's field changes into the current versions."""

    status: str
    versions: dict[str, Any]
    """New field → FieldWrite dict map (the effective writes)."""
    effective: dict[str, Any]
    """Field → effective value after the merge, for every field the op touched."""
    conflicts: list[FieldConflict] = field(default_factory=list)


def merge_fields(
    versions: Mapping[str, Any], changes: Mapping[str, Any], write: FieldWrite, *, base_seq: int
) -> MergeOutcome:
    """Merge ``changes`` (made by ``write``'s author having seen up to ``base_seq``) into ``versions``.

    ``write.case_seq`` is the sequence of the entry recording this write; a stored write with a
    case_seq above ``base_seq`` was made concurrently.
    The effective value of a field is always the write with the greatest (HLC, op_id), so the final state
    is the same whatever order ops arrive in.
    """
    new_versions = dict(versions)
    effective: dict[str, Any] = {}
    conflicts: list[FieldConflict] = []
    for name, value in changes.items():
        ours = FieldWrite(value, write.case_seq, write.hlc, write.author_id, write.device_time, write.op_id)
        stored = versions.get(name)
        if stored is None:
            new_versions[name] = ours.as_dict()
            effective[name] = value
            continue
        theirs = FieldWrite.from_dict(stored)
        winner = ours if ours.order_key() > theirs.order_key() else theirs
        new_versions[name] = winner.as_dict()
        effective[name] = winner.value
        if theirs.case_seq > base_seq and theirs.value != value:
            conflicts.append(FieldConflict(name, theirs, ours, winner.value))
    concurrent_other = any(
        FieldWrite.from_dict(v).case_seq > base_seq for k, v in versions.items() if k not in changes
    )
    status = CONFLICT if conflicts else MERGED if concurrent_other else APPLIED
    return MergeOutcome(status=status, versions=new_versions, effective=effective, conflicts=conflicts)
