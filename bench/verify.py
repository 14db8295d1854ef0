"""Full trail verification vs hashlib SHA-256 over the same bytes (DESIGN §8: ≥ 50% of hashlib throughput).

Run: ``.venv/bin/python bench/verify.py [--entries 50000] [--backend sqlite|postgres]``.
Builds a database with ``--entries`` trail entries (notes on 100 cases, through the real case commands),
then times ``liuhen verify``'s walk (``verify_all``: read every row, parse, re-hash, check links) and, in the
same run, plain ``hashlib.sha256`` over the same stored bodies (the floor any verifier pays).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import sys
import time
import uuid
from pathlib import Path

from sqlalchemy import select, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scratch import scratch_database  # noqa: E402

from backend.auth.service import auth_user_for  # noqa: E402
from backend.cases.commands import execute  # noqa: E402
from backend.clock import SystemClock  # noqa: E402
from backend.db.engine import Database  # noqa: E402
from backend.db.migrate import upgrade  # noqa: E402
from backend.db.models import User  # noqa: E402
from backend.demo import create_demo  # noqa: E402
from backend.trail.verify import verify_all  # noqa: E402

PG_BASE = os.environ.get("LIUHEN_BENCH_PG", "postgresql+asyncpg://postgres@127.0.0.1:5432")


async def build(db: Database, entries: int) -> None:
    clock = SystemClock()
    await create_demo(db, clock)
    async with db.session() as session:
        user = await auth_user_for(
            session, (await session.scalars(select(User).where(User.username == "officer1"))).one()
        )
    cases = [str(uuid.uuid4()) for _ in range(100)]
    per_case = max(1, entries // len(cases))
    for case_id in cases:
        async with db.write() as session:
            await execute(
                session,
                user=user,
                case_id=case_id,
                kind="case_open",
                clock=clock,
                payload={
                    "procedure_type": "administrative_penalty",
                    "cause": "核验基准",
                    "party": {"type": "person", "name": "甲"},
                    "officer_ids": [],
                },
            )
            for i in range(per_case - 1):
                await execute(
                    session,
                    user=user,
                    case_id=case_id,
                    kind="note",
                    payload={"text": f"现场记录 {i}：" + "检查情况" * 20},
                    clock=clock,
                )


async def main(entries: int, backend: str) -> None:
    async with scratch_database(backend) as (url, _tmp):
        upgrade(url)
        db = Database(url)
        try:
            await build(db, entries)
            async with db.session() as session:
                bodies = [
                    row[0].encode() for row in await session.execute(text("SELECT body FROM trail_entry"))
                ]
                started = time.perf_counter()
                cases, checked, findings = await verify_all(session)
                verify_s = time.perf_counter() - started
            assert not findings, findings[:3]
            size = sum(len(b) for b in bodies)
            started = time.perf_counter()
            for body in bodies:
                hashlib.sha256(bytes(32) + body).hexdigest()
            hash_s = time.perf_counter() - started
        finally:
            await db.dispose()
    mb = size / 1e6
    print(
        f"{backend}: verify {checked} entries of {cases} chains ({mb:.1f} MB) in {verify_s:.2f}s = "
        f"{mb / verify_s:.1f} MB/s | hashlib sha256 alone {mb / hash_s:.1f} MB/s | "
        f"ratio {hash_s / verify_s:.0%}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entries", type=int, default=50_000)
    parser.add_argument("--backend", default="sqlite")
    args = parser.parse_args()
    asyncio.run(main(args.entries, args.backend))
