"""Property: whatever the devices, batch splits, retries, duplicates and interleavings, every op is answered
exactly once, chains verify, and the effective case state does not depend on arrival order."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from memstore import MemoryStore, Refused
from synchelp import Device

from sync.merge import FieldWrite, merge_fields
from sync.op import Op, parse_op
from sync.push import Status, push_batch

CASE = "0197f000-0000-7000-8000-0000000000aa"
FIELDS = ("cause", "party", "is_major")


class CaseModel:
    """Plays the case commands: notes append, updates merge by the shared rule, 'bogus' is refused."""

    def __init__(self, store: MemoryStore) -> None:
        self.store = store
        self.versions: dict[str, Any] = {}

    def decide(self, op: Op) -> tuple[Status, str, dict[str, Any]]:
        if op.kind == "bogus":
            raise Refused("unknown_kind")
        if op.kind == "note":
            return Status.APPLIED, "note", op.payload
        length = self.store.trail.heads.get(CASE, (0, ""))[0]
        write = FieldWrite(None, length + 1, op.hlc, op.device_id, op.device_time, op.op_id)
        outcome = merge_fields(self.versions, op.payload["fields"], write, base_seq=min(op.base_seq, length))
        self.versions = outcome.versions
        kind = {"applied": "case_update", "merged": "merged", "conflict": "conflict"}[outcome.status]
        return Status(outcome.status), kind, {"fields": op.payload["fields"], "effective": outcome.effective}

    def effective(self) -> dict[str, Any]:
        return {name: v["value"] for name, v in self.versions.items()}


op_spec = st.one_of(
    st.tuples(st.just("note"), st.none(), st.none()),
    st.tuples(st.just("bogus"), st.none(), st.none()),
    st.tuples(st.just("case_update"), st.sampled_from(FIELDS), st.integers(0, 2)),
)


def make_ops(specs: list[list[tuple[str, Any, Any]]], bases: list[list[int]]) -> list[list[Op]]:
    out = []
    for device_specs, device_bases in zip(specs, bases, strict=True):
        device = Device()
        ops = []
        for (kind, field, value), base in zip(device_specs, device_bases, strict=True):
            payload: dict[str, Any] = (
                {"text": "记录"} if kind != "case_update" else {"fields": {field: value}}
            )
            ops.append(parse_op(device.op(CASE, kind, payload, base_seq=base)))
        out.append(ops)
    return out


async def deliver(
    per_device: list[list[Op]], schedule: list[tuple[int, int, int]]
) -> tuple[MemoryStore, CaseModel]:
    """Push the scheduled (device, start, length) slices concurrently, then drain every queue in order."""
    store = MemoryStore()
    model = CaseModel(store)
    store.decide = model.decide

    async def one(device: int, start: int, length: int) -> None:
        ops = per_device[device][start : start + length]
        if ops:
            async with store.lock:
                await push_batch(store, ops[0].device_id, ops)

    await asyncio.gather(*(one(d % len(per_device), s, n) for d, s, n in schedule))
    for ops in per_device:  # the client retries from its last acknowledged seq until the queue is empty
        while ops and store.acked.get(ops[0].device_id, 0) < len(ops):
            await one(per_device.index(ops), store.acked.get(ops[0].device_id, 0), 7)
    return store, model


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    specs=st.lists(st.lists(op_spec, min_size=1, max_size=8), min_size=1, max_size=3),
    data=st.data(),
)
def test_every_op_is_answered_exactly_once_and_state_is_order_independent(
    specs: list[list[tuple[str, Any, Any]]], data: st.DataObject
) -> None:
    bases = [data.draw(st.lists(st.integers(0, 6), min_size=len(s), max_size=len(s))) for s in specs]
    per_device = make_ops(specs, bases)
    schedule = st.lists(st.tuples(st.integers(0, 5), st.integers(0, 8), st.integers(1, 5)), max_size=12)
    first_store, first_model = asyncio.run(deliver(per_device, data.draw(schedule)))
    second_store, second_model = asyncio.run(deliver(list(reversed(per_device)), data.draw(schedule)))

    every = Counter(op.op_id for ops in per_device for op in ops)
    for store in (first_store, second_store):
        assert Counter(e["op_id"] for e in store.trail.entries) == every
        assert store.trail.verify()
        kinds = {e["op_id"]: e["kind"] for e in store.trail.entries}
        assert all(kinds[op.op_id] == "rejected" for ops in per_device for op in ops if op.kind == "bogus")
        assert all(store.acked[ops[0].device_id] == len(ops) for ops in per_device)
    assert first_model.effective() == second_model.effective()
