"""Templates in the database: seeding the shared ones, and a department's effective stages."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import Department, DepartmentStage, ProcedureTemplate
from backend.errors import DomainError
from backend.ids import uuid7
from backend.procedures.rules import check_department_template, effective_stages
from backend.procedures.templates import PROCEDURE_TYPES, system_templates

# Shared templates are written once per system and never changed in place (a department adds stages in its
# own table), so each process keeps the ones it has read.
_SHARED_STAGES: dict[str, list[dict[str, Any]]] = {}


async def ensure_system_templates(session: AsyncSession, system: str) -> None:
    """Insert the shared templates of ``system`` if they are not there yet."""
    for template in system_templates(system):
        if await session.get(ProcedureTemplate, template["id"]) is None:
            session.add(ProcedureTemplate(**template))
    await session.flush()


async def stages_for(
    session: AsyncSession, department: Department, procedure_type: str
) -> list[dict[str, Any]]:
    """The stages this department runs for ``procedure_type``: the shared template plus its additions."""
    if procedure_type not in PROCEDURE_TYPES:
        raise DomainError("unknown_procedure_type", f"未知的程序类型 {procedure_type}")
    key = f"{department.system}:{procedure_type}"
    shared = _SHARED_STAGES.get(key)
    if shared is None:
        template = await session.get(ProcedureTemplate, key)
        if template is None:
            await ensure_system_templates(session, department.system)
            template = await session.get(ProcedureTemplate, key)
            assert template is not None
        shared = _SHARED_STAGES[key] = template.stages
    additions = await session.scalars(
        select(DepartmentStage).where(
            DepartmentStage.department_id == department.id,  # type: ignore[arg-type]
            DepartmentStage.procedure_type == procedure_type,  # type: ignore[arg-type]
        )
    )
    return effective_stages(shared, [a.model_dump() for a in additions])


async def add_department_stage(
    session: AsyncSession,
    *,
    department: Department,
    procedure_type: str,
    after_stage: str,
    code: str,
    name: str,
    required_records: list[str],
) -> DepartmentStage:
    """Add a stage to a department's version of a shared template (stages can be added, never removed)."""
    current = await stages_for(session, department, procedure_type)
    addition = DepartmentStage(
        id=str(uuid7()),
        department_id=department.id,
        procedure_type=procedure_type,
        after_stage=after_stage,
        code=code,
        name=name,
        required_records=required_records,
    )
    proposed = effective_stages(current, [addition.model_dump()])
    template = await session.get(ProcedureTemplate, f"{department.system}:{procedure_type}")
    assert template is not None
    check_department_template(template.stages, proposed)
    session.add(addition)
    await session.flush()
    return addition
