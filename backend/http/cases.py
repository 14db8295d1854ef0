"""Cases and their trails."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.params import JSONBody, Parameter

from backend.access import check_case_visible
from backend.cases import service
from backend.cases.commands import execute
from backend.cases.schemas import CaseCreate, EntryCreate
from backend.db.models import Case, Department
from backend.errors import Conflict
from backend.http.deps import clock_of, db_of, user_of
from backend.procedures.service import stages_for
from backend.procedures.templates import FORMS, ONSITE_FORMS, PROCEDURE_TYPES
from backend.trail.service import EntryMeta, entry_view

Limit = Annotated[int, Parameter(ge=1, le=500)]


@get("/api/cases", operation_id="listCases", tags=["cases"])
async def list_cases(
    request: Request[Any, Any, Any],
    q: Annotated[str | None, Parameter(max_length=200)] = None,
    stage: Annotated[str | None, Parameter(max_length=64)] = None,
    limit: Limit = 50,
    offset: Annotated[int, Parameter(ge=0)] = 0,
    with_total: bool = False,
) -> dict[str, Any]:
    """Cases the caller may see, most recently changed first; ``next_offset`` is null on the last page."""
    async with db_of(request).session() as session:
        items, next_offset, total = await service.list_cases(
            session,
            user=user_of(request),
            q=q,
            stage=stage,
            limit=limit,
            offset=offset,
            with_total=with_total,
        )
    return {"items": items, "next_offset": next_offset, "total": total}


@post("/api/cases", operation_id="createCase", tags=["cases"])
async def create_case(
    request: Request[Any, Any, Any], data: JSONBody[CaseCreate]
) -> Response[dict[str, Any]]:
    """Open a case with a device-generated id; re-posting the same case returns it unchanged."""
    user = user_of(request)
    payload = data.model_dump(mode="json", exclude={"id"})
    db = db_of(request)
    async with db.write() as session:
        existing = await session.get(Case, str(data.id))
        if existing is None:
            await execute(
                session,
                user=user,
                case_id=str(data.id),
                kind="case_open",
                payload=payload,
                clock=clock_of(request),
            )
            status = 201
        else:
            check_case_visible(user, existing)
            if existing.created_by != user.id or existing.procedure_type != data.procedure_type:
                raise Conflict("case_exists", "该案件编号已被另一案件使用")
            status = 200
    async with db.session() as session:
        view = await service.get_case(session, user=user, case_id=str(data.id))
    return Response(view, status_code=status)


@get("/api/cases/{case_id:uuid}", operation_id="getCase", tags=["cases"])
async def get_case(request: Request[Any, Any, Any], case_id: uuid.UUID) -> dict[str, Any]:
    """One case with its stages and deadlines."""
    async with db_of(request).session() as session:
        return await service.get_case(session, user=user_of(request), case_id=str(case_id))


@get("/api/cases/{case_id:uuid}/trail", operation_id="getCaseTrail", tags=["cases"])
async def get_trail(
    request: Request[Any, Any, Any],
    case_id: uuid.UUID,
    after: Annotated[int, Parameter(ge=0)] = 0,
    limit: Limit = 200,
) -> dict[str, Any]:
    """The case's trail in chain order (entries with case_seq > after)."""
    async with db_of(request).session() as session:
        items = await service.case_trail(
            session, user=user_of(request), case_id=str(case_id), after=after, limit=limit
        )
    return {"items": items, "next_after": items[-1]["case_seq"] if items else after}


@post("/api/cases/{case_id:uuid}/entries", operation_id="appendEntry", tags=["cases"])
async def append(
    request: Request[Any, Any, Any], case_id: uuid.UUID, data: JSONBody[EntryCreate]
) -> Response[dict[str, Any]]:
    """Append one entry (note, record, stage transition, field update, resolve …) online."""
    user = user_of(request)
    async with db_of(request).write() as session:
        result = await execute(
            session,
            user=user,
            case_id=str(case_id),
            kind=data.kind,
            payload=data.payload,
            media=data.media,
            meta=EntryMeta(location=data.location),
            base_seq=data.base_seq,
            clock=clock_of(request),
        )
        view = {**entry_view(result.entry), "status": result.status}
    return Response(view, status_code=201)


@get("/api/users", operation_id="listDepartmentUsers", tags=["users"])
async def list_users(request: Request[Any, Any, Any]) -> list[dict[str, Any]]:
    """Users of my department (to pick the certified officers of an on-site record)."""
    async with db_of(request).session() as session:
        return await service.department_users(session, user=user_of(request))


@get("/api/procedures", operation_id="listProcedures", tags=["cases"])
async def procedures(request: Request[Any, Any, Any]) -> dict[str, Any]:
    """The effective procedure templates of my department and the form catalogue (for offline rules)."""
    user = user_of(request)
    async with db_of(request).session() as session:
        department = await session.get(Department, user.department_id)
        assert department is not None
        types = {
            ptype: {"kind": kind, "name": name, "stages": await stages_for(session, department, ptype)}
            for ptype, (kind, name) in PROCEDURE_TYPES.items()
        }
    return {"procedure_types": types, "forms": FORMS, "onsite_forms": sorted(ONSITE_FORMS)}


@get("/api/health", operation_id="health", exclude_from_auth=True, tags=["ops"])
async def health(request: Request[Any, Any, Any]) -> Response[dict[str, Any]]:
    """Liveness and database reachability."""
    ok = await db_of(request).ping()
    return Response({"status": "ok" if ok else "degraded", "database": ok}, status_code=200 if ok else 503)


ROUTES = [list_cases, create_case, get_case, get_trail, append, list_users, procedures, health]
