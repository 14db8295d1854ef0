"""Walk every chain in the database and report altered, missing or reordered entries."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import Case, TrailEntry
from backend.trail.chain import Finding, StoredEntry, verify_chain


async def verify_all(session: AsyncSession) -> tuple[int, int, list[Finding]]:
    """(cases checked, entries checked, findings) over the whole database."""
    cases = {c.id: c for c in await session.scalars(select(Case))}
    case_ids = set(cases) | set(await session.scalars(select(TrailEntry.case_id).distinct()))
    findings: list[Finding] = []
    entries_checked = 0
    for case_id in sorted(case_ids):
        result = await session.execute(
            select(
                TrailEntry.seq, TrailEntry.case_id, TrailEntry.case_seq, TrailEntry.kind, TrailEntry.body,
                TrailEntry.prev_hash, TrailEntry.hash,
            )
            .where(TrailEntry.case_id == case_id)  # type: ignore[arg-type]
            .order_by(TrailEntry.case_seq, TrailEntry.seq)  # type: ignore[arg-type]
        )
        rows = [StoredEntry(*row) for row in result.tuples()]
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
