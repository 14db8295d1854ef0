"""Walk every chain in the database and report altered, missing or reordered entries."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from backend.db.models import Case, TrailEntry
from backend.db.models_sync import QuarantineChain
from backend.trail.chain import Finding, StoredEntry, verify_chain


async def verify_all(session: AsyncSession) -> tuple[int, int, list[Finding]]:
    """(cases checked, entries checked, findings) over the whole database."""
    heads: dict[str, tuple[int, str]] = {
        c.id: (c.trail_length, c.trail_head) for c in await session.scalars(select(Case))
    }
    # Quarantine chains (rejected ops of cases the pusher could not see) keep their heads too.
    heads |= {
        q.chain_id: (q.trail_length, q.trail_head) for q in await session.scalars(select(QuarantineChain))
    }
    case_ids = set(heads) | set(await session.scalars(select(col(TrailEntry.case_id)).distinct()))
    findings: list[Finding] = []
    entries_checked = 0
    seqs: list[int] = []
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
        seqs.extend(row.seq for row in rows)
        length, head = heads.get(case_id, (None, None))
        findings.extend(verify_chain(case_id, rows, expected_length=length, expected_head=head))
    findings.extend(global_gaps(seqs))
    return len(case_ids), entries_checked, findings


def global_gaps(seqs: list[int]) -> list[Finding]:
    """The global sequence is handed out gap-free under the write lock (``trail.service.allocate_seq``),
    so a hole means rows were removed — also when a whole case and its record went with them."""
    present = sorted(seqs)
    findings = []
    expected = 1
    for seq in present:
        if seq > expected:
            span = f"{expected}" if seq - 1 == expected else f"{expected}–{seq - 1}"
            findings.append(
                Finding("(all cases)", None, None, "missing", f"global sequence numbers {span} are gone")
            )
        expected = seq + 1
    return findings
