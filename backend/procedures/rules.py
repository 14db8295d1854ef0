"""Pure stage and record rules (no database, no HTTP): plain functions over plain data."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from backend.errors import DomainError
from backend.procedures.templates import (
    APPROVING_REVIEW_OUTCOMES,
    EX_OFFICIO,
    FORMS,
    ONSITE_FORMS,
    SERVICE_METHODS,
)


@dataclass(frozen=True)
class CaseFacts:
    """What the rules need to know about a case."""

    stage: str
    procedure_kind: str
    is_major: bool
    closed: bool
    records: Mapping[str, Sequence[int]]
    approved_review: bool


def effective_stages(
    template: Sequence[Mapping[str, Any]], additions: Iterable[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """The template with a department's added stages inserted after their anchors."""
    stages = [dict(s) for s in template]
    for add in additions:
        codes = [s["code"] for s in stages]
        if add["code"] in codes:
            raise DomainError("stage_exists", f"阶段 {add['code']} 已存在，部门只能新增阶段")
        if add["after_stage"] not in codes:
            raise DomainError("unknown_stage", f"未知的阶段 {add['after_stage']}")
        stages.insert(
            codes.index(add["after_stage"]) + 1,
            {
                "code": add["code"],
                "name": add["name"],
                "required_records": list(add.get("required_records", [])),
                "condition": None,
                "added_by": add.get("department_id"),
            },
        )
    return stages


def check_department_template(
    shared: Sequence[Mapping[str, Any]], proposed: Sequence[Mapping[str, Any]]
) -> None:
    """A department's version must keep every shared stage, in order, with its required records."""
    by_code = {s["code"]: s for s in proposed}
    order = [s["code"] for s in proposed]
    last = -1
    for stage in shared:
        mine = by_code.get(stage["code"])
        if mine is None:
            raise DomainError("required_stage_removed", f"不能删除统一标准中的阶段「{stage['name']}」")
        missing = set(stage["required_records"]) - set(mine.get("required_records", []))
        if missing:
            raise DomainError(
                "required_record_removed",
                f"不能删除阶段「{stage['name']}」的必备文书：{'、'.join(sorted(missing))}",
            )
        pos = order.index(stage["code"])
        if pos < last:
            raise DomainError("stage_order_changed", f"不能改变阶段「{stage['name']}」的顺序")
        last = pos


def condition_holds(condition: str | None, facts: CaseFacts) -> bool:
    """Whether a conditional stage applies to this case."""
    if condition is None:
        return True
    if condition == "major":
        return facts.is_major
    if condition == "hearing_requested":
        return bool(facts.records.get("hearing_request"))
    if condition == "statement_requested":
        return bool(facts.records.get("statement_request"))
    return False


def missing_records(stage: Mapping[str, Any], records: Mapping[str, Sequence[int]]) -> list[str]:
    """Required forms of ``stage`` not yet on the trail (``a|b`` needs either)."""
    missing = []
    for requirement in stage["required_records"]:
        options = requirement.split("|")
        if not any(records.get(form) for form in options):
            missing.append(" 或 ".join(FORMS.get(f, f) for f in options))
    return missing


def check_transition(stages: Sequence[Mapping[str, Any]], facts: CaseFacts, to: str) -> None:
    """Refuse a transition that skips a stage, leaves records missing, or breaks §58/§62."""
    if facts.closed:
        raise DomainError("case_closed", "案件已结案归档，不能再变更阶段", status=409)
    codes = [s["code"] for s in stages]
    if to not in codes:
        raise DomainError("unknown_stage", f"该程序没有阶段 {to}")
    current = codes.index(facts.stage)
    target = codes.index(to)
    if target <= current:
        raise DomainError(
            "stage_order", f"不能从「{stages[current]['name']}」回到「{stages[target]['name']}」"
        )
    for skipped in stages[current + 1 : target]:
        if condition_holds(skipped.get("condition"), facts):
            raise DomainError(
                "stage_order",
                f"不能跳过「{skipped['name']}」阶段（从「{stages[current]['name']}」到「{stages[target]['name']}」）",
            )
    if not condition_holds(stages[target].get("condition"), facts):
        raise DomainError("stage_not_applicable", f"本案不适用「{stages[target]['name']}」阶段")
    missing = missing_records(stages[current], facts.records)
    if missing:
        raise DomainError(
            "missing_records",
            f"「{stages[current]['name']}」阶段缺少必备文书：{'、'.join(missing)}",
            missing=missing,
        )
    if to == "decision":
        if facts.procedure_kind == EX_OFFICIO and not (
            facts.records.get("penalty_notice") and facts.records.get("statement_record")
        ):
            raise DomainError(
                "decision_without_notice",
                "未告知拟作出决定的事实、理由、依据并听取陈述申辩，不得作出决定（行政处罚法第六十二条）",
            )
        if facts.is_major and not facts.approved_review:
            raise DomainError(
                "legal_review_required",
                "重大执法决定未经法制审核或审核未通过，不得作出决定（行政处罚法第五十八条）",
            )


def text_digest(text: str) -> str:
    """SHA-256 of the record text exactly as shown to the signer."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def check_record(payload: Mapping[str, Any], certified: Mapping[str, str | None]) -> None:
    """Validate a form record. ``certified`` maps user id → certificate number of the case's department."""
    form = payload.get("form")
    if form not in FORMS:
        raise DomainError("unknown_form", f"未知的文书类型：{form}")
    text = payload.get("text")
    if not isinstance(text, str) or not text.strip():
        raise DomainError("record_text_missing", f"{FORMS[form]}缺少文书正文")
    digest = text_digest(text)
    if payload.get("text_sha256") not in (None, digest):
        raise DomainError("record_text_hash_mismatch", "文书正文与其摘要不一致")
    for sig in payload.get("signatures") or []:
        if sig.get("text_sha256") != digest:
            raise DomainError(
                "signature_not_bound",
                f"{sig.get('name', '签名人')}的签名不是针对本文书正文作出的（摘要不一致）",
            )
    if form in ONSITE_FORMS:
        _check_onsite(form, payload, certified)
    if form == "service_receipt":
        method = (payload.get("fields") or {}).get("method")
        if method not in SERVICE_METHODS:
            raise DomainError("service_method_invalid", "送达回证须写明送达方式")
    if form == "legal_review_opinion" and not (payload.get("fields") or {}).get("outcome"):
        raise DomainError("review_outcome_missing", "法制审核意见须写明审核结论")


def _check_onsite(form: str, payload: Mapping[str, Any], certified: Mapping[str, str | None]) -> None:
    officers = payload.get("officers") or []
    ids = {o.get("user_id") for o in officers if isinstance(o, Mapping)}
    holders = {uid for uid in ids if isinstance(uid, str) and certified.get(uid)}
    if len(holders) < 2:
        raise DomainError(
            "onsite_needs_two_officers",
            f"{FORMS[form]}须由两名以上持有执法证件的执法人员实施（行政处罚法第四十二条），"
            f"本记录只有 {len(holders)} 名",
        )
    for officer in officers:
        uid = officer.get("user_id")
        if uid in holders and officer.get("certificate_no") not in (None, certified[uid]):
            raise DomainError("certificate_mismatch", "执法证号与登记的不一致")
    sigs = payload.get("signatures") or []
    roles = {s.get("role") for s in sigs}
    refused = payload.get("party_refused")
    if "party" not in roles:
        if not refused or not refused.get("reason") or not refused.get("witness_name"):
            raise DomainError("party_signature_missing", "当事人须签名；拒绝签名的，须注明原因并由见证人签名")
        if "witness" not in roles:
            raise DomainError("witness_signature_missing", "当事人拒绝签名的，须由见证人签名")
    if form == "inquiry_record" and "officer" not in roles:
        raise DomainError("officer_signature_missing", "询问笔录须由执法人员签名")
    if not payload.get("av_media") and not payload.get("no_av_reason"):
        raise DomainError("av_reason_missing", "现场执法行为应全程音像记录；没有音像记录的，须说明原因")


def review_approves(payload: Mapping[str, Any]) -> bool:
    """Whether a legal review opinion lets a decision go ahead."""
    return (payload.get("fields") or {}).get("outcome") in APPROVING_REVIEW_OUTCOMES
