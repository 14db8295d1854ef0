"""The sync property again, end to end on the real database and the real case commands.

Random op sets (notes, concurrent field edits with random base_seq, invalid ops) from several devices of
two officers, split into random batches and delivered in random interleavings with retried batches, are
pushed twice — to two copies of the same case, in different orders. Each copy's trail must hold every op
exactly once, every chain must verify, and both copies must end in the same effective state.
"""

from __future__ import annotations

import random
import uuid
from collections import Counter
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlmodel import col
from synchelp import Device

from backend import sync_service
from backend.access import AuthUser
from backend.auth.service import auth_user_for
from backend.cases.commands import execute
from backend.clock import SystemClock
from backend.db.engine import Database
from backend.db.models import Case, TrailEntry, User
from backend.settings import Settings
from backend.trail.verify import verify_all

CAUSES = ["销售过期食品", "无照经营", "虚假宣传"]
PARTIES = [{"type": "person", "name": n} for n in ("甲", "乙", "丙")]

op_spec = st.one_of(
    st.tuples(st.just("note"), st.none(), st.integers(0, 2)),
    st.tuples(st.just("case_update"), st.sampled_from(["cause", "party"]), st.integers(0, 2)),
    st.tuples(st.just("bogus_stage"), st.none(), st.integers(0, 2)),
)


async def _users(db: Database) -> list[AuthUser]:
    async with db.session() as session:
        rows = await session.scalars(select(User).where(col(User.username).in_(["officer1", "officer2"])))
        return [await auth_user_for(session, u) for u in sorted(rows, key=lambda u: u.username)]


def _payload(kind: str, field: str | None, value: int) -> tuple[str, dict[str, Any]]:
    if kind == "note":
        return "note", {"text": f"记录 {value}"}
    if kind == "bogus_stage":
        return "stage_transition", {"to": "archiving"}  # skips stages: always a business rejection
    return "case_update", {"fields": {field: CAUSES[value] if field == "cause" else PARTIES[value]}}


async def _run_copy(
    db: Database,
    settings: Settings,
    users: list[AuthUser],
    specs: list[list[tuple[str, Any, int]]],
    bases: list[list[int]],
    rng: random.Random,
) -> tuple[str, list[str]]:
    clock = SystemClock()
    case_id = str(uuid.uuid4())
    async with db.write() as session:
        await execute(
            session,
            user=users[0],
            case_id=case_id,
            kind="case_open",
            clock=clock,
            payload={
                "procedure_type": "administrative_penalty",
                "cause": "初始案由",
                "party": PARTIES[0],
                "officer_ids": [u.id for u in users],
            },
        )
    devices, queues, op_ids = [], [], []
    for index, device_specs in enumerate(specs):
        device, owner = Device(), users[index % 2]
        await sync_service.register_device(
            db,
            user=owner,
            device_id=device.device_id,
            public_key=device.public_key_b64,
            label=None,
            clock=clock,
        )
        ops = []
        for position, ((kind, field, value), base) in enumerate(zip(device_specs, bases[index], strict=True)):
            op_kind, payload = _payload(kind, field, value)
            # Deterministic, distinct HLCs shared by both copies: the merge winner must not depend on order.
            hlc = f"{1_767_225_600_000 + (position * 10 + index) * 1000:015d}:00000:d{index}"
            ops.append(device.op(case_id, op_kind, payload, base_seq=base, hlc=hlc))
        devices.append((device, owner))
        queues.append(ops)
        op_ids += [op["op_id"] for op in ops]
    acked = [0] * len(queues)
    while any(acked[i] < len(q) for i, q in enumerate(queues)):
        i = rng.choice([i for i, q in enumerate(queues) if acked[i] < len(q)])
        start = acked[i] if rng.random() > 0.3 else max(0, acked[i] - rng.randint(1, 3))  # a retried batch
        batch = queues[i][start : start + rng.randint(1, 4)]
        device, owner = devices[i]
        outcome = await sync_service.push(
            db, user=owner, device_id=device.device_id, raw_ops=batch, clock=clock, settings=settings
        )
        acked[i] = max(acked[i], outcome.last_acked_seq)
    return case_id, op_ids


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    specs=st.lists(st.lists(op_spec, min_size=1, max_size=6), min_size=1, max_size=3),
    data=st.data(),
)
async def test_real_backend_answers_every_op_once_with_order_independent_state(
    db: Database, settings: Settings, specs: list[list[tuple[str, Any, int]]], data: st.DataObject
) -> None:
    users = await _users(db)
    bases = [data.draw(st.lists(st.integers(0, 4), min_size=len(s), max_size=len(s))) for s in specs]
    seed_a, seed_b = data.draw(st.integers(0, 2**32)), data.draw(st.integers(0, 2**32))
    first = await _run_copy(db, settings, users, specs, bases, random.Random(seed_a))
    second = await _run_copy(db, settings, users, specs, bases, random.Random(seed_b))
    states = []
    async with db.session() as session:
        for case_id, op_ids in (first, second):
            rows = await session.scalars(select(TrailEntry).where(col(TrailEntry.case_id) == case_id))
            seen = Counter(e.op_id for e in rows if e.op_id)
            assert seen == Counter(op_ids)  # every op exactly once: applied, merged, conflict or rejected
            case = await session.get(Case, case_id)
            assert case is not None
            states.append((case.cause, case.party))
        assert (await verify_all(session))[2] == []
    assert states[0] == states[1]
