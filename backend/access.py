"""The one place that decides who may see or change what."""

from __future__ import annotations

from dataclasses import dataclass, field

from backend.db.models import Case
from backend.errors import Forbidden, NotFound
from backend.procedures.templates import LEADER_FORMS, REVIEWER_FORMS

OFFICER = "officer"
LEGAL_REVIEWER = "legal_reviewer"
LEADER = "leader"
SUPERVISOR = "supervisor"
ADMIN = "admin"
ROLES = (OFFICER, LEGAL_REVIEWER, LEADER, SUPERVISOR, ADMIN)
ROLE_NAMES = {
    OFFICER: "执法人员",
    LEGAL_REVIEWER: "法制审核人员",
    LEADER: "机关负责人",
    SUPERVISOR: "法制监督人员",
    ADMIN: "系统管理员",
}


@dataclass(frozen=True)
class AuthUser:
    """The signed-in user as every request sees it."""

    id: str
    username: str
    display_name: str
    role: str
    department_id: str
    department_name: str
    region_id: str
    certificate_no: str | None
    legal_qualified: bool
    restrict_to_assigned: bool = False
    visible_departments: frozenset[str] = field(default_factory=frozenset)
    """Departments whose cases this user may read (own department; a supervisor's whole region)."""


def can_view_case(user: AuthUser, case: Case) -> bool:
    """Read access to a case and its trail."""
    if user.role == ADMIN:
        return False
    if case.department_id not in user.visible_departments:
        return False
    if user.role == OFFICER and user.restrict_to_assigned:
        return user.id in case.officer_ids
    return True


def can_create_case(user: AuthUser) -> bool:
    """Opening a case is for officers and leaders."""
    return user.role in (OFFICER, LEADER)


def is_case_officer(user: AuthUser, case: Case) -> bool:
    return user.id in case.officer_ids


def check_case_visible(user: AuthUser, case: Case | None) -> Case:
    """The case if the user may see it; otherwise 404 (existence is not disclosed)."""
    if case is None or not can_view_case(user, case):
        raise NotFound("case_not_found", "案件不存在或无权查看")
    return case


def check_may_append(user: AuthUser, case: Case, kind: str, form: str | None = None) -> None:
    """Who may add which entry. Nobody may edit or delete an entry: there is no such operation."""
    if user.role in (SUPERVISOR, ADMIN):
        raise Forbidden("read_only_role", f"{ROLE_NAMES[user.role]}只能查看，不能修改案件")
    if case.department_id != user.department_id:
        raise Forbidden("other_department", "不能修改其他部门的案件")
    if kind == "record" and form in LEADER_FORMS:
        if user.role != LEADER:
            raise Forbidden("leader_only", "该文书须由机关负责人审批")
        return
    if kind == "record" and form in REVIEWER_FORMS:
        if user.role != LEGAL_REVIEWER or not user.legal_qualified:
            raise Forbidden("reviewer_only", "法制审核意见须由具备法律职业资格的法制审核人员出具")
        if is_case_officer(user, case):
            raise Forbidden("reviewer_handled_case", "承办本案的人员不得审核本案")
        return
    if user.role == LEGAL_REVIEWER:
        if kind in ("note",):
            return
        raise Forbidden("reviewer_scope", "法制审核人员只能提交审核意见或备注")
    if user.role == LEADER:
        return
    if kind in ("stage_transition", "case_update", "resolve") and not is_case_officer(user, case):
        raise Forbidden("not_case_officer", "只有本案承办人员或机关负责人可以执行该操作")
    if user.restrict_to_assigned and not is_case_officer(user, case):
        raise Forbidden("not_case_officer", "只有本案承办人员可以记录")
