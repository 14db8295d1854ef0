"""Walk every chain in the database and report altered, missing or reordered entries."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from backend.db.models import Case, TrailEntry
from backend.trail.chain import Finding, StoredEntry, verify_chain


async def verify_all(session: AsyncSession) -> tuple[int, int, list[Finding]]:
    """(cases checked, entries checked, findings) over the whole database."""
    cases = {c.id: c for c in await session.scalars(select(Case))}
    case_ids = set(cases) | set(await session.scalars(select(col(TrailEntry.case_id)).distinct()))
    findings: list[Finding] = []
    entries_checked = 0
    for case_id in sorted(case_ids):
        result = await session.execute(
            select(
                col(TrailEntry.seq),
                col(TrailEntry.case_id),
                col(TrailEntry.case_seq),
                col(TrailEntry.kind),
                col(TrailEntry.body),
                col(TrailEntry.prev_hash),
                col(TrailEntry.hash),
            )
            .where(col(TrailEntry.case_id) == case_id)
            .order_by(col(TrailEntry.case_seq), col(TrailEntry.seq))
        )
        rows = [
            StoredEntry(int(seq or 0), cid, case_seq, kind, body, prev, digest)
            for seq, cid, case_seq, kind, body, prev, digest in result.tuples()
        ]
        entries_checked += len(rows)
        case = cases.get(case_id)
        findings.extend(
            verify_chain(
                case_id,
                rows,
                expected_length=case.trail_length if case else None,
                expected_head=case.trail_head if case else None,
            )
        )
    return len(case_ids), entries_checked, findings
