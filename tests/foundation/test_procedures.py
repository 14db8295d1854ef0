"""Stage rules of DESIGN §2 and LEGAL.md, enforced by the server."""

from __future__ import annotations

from typing import Any

import pytest

from backend.demo import record
from backend.procedures.templates import ON_APPLICATION_STAGES
from tests.conftest import bearer
from tests.foundation.helpers import add_record, append, move, officer_pair, open_case, trail

LEADER_FORMS = {"filing_approval", "decision_document", "archive_record"}


async def _walk(
    client: Any,
    case: dict[str, Any],
    heads: dict[str, dict[str, str]],
    pair: Any,
    skip_conditional: bool = True,
) -> list[str]:
    visited = [case["stage"]]
    stages = case["stages"]
    codes = [s["code"] for s in stages]
    while True:
        current = stages[codes.index(visited[-1])]
        for requirement in current["required_records"]:
            form = requirement.split("|")[0]
            who = (
                "leader1"
                if form in LEADER_FORMS
                else "reviewer1"
                if form == "legal_review_opinion"
                else "officer1"
            )
            await add_record(client, heads[who], case["id"], form, pair)
        following = [
            s
            for s in stages[codes.index(visited[-1]) + 1 :]
            if not (skip_conditional and s["condition"] and s["condition"] != "major")
        ]
        following = [s for s in following if s["condition"] != "major" or case.get("is_major")]
        if not following:
            return visited
        response = await move(client, heads["officer1"], case["id"], following[0]["code"])
        assert response.status_code == 201, response.text
        visited.append(following[0]["code"])


@pytest.fixture
async def heads(client: Any) -> dict[str, dict[str, str]]:
    return {u: await bearer(client, u) for u in ("officer1", "officer2", "leader1", "reviewer1", "eco1")}


@pytest.mark.parametrize(
    "ptype", ["administrative_penalty", "administrative_coercion", "administrative_levy"]
)
async def test_ex_officio_case_walks_every_stage_and_is_archived(client: Any, heads: Any, ptype: str) -> None:
    pair = await officer_pair(client, heads["officer1"])
    case = await open_case(client, heads["officer1"], ptype)
    visited = await _walk(client, case, heads, pair)
    assert visited == [
        "onsite_inspection",
        "case_source_registration",
        "filing",
        "investigation",
        "case_review",
        "statement_defence",
        "decision",
        "service",
        "execution",
        "archiving",
    ]
    final = (await client.get(f"/api/cases/{case['id']}", headers=heads["officer1"])).json()
    assert final["closed"] is True
    assert final["case_no"].startswith("嘉市监罚〔") and final["case_no"].endswith("号")
    closed = await append(client, heads["officer1"], case["id"], "note", {"text": "结案后补充"})
    assert closed.status_code == 409 and closed.json()["code"] == "case_closed"


@pytest.mark.parametrize(
    "ptype", ["administrative_licensing", "administrative_confirmation", "administrative_adjudication"]
)
async def test_on_application_case_walks_every_stage(client: Any, heads: Any, ptype: str) -> None:
    pair = await officer_pair(client, heads["officer1"])
    case = await open_case(client, heads["officer1"], ptype)
    visited = await _walk(client, case, heads, pair)
    assert visited == [s["code"] for s in ON_APPLICATION_STAGES if s["condition"] is None]


async def test_major_case_passes_hearing_legal_review_and_collective_discussion(
    client: Any, heads: Any
) -> None:
    pair = await officer_pair(client, heads["officer1"])
    case = await open_case(client, heads["leader1"], is_major=True)
    await add_record(client, heads["officer1"], case["id"], "hearing_request", pair)
    visited = []
    for stage in ["case_source_registration", "filing", "investigation", "case_review", "statement_defence"]:
        current = next(
            s for s in case["stages"] if s["code"] == (visited[-1] if visited else "onsite_inspection")
        )
        for requirement in current["required_records"]:
            form = requirement.split("|")[0]
            await add_record(
                client, heads["leader1" if form in LEADER_FORMS else "officer1"], case["id"], form, pair
            )
        assert (await move(client, heads["officer1"], case["id"], stage)).status_code == 201
        visited.append(stage)
    for form in ("penalty_notice", "statement_record"):
        await add_record(client, heads["officer1"], case["id"], form, pair)
    skip = await move(client, heads["officer1"], case["id"], "legal_review")
    assert skip.status_code == 422 and skip.json()["code"] == "stage_order"  # the hearing was requested
    await move(client, heads["officer1"], case["id"], "hearing")
    await add_record(client, heads["officer1"], case["id"], "hearing_record", pair)
    assert (await move(client, heads["officer1"], case["id"], "legal_review")).status_code == 201
    own = await append(client, heads["officer1"], case["id"], "record", record("legal_review_opinion", pair))
    assert own.status_code == 403
    await add_record(client, heads["reviewer1"], case["id"], "legal_review_opinion", pair)
    assert (await move(client, heads["officer1"], case["id"], "collective_discussion")).status_code == 201
    await add_record(client, heads["officer1"], case["id"], "collective_discussion_record", pair)
    assert (await move(client, heads["officer1"], case["id"], "decision")).status_code == 201


async def test_major_case_cannot_be_decided_without_approved_review(client: Any, heads: Any) -> None:
    cid, pair = await _case_at_statement(client, heads, opener="leader1", is_major=True)
    for form in ("penalty_notice", "statement_record"):
        await add_record(client, heads["officer1"], cid, form, pair)
    assert (await move(client, heads["officer1"], cid, "decision")).json()["code"] == "stage_order"
    await move(client, heads["officer1"], cid, "legal_review")
    await add_record(
        client, heads["reviewer1"], cid, "legal_review_opinion", pair, fields={"outcome": "不同意"}
    )
    refused = await move(client, heads["officer1"], cid, "collective_discussion")
    assert refused.status_code == 201  # the review stage has its record; the decision is what §58 blocks
    await add_record(client, heads["officer1"], cid, "collective_discussion_record", pair)
    before = await trail(client, heads["officer1"], cid)
    blocked = await move(client, heads["officer1"], cid, "decision")
    assert blocked.status_code == 422
    assert blocked.json()["code"] == "legal_review_required"
    assert "第五十八条" in blocked.json()["detail"]
    assert await trail(client, heads["officer1"], cid) == before


async def _case_at_statement(
    client: Any, heads: Any, opener: str = "officer1", **extra: Any
) -> tuple[str, Any]:
    """A case walked, with every required record, to 听取陈述申辩."""
    pair = await officer_pair(client, heads["officer1"])
    case = await open_case(client, heads[opener], **extra)
    cid = case["id"]
    for form, to in [
        ("inspection_record", "case_source_registration"),
        ("source_registration", "filing"),
        ("filing_approval", "investigation"),
        ("inquiry_record", "case_review"),
        ("review_report", "statement_defence"),
    ]:
        await add_record(client, heads["leader1" if form in LEADER_FORMS else "officer1"], cid, form, pair)
        assert (await move(client, heads["officer1"], cid, to)).status_code == 201
    return cid, pair


async def test_decision_without_notice_and_defence_is_refused(client: Any, heads: Any) -> None:
    cid, pair = await _case_at_statement(client, heads)
    before = await trail(client, heads["officer1"], cid)
    refused = await move(client, heads["officer1"], cid, "decision")
    assert refused.status_code == 422
    assert refused.json()["code"] == "missing_records"
    assert "事先告知书" in refused.json()["detail"]
    await add_record(client, heads["officer1"], cid, "penalty_notice", pair)
    still = await move(client, heads["officer1"], cid, "decision")
    assert still.json()["code"] == "missing_records" and "陈述申辩笔录" in still.json()["detail"]
    assert len(await trail(client, heads["officer1"], cid)) == len(before) + 1


def test_decision_rule_of_section_62_holds_even_for_added_stages() -> None:
    from backend.errors import DomainError
    from backend.procedures.rules import CaseFacts, check_transition, effective_stages
    from backend.procedures.templates import EX_OFFICIO_STAGES

    stages = [s for s in effective_stages(EX_OFFICIO_STAGES, []) if s["code"] != "statement_defence"]
    facts = CaseFacts(
        stage="case_review",
        procedure_kind="ex_officio",
        is_major=False,
        closed=False,
        records={"review_report": [5]},
        approved_review=False,
    )
    with pytest.raises(DomainError) as refused:
        check_transition(stages, facts, "decision")
    assert refused.value.code == "decision_without_notice"


async def test_skipped_stage_is_refused_and_trail_unchanged(client: Any, heads: Any) -> None:
    pair = await officer_pair(client, heads["officer1"])
    case = await open_case(client, heads["officer1"])
    await add_record(client, heads["officer1"], case["id"], "inspection_record", pair)
    before = await trail(client, heads["officer1"], case["id"])
    response = await move(client, heads["officer1"], case["id"], "filing")
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "stage_order" and "案源登记" in body["detail"]
    assert response.headers["content-type"].startswith("application/problem+json")
    assert await trail(client, heads["officer1"], case["id"]) == before


async def test_missing_required_record_is_refused(client: Any, heads: Any) -> None:
    case = await open_case(client, heads["officer1"])
    response = await move(client, heads["officer1"], case["id"], "case_source_registration")
    assert response.status_code == 422
    assert response.json()["code"] == "missing_records"
    assert "现场检查笔录" in response.json()["detail"]
    assert len(await trail(client, heads["officer1"], case["id"])) == 1


async def test_onsite_record_with_one_officer_is_refused(client: Any, heads: Any) -> None:
    pair = await officer_pair(client, heads["officer1"])
    case = await open_case(client, heads["officer1"])
    for officers in ([pair[0]], [pair[0], pair[0]], [pair[0], ("00000000-0000-0000-0000-000000000000", "x")]):
        response = await append(
            client, heads["officer1"], case["id"], "record", record("sampling_record", officers)
        )
        assert response.status_code == 422
        assert response.json()["code"] == "onsite_needs_two_officers"
        assert "第四十二条" in response.json()["detail"]
    assert len(await trail(client, heads["officer1"], case["id"])) == 1


async def test_onsite_record_needs_party_signature_or_witnessed_refusal(client: Any, heads: Any) -> None:
    pair = await officer_pair(client, heads["officer1"])
    case = await open_case(client, heads["officer1"])
    unsigned = record("inspection_record", pair)
    unsigned["signatures"] = [s for s in unsigned["signatures"] if s["role"] != "party"]
    response = await append(client, heads["officer1"], case["id"], "record", unsigned)
    assert response.json()["code"] == "party_signature_missing"
    refused = {**unsigned, "party_refused": {"reason": "当事人拒绝签字", "witness_name": "社区干部"}}
    response = await append(client, heads["officer1"], case["id"], "record", refused)
    assert response.json()["code"] == "witness_signature_missing"
    witness = {**unsigned["signatures"][0], "role": "witness", "name": "社区干部"}
    refused["signatures"] = [*unsigned["signatures"], witness]
    assert (await append(client, heads["officer1"], case["id"], "record", refused)).status_code == 201


async def test_signature_over_other_text_does_not_verify(client: Any, heads: Any) -> None:
    pair = await officer_pair(client, heads["officer1"])
    case = await open_case(client, heads["officer1"])
    signed = record("inspection_record", pair, text="原文")
    changed = {**signed, "text": "改过的正文", "text_sha256": None}
    response = await append(client, heads["officer1"], case["id"], "record", changed)
    assert response.status_code == 422 and response.json()["code"] == "signature_not_bound"


async def test_filing_assigns_unique_case_numbers_per_department_and_year(client: Any, heads: Any) -> None:
    pair = await officer_pair(client, heads["officer1"])
    numbers = []
    for _ in range(2):
        case = await open_case(client, heads["officer1"])
        await add_record(client, heads["leader1"], case["id"], "filing_approval", pair)
        numbers.append(
            (await client.get(f"/api/cases/{case['id']}", headers=heads["officer1"])).json()["case_no"]
        )
    assert numbers[0] != numbers[1]
    serials = [int(n.split("〕")[1].rstrip("号")) for n in numbers]
    assert serials[1] == serials[0] + 1


async def test_only_a_leader_approves_filing(client: Any, heads: Any) -> None:
    pair = await officer_pair(client, heads["officer1"])
    case = await open_case(client, heads["officer1"])
    response = await append(client, heads["officer1"], case["id"], "record", record("filing_approval", pair))
    assert response.status_code == 403 and response.json()["code"] == "leader_only"


async def test_department_may_add_stages_but_not_remove_required_ones(db: Any) -> None:
    from backend.db.models import Department
    from backend.demo import demo_id
    from backend.errors import DomainError
    from backend.procedures.rules import check_department_template
    from backend.procedures.service import add_department_stage, stages_for
    from backend.procedures.templates import EX_OFFICIO_STAGES

    async with db.write() as session:
        dept = await session.get(Department, demo_id("dept:市场监管"))
        await add_department_stage(
            session,
            department=dept,
            procedure_type="administrative_penalty",
            after_stage="case_review",
            code="pre_review",
            name="内部预审",
            required_records=["review_report"],
        )
        stages = await stages_for(session, dept, "administrative_penalty")
        other = await stages_for(
            session, await session.get(Department, demo_id("dept:海宁市场监管")), "administrative_penalty"
        )
    codes = [s["code"] for s in stages]
    assert codes[codes.index("case_review") + 1] == "pre_review"
    assert "pre_review" not in [s["code"] for s in other]
    with pytest.raises(DomainError) as removed:
        check_department_template(EX_OFFICIO_STAGES, [s for s in stages if s["code"] != "filing"])
    assert removed.value.code == "required_stage_removed"
