"""Reading cases and trails with scope applied."""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, cast, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import defer
from sqlmodel import col

from backend.access import OFFICER, AuthUser, check_case_visible
from backend.cases.projection import case_view
from backend.db.models import Case, Department, TrailEntry, User
from backend.media_service import verified_hashes
from backend.procedures.service import stages_for
from backend.trail.service import entry_view, list_entries


def scope_filter(user: AuthUser) -> list[Any]:
    """SQL conditions restricting cases to what ``user`` may see (mirrors ``access.can_view_case``)."""
    if not user.visible_departments or user.role == "admin":
        return [col(Case.id).is_(None)]
    conditions: list[Any] = [col(Case.department_id).in_(user.visible_departments)]
    return conditions


async def list_cases(
    session: AsyncSession,
    *,
    user: AuthUser,
    q: str | None,
    stage: str | None,
    limit: int,
    offset: int,
    with_total: bool = False,
) -> tuple[list[dict[str, Any]], int | None, int | None]:
    """One page of the cases ``user`` may see, most recently changed first: (items, next offset, total).

    The total is counted only on request: over 100k cases a count costs the database more than the page.
    """
    conditions = scope_filter(user)
    if user.role == OFFICER and user.restrict_to_assigned:
        # officer_ids is a JSON list of UUID strings; its text holds the quoted id exactly when assigned.
        conditions.append(cast(col(Case.officer_ids), String).like(f'%"{user.id}"%'))
    if q:
        like = f"%{q}%"
        conditions.append(
            or_(col(Case.cause).like(like), col(Case.case_no).like(like), col(Case.party_text).like(like))
        )
    if stage:
        conditions.append(col(Case.stage) == stage)
    total = (
        int(await session.scalar(select(func.count()).select_from(Case).where(*conditions)) or 0)
        if with_total
        else None
    )
    page = await session.scalars(
        select(Case)
        .options(defer(Case.field_versions))  # type: ignore[arg-type]  # merge bookkeeping, not shown in lists
        .where(*conditions)
        .order_by(col(Case.updated_at).desc(), col(Case.id))
        .limit(limit + 1)
        .offset(offset)
    )
    rows = list(page)
    next_offset = offset + limit if len(rows) > limit else None
    stages: dict[tuple[str, str], list[dict[str, Any]]] = {}
    out = []
    for case in rows[:limit]:
        key = (case.department_id, case.procedure_type)
        if key not in stages:
            dept = await session.get(Department, case.department_id)
            assert dept is not None
            stages[key] = await stages_for(session, dept, case.procedure_type)
        out.append(case_view(case, stages[key], with_stages=False))
    return out, next_offset, total


async def get_case(session: AsyncSession, *, user: AuthUser, case_id: str) -> dict[str, Any]:
    case = check_case_visible(user, await session.get(Case, case_id))
    dept = await session.get(Department, case.department_id)
    assert dept is not None
    return case_view(case, await stages_for(session, dept, case.procedure_type))


async def author_names(session: AsyncSession, ids: set[str]) -> dict[str, str]:
    if not ids:
        return {}
    rows = await session.execute(select(col(User.id), col(User.display_name)).where(col(User.id).in_(ids)))
    return dict(list(rows.tuples()))  # a Result has keys(), so dict() must not see it directly


async def present_entries(session: AsyncSession, entries: list[TrailEntry]) -> list[dict[str, Any]]:
    """Public views with author names and which referenced media have not arrived and verified yet."""
    views = [entry_view(e) for e in entries]
    names = await author_names(session, {a for v in views for a in v["actors"]})
    verified = await verified_hashes(session, {m for v in views for m in v["media"]})
    for view in views:
        view["author_name"] = names.get(view["actors"][0], "") if view["actors"] else ""
        view["evidence_pending"] = [m for m in view["media"] if m not in verified]
    return views


async def case_trail(
    session: AsyncSession, *, user: AuthUser, case_id: str, after: int, limit: int
) -> list[dict[str, Any]]:
    check_case_visible(user, await session.get(Case, case_id))
    return await present_entries(
        session, await list_entries(session, case_id=case_id, after=after, limit=limit)
    )


async def department_users(session: AsyncSession, *, user: AuthUser) -> list[dict[str, Any]]:
    rows = await session.scalars(
        select(User)
        .where(col(User.department_id) == user.department_id, col(User.active))
        .order_by(col(User.username))
    )
    return [
        {
            "id": u.id,
            "username": u.username,
            "display_name": u.display_name,
            "role": u.role,
            "certificate_no": u.certificate_no,
        }
        for u in rows
    ]


async def count_cases(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(Case)) or 0)
