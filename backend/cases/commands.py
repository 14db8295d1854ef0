"""The one domain entry point that validates a change to a case and appends it to the trail.

Used by the online API and by sync push alike; raises :class:`DomainError` on a refused change,
leaving the trail untouched (the caller's transaction is rolled back or the op is recorded as rejected).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from backend.access import LEADER, OFFICER, AuthUser, can_create_case, check_case_visible, check_may_append
from backend.cases.fields import (
    department_users,
    resolve_conflict,
    server_hlc,
    set_field,
    update_fields,
)
from backend.cases.result import CommandResult
from backend.cases.schemas import CaseCreate
from backend.clock import Clock, isoformat
from backend.db.models import Case, Department
from backend.errors import Conflict, DomainError, Forbidden
from backend.procedures import rules
from backend.procedures.service import stages_for
from backend.procedures.templates import PROCEDURE_TYPES
from backend.trail.service import EntryMeta, append_entry
from sync.merge import FieldWrite

SHA256 = re.compile(r"^[0-9a-f]{64}$")
MEDIA_KINDS = frozenset({"photo", "audio", "video"})
SIMPLE_KINDS = frozenset({"note", "gps_fix"}) | MEDIA_KINDS
COMMAND_KINDS = SIMPLE_KINDS | {"case_open", "record", "stage_transition", "case_update", "resolve"}


async def load_case(session: AsyncSession, case_id: str) -> Case | None:
    """The case row. Inside ``Database.write()`` the session is new and holds the lock, so the first load
    is current, and later ones in the same transaction reuse it (it carries the in-memory chain head of
    unflushed appends). Kept in ``session.info``: ``Session.get`` costs a mapper inspection per call."""
    cache: dict[str, Case] = session.info.setdefault("liuhen_cases", {})
    case = cache.get(case_id)
    if case is None:
        case = await session.get(Case, case_id)
        if case is not None:
            cache[case_id] = case
    return case


async def execute(
    session: AsyncSession,
    *,
    user: AuthUser,
    case_id: str,
    kind: str,
    payload: dict[str, Any],
    media: Sequence[str] = (),
    meta: EntryMeta | None = None,
    base_seq: int | None = None,
    clock: Clock,
) -> CommandResult:
    """Validate and apply one change; must run inside ``Database.write()``."""
    meta = meta or EntryMeta()
    if kind not in COMMAND_KINDS:
        raise DomainError("unknown_kind", f"未知的记录类型：{kind}")
    for digest in media:
        if not isinstance(digest, str) or not SHA256.match(digest):
            raise DomainError("bad_media_hash", "媒体引用必须是 64 位小写十六进制 SHA-256")
    if kind == "case_open":
        return await open_case(session, user=user, case_id=case_id, payload=payload, meta=meta, clock=clock)
    case = check_case_visible(user, await load_case(session, case_id))
    if case.closed:
        raise DomainError("case_closed", "案件已结案归档，不能再添加记录", status=409)
    form = payload.get("form") if kind == "record" else None
    check_may_append(user, case, kind, form if isinstance(form, str) else None)
    if kind in SIMPLE_KINDS:
        _check_simple(kind, payload, media)
        entry = await append_entry(
            session,
            case=case,
            kind=kind,
            payload=payload,
            actors=[user.id],
            media=media,
            meta=meta,
            clock=clock,
        )
        return CommandResult("applied", entry, case)
    if kind == "record":
        return await _record(
            session, user=user, case=case, payload=payload, media=media, meta=meta, clock=clock
        )
    if kind == "stage_transition":
        return await _transition(session, user=user, case=case, payload=payload, meta=meta, clock=clock)
    if kind == "case_update":
        return await update_fields(
            session, user=user, case=case, payload=payload, meta=meta, base_seq=base_seq, clock=clock
        )
    return await resolve_conflict(session, user=user, case=case, payload=payload, meta=meta, clock=clock)


def _check_simple(kind: str, payload: dict[str, Any], media: Sequence[str]) -> None:
    if kind == "note" and not (isinstance(payload.get("text"), str) and payload["text"].strip()):
        raise DomainError("note_empty", "备注不能为空")
    if kind in MEDIA_KINDS:
        digest = payload.get("sha256")
        if not isinstance(digest, str) or not SHA256.match(digest) or digest not in media:
            raise DomainError("media_hash_missing", "照片/音视频记录须带有其 SHA-256 摘要，并列入 media")
    if kind == "gps_fix":
        lat, lon = payload.get("lat"), payload.get("lon")
        if not (
            isinstance(lat, int | float)
            and isinstance(lon, int | float)
            and -90 <= lat <= 90
            and -180 <= lon <= 180
        ):
            raise DomainError("gps_invalid", "定位坐标无效")
        accuracy = payload.get("accuracy")
        if accuracy is not None and (not isinstance(accuracy, int | float) or accuracy < 0):
            raise DomainError("gps_invalid", "定位精度无效")


async def open_case(
    session: AsyncSession,
    *,
    user: AuthUser,
    case_id: str,
    payload: dict[str, Any],
    meta: EntryMeta,
    clock: Clock,
) -> CommandResult:
    """Open a case with the device-generated id, in the first stage of its procedure."""
    if not can_create_case(user):
        raise Forbidden("may_not_open_case", "只有执法人员或机关负责人可以新建案件")
    try:
        data = CaseCreate.model_validate({**payload, "id": case_id})
    except ValidationError as exc:
        raise DomainError("invalid_case", f"案件信息不完整或有误：{exc.errors()[0]['msg']}") from exc
    if await session.get(Case, str(data.id)) is not None:
        raise Conflict("case_exists", "该案件编号已存在")
    department = await session.get(Department, user.department_id)
    assert department is not None
    stages = await stages_for(session, department, data.procedure_type)
    officer_ids = [str(o) for o in data.officer_ids]
    if user.role == OFFICER and user.id not in officer_ids:
        officer_ids.insert(0, user.id)
    known = await department_users(session, department.id, officer_ids)
    unknown = [o for o in officer_ids if o not in known]
    if unknown:
        raise DomainError("unknown_officer", f"承办人员不属于本部门：{', '.join(unknown)}")
    if data.is_major and user.role != LEADER:
        raise Forbidden("leader_only", "只有机关负责人可以直接标记重大案件")
    now = isoformat(clock.now())
    hlc = meta.hlc or server_hlc(clock)
    fields = {
        "cause": data.cause,
        "party": data.party.model_dump(),
        "officer_ids": officer_ids,
        "is_major": data.is_major,
    }
    case = Case(
        id=str(data.id),
        department_id=department.id,
        procedure_type=data.procedure_type,
        procedure_kind=PROCEDURE_TYPES[data.procedure_type][0],
        stage=stages[0]["code"],
        created_by=user.id,
        created_at=now,
        updated_at=now,
        field_versions={
            k: FieldWrite(v, 1, hlc, user.id, meta.device_time, meta.op_id).as_dict()
            for k, v in fields.items()
        },
        **fields,  # type: ignore[arg-type]
    )
    set_field(case, "party", case.party)
    session.add(case)
    session.info.setdefault("liuhen_cases", {})[case.id] = case
    entry_payload = {"procedure_type": data.procedure_type, "stage": case.stage, **fields}
    entry = await append_entry(
        session, case=case, kind="case_open", payload=entry_payload, actors=[user.id], meta=meta, clock=clock
    )
    return CommandResult("applied", entry, case)


async def _record(
    session: AsyncSession,
    *,
    user: AuthUser,
    case: Case,
    payload: dict[str, Any],
    media: Sequence[str],
    meta: EntryMeta,
    clock: Clock,
) -> CommandResult:
    officers = payload.get("officers") or []
    ids = [o.get("user_id") for o in officers if isinstance(o, dict)]
    users = await department_users(session, case.department_id, ids)
    certified = {uid: u.certificate_no for uid, u in users.items() if u.role in (OFFICER, LEADER)}
    rules.check_record(payload, certified)
    form = str(payload["form"])
    payload = {**payload, "text_sha256": rules.text_digest(str(payload["text"]))}
    actors = [user.id] + [uid for uid in certified if uid != user.id]
    all_media = list(
        dict.fromkeys([*media, *[m for m in payload.get("av_media") or [] if isinstance(m, str)]])
    )
    for digest in all_media:
        if not SHA256.match(digest):
            raise DomainError("bad_media_hash", "媒体引用必须是 64 位小写十六进制 SHA-256")
    entry = await append_entry(
        session,
        case=case,
        kind="record",
        payload=payload,
        actors=actors,
        media=all_media,
        meta=meta,
        clock=clock,
    )
    case.records = {**case.records, form: [*case.records.get(form, []), entry.case_seq]}
    if form == "filing_approval" and case.case_no is None:
        await _assign_case_number(session, case, clock)
    if form == "legal_review_opinion":
        case.review_approved = rules.review_approves(payload)
    if form == "archive_record" and case.stage == "archiving":
        case.closed = True
    session.add(case)
    return CommandResult("applied", entry, case)


async def _assign_case_number(session: AsyncSession, case: Case, clock: Clock) -> None:
    """立案: the number is unique per department and year (e.g. 嘉市监罚〔2026〕17号)."""
    department = await session.get(Department, case.department_id)
    assert department is not None
    year = clock.now().year
    last = await session.scalar(
        select(func.max(col(Case.case_serial))).where(
            col(Case.department_id) == case.department_id,
            col(Case.case_year) == year,
        )
    )
    case.case_year = year
    case.case_serial = int(last or 0) + 1
    case.case_no = f"{department.case_prefix}〔{year}〕{case.case_serial}号"
    case.filed_at = isoformat(clock.now())


async def _transition(
    session: AsyncSession,
    *,
    user: AuthUser,
    case: Case,
    payload: dict[str, Any],
    meta: EntryMeta,
    clock: Clock,
) -> CommandResult:
    to = payload.get("to")
    if not isinstance(to, str):
        raise DomainError("stage_missing", "须指明目标阶段")
    department = await session.get(Department, case.department_id)
    assert department is not None
    stages = await stages_for(session, department, case.procedure_type)
    facts = rules.CaseFacts(
        stage=case.stage,
        procedure_kind=case.procedure_kind,
        is_major=case.is_major,
        closed=case.closed,
        records=case.records,
        approved_review=case.review_approved,
    )
    rules.check_transition(stages, facts, to)
    entry = await append_entry(
        session,
        case=case,
        kind="stage_transition",
        payload={"from": case.stage, "to": to},
        actors=[user.id],
        meta=meta,
        clock=clock,
    )
    case.stage = to
    session.add(case)
    return CommandResult("applied", entry, case)
