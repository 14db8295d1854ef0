"""Demo data (DESIGN §9 ``liuhen demo``): 嘉兴市 departments, users of every role, cases in several stages."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.access import AuthUser
from backend.auth.service import auth_user_for, create_user
from backend.cases.commands import execute
from backend.clock import Clock
from backend.db.engine import Database
from backend.db.models import Department, Region, User
from backend.procedures.rules import text_digest
from backend.procedures.service import ensure_system_templates
from backend.procedures.templates import FORMS, ONSITE_FORMS

DEMO_PASSWORD = "liuhen-demo-2026"  # noqa: S105 - published demo login, demo data only
NS = uuid.UUID("6c697568-656e-4465-8d6f-000000000000")


def demo_id(name: str) -> str:
    """Stable ids, so the demo can be re-run and tests can refer to it."""
    return str(uuid.uuid5(NS, name))


REGIONS = [
    ("嘉兴市", None),
    ("南湖区", "嘉兴市"),
    ("秀洲区", "嘉兴市"),
    ("嘉善县", "嘉兴市"),
    ("平湖市", "嘉兴市"),
    ("海盐县", "嘉兴市"),
    ("海宁市", "嘉兴市"),
    ("桐乡市", "嘉兴市"),
]
DEPARTMENTS = [
    ("市场监管", "嘉兴市市场监督管理局", "嘉市监罚", "market", "嘉兴市"),
    ("生态环境", "嘉兴市生态环境局", "嘉环罚", "environment", "嘉兴市"),
    ("交通运输", "嘉兴市交通运输局", "嘉交罚", "transport", "嘉兴市"),
    ("综合执法", "嘉兴市综合行政执法局", "嘉综执罚", "urban", "嘉兴市"),
    ("司法", "嘉兴市司法局", "嘉司", "justice", "嘉兴市"),
    ("海宁市场监管", "海宁市市场监督管理局", "海市监罚", "market", "海宁市"),
]
USERS = [
    # username, display name, role, department key, certificate, legal qualification
    ("officer1", "张伟", "officer", "市场监管", "33040001", False),
    ("officer2", "李娜", "officer", "市场监管", "33040002", False),
    ("officer3", "王强", "officer", "市场监管", "33040003", False),
    ("leader1", "陈局长", "leader", "市场监管", "33040100", False),
    ("reviewer1", "刘法制", "legal_reviewer", "市场监管", None, True),
    ("admin", "系统管理员", "admin", "市场监管", None, False),
    ("supervisor1", "周监督", "supervisor", "司法", None, True),
    ("eco1", "赵环保", "officer", "生态环境", "33040201", False),
    ("eco2", "钱环保", "officer", "生态环境", "33040202", False),
    ("haining1", "孙海宁", "officer", "海宁市场监管", "33048101", False),
]


def record(
    form: str,
    officers: list[tuple[str, str | None]],
    *,
    text: str | None = None,
    fields: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A valid record payload: signed by the party (on-site forms), bound to its text."""
    body = text or f"{FORMS[form]}：示例内容。"
    digest = text_digest(body)
    payload: dict[str, Any] = {
        "form": form,
        "text": body,
        "text_sha256": digest,
        "fields": fields or {},
        "officers": [{"user_id": uid, "certificate_no": cert} for uid, cert in officers],
        "signatures": [],
        "party_refused": None,
        "av_media": [],
        "no_av_reason": None,
    }
    if form in ONSITE_FORMS:
        stroke = [[[10, 10, 0], [60, 40, 120], [120, 20, 260]]]
        payload["signatures"] = [
            {
                "role": "party",
                "name": "当事人",
                "strokes": stroke,
                "png_sha256": None,
                "text_sha256": digest,
                "signed_at": "2026-11-20T09:00:00Z",
            },
            {
                "role": "officer",
                "name": "执法人员",
                "strokes": stroke,
                "png_sha256": None,
                "text_sha256": digest,
                "signed_at": "2026-11-20T09:00:00Z",
            },
        ]
        payload["no_av_reason"] = "演示数据，无音像记录"
    if form == "service_receipt":
        payload["fields"] = {"method": "direct", "recipient": "当事人", **(fields or {})}
    if form == "legal_review_opinion":
        payload["fields"] = {"outcome": "同意", **(fields or {})}
    return payload


async def walk_to(
    session: AsyncSession,
    *,
    case_id: str,
    target: str,
    officer: AuthUser,
    leader: AuthUser,
    reviewer: AuthUser,
    pair: list[tuple[str, str | None]],
    clock: Clock,
) -> None:
    """Record each stage's required forms and move the case on until it reaches ``target``."""
    from backend.cases.commands import load_case
    from backend.procedures.service import stages_for

    while True:
        case = await load_case(session, case_id)
        assert case is not None
        if case.stage == target:
            return
        department = await session.get(Department, case.department_id)
        assert department is not None
        stages = await stages_for(session, department, case.procedure_type)
        codes = [s["code"] for s in stages]
        current = stages[codes.index(case.stage)]
        for requirement in current["required_records"]:
            form = requirement.split("|")[0]
            if not case.records.get(form):
                actor = (
                    leader if form in {"filing_approval", "decision_document", "archive_record"} else officer
                )
                actor = reviewer if form == "legal_review_opinion" else actor
                await execute(
                    session,
                    user=actor,
                    case_id=case_id,
                    kind="record",
                    payload=record(form, pair),
                    clock=clock,
                )
        nxt = next(
            s["code"]
            for s in stages[codes.index(case.stage) + 1 :]
            if s.get("condition") is None or (s["condition"] == "major" and case.is_major)
        )
        await execute(
            session, user=officer, case_id=case_id, kind="stage_transition", payload={"to": nxt}, clock=clock
        )


async def create_demo(db: Database, clock: Clock) -> list[tuple[str, str, str]]:
    """Create the demo organisation, users and cases (idempotent); return (username, role, department)."""
    async with db.write() as session:
        if await session.scalar(select(User).where(User.username == "officer1")) is None:  # type: ignore[arg-type]
            await _organisation(session, clock)
            await session.flush()
            await _cases(session, clock)
    logins = []
    async with db.session() as session:
        for username, _name, role, dept_key, _cert, _q in USERS:
            dept = await session.get(Department, demo_id(f"dept:{dept_key}"))
            logins.append((username, role, dept.name if dept else dept_key))
    return logins


async def _organisation(session: AsyncSession, clock: Clock) -> None:
    for name, parent in REGIONS:
        session.add(
            Region(
                id=demo_id(f"region:{name}"),
                name=name,
                parent_id=demo_id(f"region:{parent}") if parent else None,
            )
        )
    await session.flush()
    for key, name, prefix, system, region in DEPARTMENTS:
        session.add(
            Department(
                id=demo_id(f"dept:{key}"),
                name=name,
                case_prefix=prefix,
                system=system,
                region_id=demo_id(f"region:{region}"),
            )
        )
        await session.flush()
        await ensure_system_templates(session, system)
    for username, display, role, dept_key, cert, qualified in USERS:
        await create_user(
            session,
            username=username,
            password=DEMO_PASSWORD,
            role=role,
            department_id=demo_id(f"dept:{dept_key}"),
            display_name=display,
            certificate_no=cert,
            legal_qualified=qualified,
            clock=clock,
        )


async def _user(session: AsyncSession, username: str) -> AuthUser:
    user = await session.scalar(select(User).where(User.username == username))  # type: ignore[arg-type]
    assert user is not None
    return await auth_user_for(session, user)


async def _cases(session: AsyncSession, clock: Clock) -> None:
    officer, officer2 = await _user(session, "officer1"), await _user(session, "officer2")
    leader, reviewer = await _user(session, "leader1"), await _user(session, "reviewer1")
    pair = [(officer.id, officer.certificate_no), (officer2.id, officer2.certificate_no)]
    plans = [
        (
            "administrative_penalty",
            "销售过期食品",
            "嘉兴某某超市有限公司",
            "organisation",
            "onsite_inspection",
        ),
        ("administrative_penalty", "无照经营", "王某", "person", "investigation"),
        ("administrative_penalty", "虚假宣传", "嘉兴某某科技有限公司", "organisation", "statement_defence"),
        ("administrative_coercion", "查封不合格产品", "嘉兴某某制造有限公司", "organisation", "service"),
        (
            "administrative_penalty",
            "销售假冒注册商标商品",
            "嘉兴某某贸易有限公司",
            "organisation",
            "archiving",
        ),
        (
            "administrative_licensing",
            "食品经营许可申请",
            "嘉兴某某餐饮管理有限公司",
            "organisation",
            "examination",
        ),
        (
            "administrative_confirmation",
            "特种设备使用登记",
            "嘉兴某某物流有限公司",
            "organisation",
            "acceptance",
        ),
    ]
    for index, (ptype, cause, party, party_type, target) in enumerate(plans):
        case_id = demo_id(f"case:{index}")
        await execute(
            session,
            user=officer,
            case_id=case_id,
            kind="case_open",
            payload={
                "procedure_type": ptype,
                "cause": cause,
                "party": {
                    "type": party_type,
                    "name": party,
                    "id_no": f"91330400MA2B{index:06d}",
                    "address": "浙江省嘉兴市南湖区",
                    "contact": "0573-8200000",
                },
                "officer_ids": [officer.id, officer2.id],
            },
            clock=clock,
        )
        await walk_to(
            session,
            case_id=case_id,
            target=target,
            officer=officer,
            leader=leader,
            reviewer=reviewer,
            pair=pair,
            clock=clock,
        )
