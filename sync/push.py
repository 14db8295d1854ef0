"""Push handling: exactly-once, in-order application of a device's ops (DESIGN §4).

The engine knows nothing of cases or databases: the backend passes a :class:`SyncStore` that applies one op
(writing an applied/merged/conflict/rejected entry) and persists per-op answers. The caller runs
:func:`push_batch` inside one serialised write transaction, so concurrent retries of the same batch see each
other's answers and the device sequence never forks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any, Protocol

from cryptography.hazmat.primitives.asymmetric import ec

from sync.op import Op
from sync.signing import verify_op


class Status(StrEnum):
    """What became of one pushed op."""

    APPLIED = "applied"
    MERGED = "merged"
    CONFLICT = "conflict"
    REJECTED = "rejected"
    DUPLICATE = "duplicate"


@dataclass(frozen=True, slots=True)
class OpResult:
    """The server's answer for one op: the entry that now holds it."""

    op_id: str
    device_seq: int
    status: Status
    seq: int
    """Global server sequence of the entry."""
    case_seq: int
    """Per-case sequence of the entry."""
    hash: str
    reason: str | None = None
    code: str | None = None
    original_status: Status | None = None
    """For a ``duplicate``: the status the op got when it was first applied."""

    def as_duplicate(self) -> OpResult:
        """The stored answer, returned again for a retried op."""
        return replace(self, status=Status.DUPLICATE, original_status=self.original_status or self.status)

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "op_id": self.op_id,
            "device_seq": self.device_seq,
            "status": self.status.value,
            "seq": self.seq,
            "case_seq": self.case_seq,
            "hash": self.hash,
        }
        if self.reason is not None:
            body["reason"] = self.reason
        if self.code is not None:
            body["code"] = self.code
        if self.original_status is not None:
            body["original_status"] = self.original_status.value
        return body


class SyncRefused(Exception):
    """The batch is refused as a whole; becomes an RFC 9457 problem at the edge."""

    def __init__(self, code: str, detail: str, *, status: int, **extra: Any) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.status = status
        self.extra = extra


@dataclass(frozen=True, slots=True)
class PushOutcome:
    """Answers for the ops handled, in order; ``expected_seq`` is set when a gap stopped the batch."""

    results: list[OpResult]
    last_acked_seq: int
    expected_seq: int | None = None


class SyncStore(Protocol):
    """What the engine needs from the system of record, all within one write transaction."""

    async def last_acked_seq(self, device_id: str) -> int:
        """Highest device_seq already answered for the device (0 if none)."""
        ...

    async def stored_results(self, device_id: str, seqs: Sequence[int]) -> Mapping[int, OpResult]:
        """The stored answers for already-answered sequences."""
        ...

    async def op_ids_seen(self, op_ids: Sequence[str]) -> set[str]:
        """Which of these op ids already hold an answer (under any device sequence)."""
        ...

    async def apply(self, op: Op) -> OpResult:
        """Apply one op, or record it as ``rejected``; never raise for a business refusal."""
        ...

    async def reject(self, op: Op, *, code: str, reason: str) -> OpResult:
        """Record the whole op as a ``rejected`` entry."""
        ...

    async def record(self, device_id: str, results: Sequence[OpResult], last_acked_seq: int) -> None:
        """Persist the new answers and advance the device's acknowledged sequence."""
        ...


def check_batch(device_id: str, ops: Sequence[Op], public_key: ec.EllipticCurvePublicKey) -> None:
    """Refuse a batch with ops of another device, out of order, or with a bad signature.

    Pure CPU work: run it before taking the write lock.
    """
    previous = 0
    for op in ops:
        if op.device_id != device_id:
            raise SyncRefused(
                "device_mismatch",
                f"op {op.op_id} was made on device {op.device_id}, not on the pushing device {device_id}",
                status=403,
                op_id=op.op_id,
                device_seq=op.device_seq,
            )
        if op.device_seq <= previous:
            raise SyncRefused(
                "batch_order",
                "ops of a batch must be in strictly increasing device_seq order",
                status=422,
                device_seq=op.device_seq,
            )
        previous = op.device_seq
    for op in ops:
        if not verify_op(public_key, op):
            raise SyncRefused(
                "signature_invalid",
                f"op {op.op_id} (device_seq {op.device_seq}) does not carry a valid signature "
                "by the key registered for this device",
                status=403,
                op_id=op.op_id,
                device_seq=op.device_seq,
            )


async def push_batch(store: SyncStore, device_id: str, ops: Sequence[Op]) -> PushOutcome:
    """Answer every op of a checked batch exactly once; stop at the first gap."""
    last = await store.last_acked_seq(device_id)
    seen = [op.device_seq for op in ops if op.device_seq <= last]
    stored = await store.stored_results(device_id, seen) if seen else {}
    new_ids = [op.op_id for op in ops if op.device_seq > last]
    used = await store.op_ids_seen(new_ids) if new_ids else set()
    results: list[OpResult] = []
    fresh: list[OpResult] = []
    expected_seq: int | None = None
    for op in ops:
        if op.device_seq <= last:
            previous = stored.get(op.device_seq)
            if previous is None:
                raise RuntimeError(f"device {device_id} acknowledged seq {op.device_seq} without an answer")
            if previous.op_id != op.op_id:
                raise SyncRefused(
                    "device_seq_reused",
                    f"device_seq {op.device_seq} already holds op {previous.op_id}, not {op.op_id}",
                    status=409,
                    device_seq=op.device_seq,
                    op_id=op.op_id,
                )
            results.append(previous.as_duplicate())
        elif op.device_seq == last + 1:
            if op.op_id in used:
                # A new sequence number carrying an op id already answered: keep it, never apply it twice.
                result = await store.reject(
                    op, code="op_id_reused", reason=f"op_id {op.op_id} was already answered under another seq"
                )
            else:
                result = await store.apply(op)
            used.add(op.op_id)
            results.append(result)
            fresh.append(result)
            last = op.device_seq
        else:
            expected_seq = last + 1
            break
    if fresh:
        await store.record(device_id, fresh, last)
    return PushOutcome(results=results, last_acked_seq=last, expected_seq=expected_seq)
