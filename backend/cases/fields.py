"""Mutable case fields: validation, the merge of concurrent edits (DESIGN §4) and resolving conflicts."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from backend.access import LEADER, AuthUser
from backend.cases.result import CommandResult
from backend.cases.schemas import Party
from backend.clock import Clock
from backend.db.models import Case, TrailEntry, User
from backend.errors import DomainError, Forbidden
from backend.trail.service import EntryMeta, append_entry
from sync.hlc import HLC
from sync.merge import FieldWrite, merge_fields

MUTABLE_FIELDS = frozenset({"cause", "party", "officer_ids", "is_major"})


def set_field(case: Case, name: str, value: Any) -> None:
    """Set a mutable field on the projection (keeping the search text in step)."""
    setattr(case, name, value)
    if name == "party":
        case.party_text = f"{value.get('name', '')} {value.get('id_no') or ''}"


def server_hlc(clock: Clock) -> str:
    return str(HLC(int(clock.now().timestamp() * 1000), 0, "server"))


async def department_users(session: AsyncSession, department_id: str, ids: Sequence[Any]) -> dict[str, User]:
    wanted = [str(i) for i in ids if isinstance(i, str)]
    if not wanted:
        return {}
    rows = await session.scalars(
        select(User).where(
            col(User.id).in_(wanted), col(User.department_id) == department_id, col(User.active)
        )
    )
    return {u.id: u for u in rows}


async def validate_fields(
    session: AsyncSession, user: AuthUser, case: Case, fields: dict[str, Any]
) -> dict[str, Any]:
    unknown = set(fields) - MUTABLE_FIELDS
    if unknown or not fields:
        raise DomainError("unknown_field", f"不可修改的字段：{', '.join(sorted(unknown)) or '（空）'}")
    out = dict(fields)
    if "cause" in out and not (isinstance(out["cause"], str) and 0 < len(out["cause"]) <= 1000):
        raise DomainError("invalid_field", "案由不能为空")
    if "party" in out:
        try:
            out["party"] = Party.model_validate(out["party"]).model_dump()
        except ValidationError as exc:
            raise DomainError("invalid_field", "当事人信息有误") from exc
    if "officer_ids" in out:
        ids = out["officer_ids"]
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            raise DomainError("invalid_field", "承办人员列表有误")
        known = await department_users(session, case.department_id, ids)
        if set(ids) - set(known):
            raise DomainError("unknown_officer", "承办人员不属于本部门")
    if "is_major" in out:
        if not isinstance(out["is_major"], bool):
            raise DomainError("invalid_field", "重大案件标记须为是/否")
        if user.role != LEADER:
            raise Forbidden("leader_only", "只有机关负责人可以标记重大案件")
    return out


async def update_fields(
    session: AsyncSession,
    *,
    user: AuthUser,
    case: Case,
    payload: dict[str, Any],
    meta: EntryMeta,
    base_seq: int | None,
    clock: Clock,
) -> CommandResult:
    fields = payload.get("fields")
    if not isinstance(fields, dict):
        raise DomainError("invalid_field", "须提供要修改的字段 fields")
    fields = await validate_fields(session, user, case, fields)
    base = case.trail_length if base_seq is None else min(base_seq, case.trail_length)
    hlc = meta.hlc or server_hlc(clock)
    write = FieldWrite(None, case.trail_length + 1, hlc, user.id, meta.device_time, meta.op_id)
    outcome = merge_fields(case.field_versions, fields, write, base_seq=base)
    kind = {"applied": "case_update", "merged": "merged", "conflict": "conflict"}[outcome.status]
    entry_payload: dict[str, Any] = {"fields": fields, "effective": outcome.effective, "base_seq": base}
    if outcome.conflicts:
        entry_payload["conflicts"] = [
            {
                "field": c.field,
                "values": [c.theirs.as_dict(), c.ours.as_dict()],
                "effective": c.effective,
                "rule": "later_hlc",
            }
            for c in outcome.conflicts
        ]
    entry = await append_entry(
        session, case=case, kind=kind, payload=entry_payload, actors=[user.id], meta=meta, clock=clock
    )
    case.field_versions = outcome.versions
    for name, value in outcome.effective.items():
        set_field(case, name, value)
    if outcome.conflicts:
        case.open_conflicts = [*case.open_conflicts, entry.case_seq]
        case.has_unresolved_conflict = True
    session.add(case)
    return CommandResult(outcome.status, entry, case)


async def resolve_conflict(
    session: AsyncSession,
    *,
    user: AuthUser,
    case: Case,
    payload: dict[str, Any],
    meta: EntryMeta,
    clock: Clock,
) -> CommandResult:
    target = payload.get("conflict_seq")
    if not isinstance(target, int) or target not in case.open_conflicts:
        raise DomainError("conflict_not_open", "所指的冲突不存在或已处理", status=409)
    conflict = await session.scalar(
        select(TrailEntry).where(col(TrailEntry.case_id) == case.id, col(TrailEntry.case_seq) == target)
    )
    assert conflict is not None
    conflict_fields = [c["field"] for c in json.loads(conflict.body)["payload"].get("conflicts", [])]
    chosen: dict[str, Any] = {}
    if "fields" in payload and isinstance(payload["fields"], dict):
        chosen = payload["fields"]
    elif "value" in payload and len(conflict_fields) == 1:
        chosen = {conflict_fields[0]: payload["value"]}
    if set(chosen) - set(conflict_fields):
        raise DomainError("resolve_wrong_field", "只能确定冲突所涉字段的取值")
    chosen = await validate_fields(session, user, case, chosen) if chosen else {}
    entry = await append_entry(
        session,
        case=case,
        kind="resolve",
        payload={"conflict_seq": target, "fields": chosen, "reason": payload.get("reason")},
        actors=[user.id],
        meta=meta,
        clock=clock,
    )
    if chosen:
        hlc = meta.hlc or server_hlc(clock)
        versions = dict(case.field_versions)
        for name, value in chosen.items():
            versions[name] = FieldWrite(
                value, entry.case_seq, hlc, user.id, meta.device_time, meta.op_id
            ).as_dict()
            set_field(case, name, value)
        case.field_versions = versions
    case.open_conflicts = [s for s in case.open_conflicts if s != target]
    case.has_unresolved_conflict = bool(case.open_conflicts)
    session.add(case)
    return CommandResult("applied", entry, case)
