"""The public views of a case (contract ``Case``), computed from the projection row."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from backend.clock import isoformat, parse_time
from backend.db.models import Case
from backend.procedures.templates import EX_OFFICIO, PROCEDURE_TYPES

DECIDE_WITHIN_DAYS = 90  # 处罚法 §60


def deadlines(case: Case) -> list[dict[str, Any]]:
    """Statutory deadlines that follow from the case's records (the reminder engine builds on this)."""
    out: list[dict[str, Any]] = []
    if (
        case.filed_at
        and case.procedure_kind == EX_OFFICIO
        and not case.closed
        and not case.records.get("decision_document")
    ):
        due = parse_time(case.filed_at) + timedelta(days=DECIDE_WITHIN_DAYS)
        out.append({"code": "decide", "name": "作出处理决定（立案后 90 日）", "due": isoformat(due)})
    return out


def case_view(case: Case, stages: list[dict[str, Any]], *, with_stages: bool = True) -> dict[str, Any]:
    """The contract ``Case``; list pages leave out ``stages`` (the same for every case of a type and
    department, and served once by ``GET /api/procedures``)."""
    stage_name = next((s["name"] for s in stages if s["code"] == case.stage), case.stage)
    return {
        "id": case.id,
        "case_no": case.case_no,
        "department_id": case.department_id,
        "procedure_type": case.procedure_type,
        "procedure_type_name": PROCEDURE_TYPES[case.procedure_type][1],
        "procedure_kind": case.procedure_kind,
        "cause": case.cause,
        "party": case.party,
        "officer_ids": case.officer_ids,
        "stage": case.stage,
        "stage_name": stage_name,
        "stages": stages if with_stages else None,
        "records": {form: len(seqs) for form, seqs in case.records.items()},
        "is_major": case.is_major,
        "has_unresolved_conflict": case.has_unresolved_conflict,
        "open_conflicts": case.open_conflicts,
        "closed": case.closed,
        "trail_length": case.trail_length,
        "trail_head": case.trail_head,
        "deadlines": deadlines(case),
        "filed_at": case.filed_at,
        "created_at": case.created_at,
        "updated_at": case.updated_at,
    }
