"""The shared procedure templates of DESIGN §2, as plain data.

A stage's ``required_records`` lists forms that must exist before the case may leave the stage;
``a|b`` means either form will do. ``condition`` names when a conditional (*) stage applies.
"""

from __future__ import annotations

from typing import Any

EX_OFFICIO = "ex_officio"
ON_APPLICATION = "on_application"

PROCEDURE_TYPES: dict[str, tuple[str, str]] = {
    "administrative_penalty": (EX_OFFICIO, "行政处罚"),
    "administrative_coercion": (EX_OFFICIO, "行政强制"),
    "administrative_levy": (EX_OFFICIO, "行政征收"),
    "administrative_licensing": (ON_APPLICATION, "行政许可"),
    "administrative_confirmation": (ON_APPLICATION, "行政确认"),
    "administrative_adjudication": (ON_APPLICATION, "行政裁决"),
}


def _stage(code: str, name: str, required: list[str], condition: str | None = None) -> dict[str, Any]:
    return {
        "code": code,
        "name": name,
        "required_records": required,
        "condition": condition,
        "added_by": None,
    }


EVIDENCE = "inquiry_record|inspection_record|sampling_record|sealing_decision|preservation_record"

EX_OFFICIO_STAGES = [
    _stage("onsite_inspection", "现场执法检查", ["inspection_record"]),
    _stage("case_source_registration", "案源登记", ["source_registration"]),
    _stage("filing", "立案", ["filing_approval"]),
    _stage("investigation", "调查取证", [EVIDENCE]),
    _stage("case_review", "案件审查", ["review_report"]),
    _stage("statement_defence", "听取陈述申辩", ["penalty_notice", "statement_record"]),
    _stage("hearing", "听证", ["hearing_record"], "hearing_requested"),
    _stage("legal_review", "法制审核", ["legal_review_opinion"], "major"),
    _stage("collective_discussion", "集体讨论", ["collective_discussion_record"], "major"),
    _stage("decision", "案件决定", ["decision_document"]),
    _stage("service", "送达", ["service_receipt"]),
    _stage("execution", "执行", ["execution_record"]),
    _stage("archiving", "结案归档", ["archive_record"]),
]

ON_APPLICATION_STAGES = [
    _stage("application_receipt", "接收申请", ["application_record"]),
    _stage("acceptance", "受理", ["acceptance_decision"]),
    _stage("investigation", "调查", [EVIDENCE]),
    _stage("examination", "审查", ["review_report"]),
    _stage("statement_defence", "听取陈述申辩", ["statement_record"], "statement_requested"),
    _stage("hearing", "听证", ["hearing_record"], "hearing_requested"),
    _stage("legal_review", "法制审核", ["legal_review_opinion"], "major"),
    _stage("decision", "决定", ["decision_document"]),
    _stage("service", "送达", ["service_receipt"]),
    _stage("archiving", "归档", ["archive_record"]),
]

FORMS: dict[str, str] = {
    "inspection_record": "现场检查笔录",
    "inquiry_record": "询问笔录",
    "sampling_record": "抽样取证凭证",
    "sealing_decision": "查封/扣押决定与清单",
    "preservation_record": "先行登记保存",
    "service_receipt": "送达回证",
    "source_registration": "案源登记表",
    "filing_approval": "立案审批",
    "review_report": "案件审查报告",
    "penalty_notice": "行政处罚事先告知书",
    "statement_record": "陈述申辩笔录",
    "hearing_request": "听证申请",
    "hearing_record": "听证笔录",
    "legal_review_opinion": "法制审核意见",
    "collective_discussion_record": "集体讨论记录",
    "decision_document": "决定书",
    "execution_record": "执行记录",
    "archive_record": "结案归档审批",
    "application_record": "申请材料",
    "acceptance_decision": "受理决定",
    "statement_request": "陈述申辩申请",
}

ONSITE_FORMS = frozenset(
    {
        "inspection_record",
        "inquiry_record",
        "sampling_record",
        "sealing_decision",
        "preservation_record",
        "service_receipt",
    }
)
LEADER_FORMS = frozenset({"filing_approval", "decision_document", "archive_record"})
REVIEWER_FORMS = frozenset({"legal_review_opinion"})
APPROVING_REVIEW_OUTCOMES = frozenset({"同意", "修改后同意", "approve", "approve_with_changes"})
SERVICE_METHODS = frozenset({"direct", "left_with_witness", "post", "electronic", "public_notice"})


def system_templates(system: str) -> list[dict[str, Any]]:
    """The templates every department of ``system`` shares."""
    out = []
    for ptype, (kind, _name) in PROCEDURE_TYPES.items():
        stages = EX_OFFICIO_STAGES if kind == EX_OFFICIO else ON_APPLICATION_STAGES
        out.append(
            {
                "id": f"{system}:{ptype}",
                "system": system,
                "procedure_type": ptype,
                "kind": kind,
                "stages": [dict(s) for s in stages],
            }
        )
    return out
