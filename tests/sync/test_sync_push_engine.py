"""The pure push engine: exactly-once answers, gaps, refusals (no database, no HTTP)."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import pytest
from memstore import MemoryStore, Refused
from synchelp import Device

from sync.op import Op, parse_op
from sync.push import Status, SyncRefused, check_batch, push_batch
from sync.signing import load_public_key, sign_op

CASE = "0197f000-0000-7000-8000-000000000001"


def ops_of(device: Device, n: int) -> list[Op]:
    return [parse_op(device.op(CASE, "note", {"text": f"第{i}条"})) for i in range(n)]


async def locked_push(store: MemoryStore, device_id: str, ops: list[Op]) -> Any:
    async with store.lock:
        return await push_batch(store, device_id, ops)


async def test_fresh_ops_are_applied_in_order_and_acknowledged() -> None:
    device, store = Device(), MemoryStore()
    outcome = await locked_push(store, device.device_id, ops_of(device, 3))
    assert [r.status for r in outcome.results] == [Status.APPLIED] * 3
    assert [r.case_seq for r in outcome.results] == [1, 2, 3]
    assert outcome.last_acked_seq == 3
    assert outcome.expected_seq is None


async def test_retried_batch_returns_the_stored_answers_as_duplicates() -> None:
    device, store = Device(), MemoryStore()
    ops = ops_of(device, 3)
    first = await locked_push(store, device.device_id, ops)
    again = await locked_push(store, device.device_id, ops)
    assert [r.status for r in again.results] == [Status.DUPLICATE] * 3
    assert [(r.seq, r.hash) for r in again.results] == [(r.seq, r.hash) for r in first.results]
    assert {r.original_status for r in again.results} == {Status.APPLIED}
    assert len(store.trail.entries) == 3


async def test_overlapping_batch_answers_old_ops_and_applies_new_ones() -> None:
    device, store = Device(), MemoryStore()
    ops = ops_of(device, 5)
    await locked_push(store, device.device_id, ops[:3])
    outcome = await locked_push(store, device.device_id, ops[1:])
    assert [r.status for r in outcome.results] == [Status.DUPLICATE] * 2 + [Status.APPLIED] * 2
    assert len(store.trail.entries) == 5


async def test_gap_stops_the_batch_with_the_expected_seq() -> None:
    device, store = Device(), MemoryStore()
    ops = ops_of(device, 5)
    outcome = await locked_push(store, device.device_id, [ops[0], ops[1], ops[3], ops[4]])
    assert [r.device_seq for r in outcome.results] == [1, 2]
    assert outcome.expected_seq == 3
    outcome = await locked_push(store, device.device_id, ops[3:])
    assert outcome.results == []
    assert outcome.expected_seq == 3


async def test_business_rejection_is_kept_whole_and_the_seq_advances() -> None:
    device = Device()

    def decide(op: Op) -> Any:
        if op.payload["text"] == "第1条":
            raise Refused("case_closed")
        return Status.APPLIED, op.kind, op.payload

    store = MemoryStore(decide=decide)
    ops = ops_of(device, 3)
    outcome = await locked_push(store, device.device_id, ops)
    assert [r.status for r in outcome.results] == [Status.APPLIED, Status.REJECTED, Status.APPLIED]
    assert outcome.results[1].code == "case_closed"
    assert store.trail.entries[1]["payload"]["op"] == ops[1].to_json()
    assert outcome.last_acked_seq == 3


async def test_same_seq_with_another_op_is_refused() -> None:
    device, store = Device(), MemoryStore()
    ops = ops_of(device, 1)
    await locked_push(store, device.device_id, ops)
    device.seq = 0
    other = ops_of(device, 1)
    with pytest.raises(SyncRefused) as info:
        await locked_push(store, device.device_id, other)
    assert info.value.code == "device_seq_reused"


async def test_op_id_reused_under_a_new_seq_is_kept_as_rejected_not_applied_twice() -> None:
    device, store = Device(), MemoryStore()
    first = ops_of(device, 1)[0]
    await locked_push(store, device.device_id, [first])
    again = parse_op(sign_op(device.key, {**first.unsigned(), "device_seq": 2}))
    outcome = await locked_push(store, device.device_id, [again])
    assert outcome.results[0].status == Status.REJECTED
    assert outcome.results[0].code == "op_id_reused"


async def test_concurrent_retries_of_one_batch_apply_each_op_once() -> None:
    device, store = Device(), MemoryStore()
    ops = ops_of(device, 20)
    outcomes = await asyncio.gather(
        *(locked_push(store, device.device_id, ops[i:]) for i in (0, 0, 5, 10, 0))
    )
    assert len(store.trail.entries) == 20
    assert Counter(e["op_id"] for e in store.trail.entries) == Counter(op.op_id for op in ops)
    assert all(o.last_acked_seq == 20 for o in outcomes)
    assert store.trail.verify()


def test_check_batch_refuses_foreign_ops_disorder_and_bad_signatures() -> None:
    device, other = Device(), Device()
    key = load_public_key(device.public_key_b64)
    ops = ops_of(device, 2)
    check_batch(device.device_id, ops, key)
    with pytest.raises(SyncRefused) as info:
        check_batch(device.device_id, [*ops, *ops_of(other, 1)], key)
    assert info.value.code == "device_mismatch"
    with pytest.raises(SyncRefused) as info:
        check_batch(device.device_id, [ops[1], ops[0]], key)
    assert info.value.code == "batch_order"
    tampered = parse_op({**ops[1].to_json(), "payload": {"text": "改过"}})
    with pytest.raises(SyncRefused) as info:
        check_batch(device.device_id, [ops[0], tampered], key)
    assert info.value.code == "signature_invalid"
    assert info.value.extra["device_seq"] == 2
