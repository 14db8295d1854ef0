"""An in-memory system of record for exercising the pure push engine without a database."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sync.canonical import canonical_json
from sync.op import Op
from sync.push import OpResult, Status, SyncStore

GENESIS = "0" * 64


class Refused(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass
class MemoryTrail:
    """Hash-chained entries per chain, one global sequence."""

    entries: list[dict[str, Any]] = field(default_factory=list)
    heads: dict[str, tuple[int, str]] = field(default_factory=dict)

    def append(self, chain: str, kind: str, payload: dict[str, Any], op_id: str) -> tuple[int, int, str]:
        length, head = self.heads.get(chain, (0, GENESIS))
        body = {"case_id": chain, "case_seq": length + 1, "kind": kind, "payload": payload, "op_id": op_id}
        digest = hashlib.sha256(bytes.fromhex(head) + canonical_json(body)).hexdigest()
        seq = len(self.entries) + 1
        self.entries.append({"seq": seq, **body, "prev_hash": head, "hash": digest})
        self.heads[chain] = (length + 1, digest)
        return seq, length + 1, digest

    def verify(self) -> bool:
        heads: dict[str, tuple[int, str]] = {}
        for entry in self.entries:
            length, head = heads.get(entry["case_id"], (0, GENESIS))
            body = {k: entry[k] for k in ("case_id", "case_seq", "kind", "payload", "op_id")}
            if entry["case_seq"] != length + 1 or entry["prev_hash"] != head:
                return False
            if hashlib.sha256(bytes.fromhex(head) + canonical_json(body)).hexdigest() != entry["hash"]:
                return False
            heads[entry["case_id"]] = (length + 1, entry["hash"])
        return heads == self.heads


Decide = Callable[[Op], tuple[Status, str, dict[str, Any]]]


def accept_all(op: Op) -> tuple[Status, str, dict[str, Any]]:
    return Status.APPLIED, op.kind, op.payload


@dataclass
class MemoryStore(SyncStore):
    """Implements the engine's store; ``decide`` plays the role of the case commands."""

    trail: MemoryTrail = field(default_factory=MemoryTrail)
    decide: Decide = accept_all
    acked: dict[str, int] = field(default_factory=dict)
    answers: dict[tuple[str, int], OpResult] = field(default_factory=dict)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    """Plays the serialised write transaction."""

    async def last_acked_seq(self, device_id: str) -> int:
        await asyncio.sleep(0)  # let concurrent pushes interleave wherever they could
        return self.acked.get(device_id, 0)

    async def stored_results(self, device_id: str, seqs: Sequence[int]) -> Mapping[int, OpResult]:
        return {s: self.answers[(device_id, s)] for s in seqs if (device_id, s) in self.answers}

    async def op_ids_seen(self, op_ids: Sequence[str]) -> set[str]:
        known = {r.op_id for r in self.answers.values()}
        return {i for i in op_ids if i in known}

    async def apply(self, op: Op) -> OpResult:
        await asyncio.sleep(0)
        try:
            status, kind, payload = self.decide(op)
        except Refused as exc:
            return await self.reject(op, code=exc.code, reason=exc.code)
        seq, case_seq, digest = self.trail.append(op.case_id, kind, payload, op.op_id)
        return OpResult(op.op_id, op.device_seq, status, seq, case_seq, digest)

    async def reject(self, op: Op, *, code: str, reason: str) -> OpResult:
        payload = {"op": op.to_json(), "code": code, "reason": reason}
        seq, case_seq, digest = self.trail.append(op.case_id, "rejected", payload, op.op_id)
        return OpResult(op.op_id, op.device_seq, Status.REJECTED, seq, case_seq, digest, reason, code)

    async def record(self, device_id: str, results: Sequence[OpResult], last_acked_seq: int) -> None:
        for result in results:
            self.answers[(device_id, result.device_seq)] = result
        self.acked[device_id] = last_acked_seq
