"""Pull never skips an entry that a slower transaction commits late (forced ordering, both backends)."""

from __future__ import annotations

import asyncio

from backend import sync_service
from backend.cases.commands import execute
from backend.clock import SystemClock
from backend.db.engine import Database
from backend.demo import _user, demo_id


async def test_pull_never_skips_an_entry_committed_late_by_a_slower_transaction(db: Database) -> None:
    clock = SystemClock()
    async with db.session() as session:
        officer = await _user(session, "officer1")
    case_a, case_b = demo_id("case:0"), demo_id("case:1")
    start = await sync_service.pull(db, user=officer, cursor=0, limit=1000, device_id=None)
    while start["more"]:
        start = await sync_service.pull(db, user=officer, cursor=start["cursor"], limit=1000, device_id=None)
    cursor0 = start["cursor"]

    appended = asyncio.Event()
    release = asyncio.Event()
    order: list[str] = []

    async def slow() -> int:
        async with db.write() as session:
            done = await execute(
                session, user=officer, case_id=case_a, kind="note", payload={"text": "慢事务"}, clock=clock
            )
            appended.set()
            await release.wait()
            order.append("slow")
            assert done.entry.seq is not None
            return done.entry.seq

    async def fast() -> int:
        await appended.wait()
        async with db.write() as session:
            done = await execute(
                session, user=officer, case_id=case_b, kind="note", payload={"text": "快事务"}, clock=clock
            )
            order.append("fast")
            assert done.entry.seq is not None
            return done.entry.seq

    slow_task = asyncio.create_task(slow())
    fast_task = asyncio.create_task(fast())
    await appended.wait()
    await asyncio.sleep(0.3)  # the fast append is now waiting on the write lock, behind the slow one
    during = await sync_service.pull(db, user=officer, cursor=cursor0, limit=1000, device_id=None)
    assert during["entries"] == []
    assert during["cursor"] == cursor0
    release.set()
    slow_seq, fast_seq = await slow_task, await fast_task
    assert order == ["slow", "fast"]
    assert fast_seq > slow_seq  # global sequence equals commit order

    after = await sync_service.pull(db, user=officer, cursor=during["cursor"], limit=1000, device_id=None)
    assert [e["seq"] for e in after["entries"]] == [slow_seq, fast_seq]
    assert [e["payload"]["text"] for e in after["entries"]] == ["慢事务", "快事务"]
