"""The sync endpoints end to end on SQLite and PostgreSQL: devices, push, refusals, conflicts, pull."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from synchelp import Device

from backend.db.engine import Database
from backend.db.models import AuditEvent, Case, TrailEntry
from backend.demo import DEMO_PASSWORD
from backend.settings import Settings
from backend.trail.chain import StoredEntry, verify_chain

Client = AsyncTestClient[Litestar]


@pytest.fixture
async def probe(settings: Settings) -> AsyncIterator[Database]:
    """A database handle on the test's own loop (the app's pool lives on the test client's loop)."""
    database = Database(settings.database_url)
    yield database
    await database.dispose()


async def login(client: Client, username: str) -> dict[str, str]:
    r = await client.post("/api/auth/token", json={"username": username, "password": DEMO_PASSWORD})
    assert r.status_code in (200, 201), r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


async def user_id(client: Client, headers: dict[str, str]) -> str:
    return str((await client.get("/api/me", headers=headers)).json()["id"])


async def registered(client: Client, headers: dict[str, str]) -> Device:
    device = Device()
    r = await client.post(
        "/api/devices",
        json={"device_id": device.device_id, "public_key": device.public_key_b64},
        headers=headers,
    )
    assert r.status_code == 201, r.text
    return device


async def push(client: Client, headers: dict[str, str], device: Device, ops: list[dict[str, Any]]) -> Any:
    return await client.post(
        "/api/sync/push", json={"device_id": device.device_id, "ops": ops}, headers=headers
    )


def open_payload(officers: list[str], cause: str = "销售过期食品") -> dict[str, Any]:
    return {
        "procedure_type": "administrative_penalty",
        "cause": cause,
        "party": {"type": "organisation", "name": "嘉兴某超市有限公司"},
        "officer_ids": officers,
    }


async def chains_verify(db: Database) -> None:
    async with db.session() as session:
        rows = list(
            await session.scalars(select(TrailEntry).order_by(TrailEntry.case_id, TrailEntry.case_seq))
        )  # type: ignore[arg-type]
    by_case: dict[str, list[StoredEntry]] = {}
    for r in rows:
        assert r.seq is not None
        by_case.setdefault(r.case_id, []).append(
            StoredEntry(r.seq, r.case_id, r.case_seq, r.kind, r.body, r.prev_hash, r.hash)
        )
    for case_id, entries in by_case.items():
        assert verify_chain(case_id, entries, expected_length=None, expected_head=None) == []


async def audits(db: Database, kind: str) -> list[AuditEvent]:
    async with db.session() as session:
        return list(await session.scalars(select(AuditEvent).where(AuditEvent.kind == kind)))  # type: ignore[arg-type]


async def test_push_applies_ops_and_a_retry_returns_the_stored_answers(
    client: Client, probe: Database
) -> None:
    h1 = await login(client, "officer1")
    o1, o2 = await user_id(client, h1), await user_id(client, await login(client, "officer2"))
    device = await registered(client, h1)
    case_id = str(uuid.uuid4())
    ops = [
        device.op(case_id, "case_open", open_payload([o1, o2])),
        device.op(case_id, "note", {"text": "到达现场"}, base_seq=1),
        device.op(
            case_id,
            "photo",
            {"sha256": "b" * 64, "filename": "a.jpg", "content_type": "image/jpeg", "size": 10},
            media=["b" * 64],
            base_seq=1,
        ),
    ]
    r = await push(client, h1, device, ops)
    assert r.status_code == 200, r.text
    body = r.json()
    assert [x["status"] for x in body["results"]] == ["applied"] * 3
    assert [x["case_seq"] for x in body["results"]] == [1, 2, 3]
    assert body["last_acked_seq"] == 3
    again = (await push(client, h1, device, ops)).json()
    assert [x["status"] for x in again["results"]] == ["duplicate"] * 3
    assert [(x["seq"], x["hash"]) for x in again["results"]] == [
        (x["seq"], x["hash"]) for x in body["results"]
    ]
    trail = (await client.get(f"/api/cases/{case_id}/trail", headers=h1)).json()["items"]
    assert len(trail) == 3
    assert trail[2]["evidence_pending"] == ["b" * 64]
    assert trail[1]["op_id"] == ops[1]["op_id"]
    await chains_verify(probe)


async def test_gap_stops_the_batch_with_409_and_the_expected_seq(client: Client) -> None:
    h1 = await login(client, "officer1")
    device = await registered(client, h1)
    case_id = str(uuid.uuid4())
    first = device.op(case_id, "case_open", open_payload([await user_id(client, h1)]))
    device.op(case_id, "note", {"text": "lost"})
    third = device.op(case_id, "note", {"text": "after a gap"})
    r = await push(client, h1, device, [first, third])
    assert r.status_code == 409
    problem = r.json()
    assert problem["code"] == "device_seq_gap"
    assert problem["expected_seq"] == 2
    assert r.headers["content-type"].startswith("application/problem+json")
    assert [x["device_seq"] for x in problem["results"]] == [1]


async def test_refusals_are_problem_details_and_audited(client: Client, probe: Database) -> None:
    h1, h2 = await login(client, "officer1"), await login(client, "officer2")
    mine, theirs = await registered(client, h1), await registered(client, h2)
    case_id = str(uuid.uuid4())

    tampered = mine.op(case_id, "note", {"text": "原文"})
    tampered["payload"] = {"text": "改过"}
    r = await push(client, h1, mine, [tampered])
    assert (r.status_code, r.json()["code"]) == (403, "signature_invalid")

    # officer2's device key signing an op that claims officer1's device
    forged = theirs.op(case_id, "note", {"text": "x"})
    forged["device_id"] = mine.device_id
    from sync.signing import sign_op

    forged = sign_op(theirs.key, forged)
    r = await push(client, h1, mine, [forged])
    assert (r.status_code, r.json()["code"]) == (403, "signature_invalid")

    # pushing through another user's device
    r = await push(client, h2, mine, [mine.op(case_id, "note", {"text": "x"})])
    assert (r.status_code, r.json()["code"]) == (403, "device_not_owned")

    unknown = Device()
    r = await push(client, h1, unknown, [unknown.op(case_id, "note", {"text": "x"})])
    assert (r.status_code, r.json()["code"]) == (403, "device_unknown")

    # an op made on officer2's device replayed inside officer1's batch
    r = await push(client, h1, mine, [theirs.op(case_id, "note", {"text": "x"})])
    assert (r.status_code, r.json()["code"]) == (403, "device_mismatch")

    for code in ("signature_invalid", "device_not_owned", "device_unknown", "device_mismatch"):
        assert await audits(probe, f"sync_refused.{code}"), code
    async with probe.session() as session:
        assert await session.scalar(select(TrailEntry).where(TrailEntry.case_id == case_id)) is None  # type: ignore[arg-type]


async def test_device_cannot_be_taken_over_by_another_user(client: Client, probe: Database) -> None:
    h1, h2 = await login(client, "officer1"), await login(client, "officer2")
    device = await registered(client, h1)
    r = await client.post(
        "/api/devices",
        json={"device_id": device.device_id, "public_key": Device().public_key_b64},
        headers=h2,
    )
    assert (r.status_code, r.json()["code"]) == (409, "device_taken")
    assert await audits(probe, "sync_refused.device_taken")
    r = await client.post(
        "/api/devices", json={"device_id": device.device_id, "public_key": "AAAA" * 20}, headers=h1
    )
    assert r.status_code == 422
    assert r.json()["code"] == "device_key_invalid"


async def test_business_rejection_is_kept_in_the_case_trail_and_the_queue_moves_on(
    client: Client, probe: Database
) -> None:
    h1 = await login(client, "officer1")
    device = await registered(client, h1)
    case_id = str(uuid.uuid4())
    ops = [
        device.op(case_id, "case_open", open_payload([await user_id(client, h1)])),
        device.op(case_id, "stage_transition", {"to": "archiving"}, base_seq=1),
        device.op(case_id, "note", {"text": "继续记录"}, base_seq=1),
    ]
    body = (await push(client, h1, device, ops)).json()
    assert [x["status"] for x in body["results"]] == ["applied", "rejected", "applied"]
    assert body["results"][1]["code"]
    assert body["last_acked_seq"] == 3
    trail = (await client.get(f"/api/cases/{case_id}/trail", headers=h1)).json()["items"]
    assert trail[1]["kind"] == "rejected"
    assert trail[1]["payload"]["op"] == ops[1]
    await chains_verify(probe)


async def test_rejected_op_without_a_visible_case_goes_to_the_device_quarantine_chain(
    client: Client, probe: Database
) -> None:
    h1 = await login(client, "eco1")  # another department: may not see or touch market cases
    device = await registered(client, h1)
    market_case = str(uuid.uuid5(uuid.UUID("6c697568-656e-4465-8d6f-000000000000"), "case:0"))
    bad_open = device.op(str(uuid.uuid4()), "case_open", {"procedure_type": "nonsense"})
    intrusion = device.op(market_case, "note", {"text": "不该写入"})
    body = (await push(client, h1, device, [bad_open, intrusion])).json()
    assert [x["status"] for x in body["results"]] == ["rejected", "rejected"]
    assert body["results"][0]["case_seq"] == 1
    assert body["results"][1]["case_seq"] == 2
    pulled = (await client.get("/api/sync/pull?cursor=0", headers=h1)).json()
    mine = [e for e in pulled["entries"] if e["kind"] == "rejected"]
    assert [e["payload"]["op"]["op_id"] for e in mine] == [bad_open["op_id"], intrusion["op_id"]]
    assert "quarantine" in mine[0]["flags"]
    async with probe.session() as session:
        market = await session.get(Case, market_case)
        assert market is not None
        assert not await session.scalar(
            select(TrailEntry).where(
                TrailEntry.op_id == intrusion["op_id"],  # type: ignore[arg-type]
                TrailEntry.case_id == market_case,
            )
        )
    await chains_verify(probe)


async def test_same_field_changed_concurrently_is_a_conflict_until_resolved(
    client: Client, probe: Database
) -> None:
    h1, h2 = await login(client, "officer1"), await login(client, "officer2")
    o1, o2 = await user_id(client, h1), await user_id(client, h2)
    d1, d2 = await registered(client, h1), await registered(client, h2)
    case_id = str(uuid.uuid4())
    await push(client, h1, d1, [d1.op(case_id, "case_open", open_payload([o1, o2]))])
    d2.physical_ms = d1.physical_ms + 10_000  # officer2 edits later (HLC)
    r1 = await push(client, h1, d1, [d1.op(case_id, "case_update", {"fields": {"cause": "甲"}}, base_seq=1)])
    assert r1.json()["results"][0]["status"] == "applied"
    r2 = await push(
        client,
        h2,
        d2,
        [
            d2.op(case_id, "case_update", {"fields": {"cause": "乙"}}, base_seq=1),
        ],
    )
    answer = r2.json()["results"][0]
    assert answer["status"] == "conflict"
    case = (await client.get(f"/api/cases/{case_id}", headers=h1)).json()
    assert case["cause"] == "乙"  # the later HLC
    assert case["has_unresolved_conflict"] is True
    trail = (await client.get(f"/api/cases/{case_id}/trail", headers=h1)).json()["items"]
    conflict = trail[answer["case_seq"] - 1]
    assert conflict["kind"] == "conflict"
    values = conflict["payload"]["conflicts"][0]["values"]
    assert {v["value"] for v in values} == {"甲", "乙"}
    assert {v["author_id"] for v in values} == {o1, o2}
    r3 = await push(
        client,
        h1,
        d1,
        [
            d1.op(
                case_id,
                "resolve",
                {"conflict_seq": answer["case_seq"], "value": "甲", "reason": "核实"},
                base_seq=answer["case_seq"],
            ),
        ],
    )
    assert r3.json()["results"][0]["status"] == "applied"
    case = (await client.get(f"/api/cases/{case_id}", headers=h1)).json()
    assert (case["cause"], case["has_unresolved_conflict"]) == ("甲", False)


async def test_different_fields_changed_concurrently_merge(client: Client) -> None:
    h1, h2 = await login(client, "officer1"), await login(client, "officer2")
    o1, o2 = await user_id(client, h1), await user_id(client, h2)
    d1, d2 = await registered(client, h1), await registered(client, h2)
    case_id = str(uuid.uuid4())
    await push(client, h1, d1, [d1.op(case_id, "case_open", open_payload([o1, o2]))])
    await push(client, h1, d1, [d1.op(case_id, "case_update", {"fields": {"cause": "甲"}}, base_seq=1)])
    d2.physical_ms = d1.physical_ms + 10_000  # officer2 pulled the case first, so its HLC is past case_open's
    party = {"type": "person", "name": "王某"}
    r = await push(client, h2, d2, [d2.op(case_id, "case_update", {"fields": {"party": party}}, base_seq=1)])
    assert r.json()["results"][0]["status"] == "merged"
    case = (await client.get(f"/api/cases/{case_id}", headers=h1)).json()
    assert (case["cause"], case["party"]["name"], case["has_unresolved_conflict"]) == ("甲", "王某", False)


async def test_pull_pages_by_cursor_within_scope_and_reports_the_acknowledged_seq(client: Client) -> None:
    h1, heco = await login(client, "officer1"), await login(client, "eco1")
    device = await registered(client, h1)
    case_id = str(uuid.uuid4())
    ops = [device.op(case_id, "case_open", open_payload([await user_id(client, h1)]))]
    ops += [device.op(case_id, "note", {"text": f"记录{i}"}, base_seq=1) for i in range(6)]
    await push(client, h1, device, ops)
    seen: list[dict[str, Any]] = []
    cursor = 0
    for _ in range(100):
        page = (
            await client.get(
                f"/api/sync/pull?cursor={cursor}&limit=4&device_id={device.device_id}", headers=h1
            )
        ).json()
        assert page["last_acked_seq"] == 7
        seen += page["entries"]
        cursor = page["cursor"]
        if not page["more"]:
            break
    assert [e["seq"] for e in seen] == sorted({e["seq"] for e in seen})
    assert [e["op_id"] for e in seen if e["case_id"] == case_id] == [o["op_id"] for o in ops]
    other = (await client.get("/api/sync/pull?cursor=0&limit=1000", headers=heco)).json()
    assert all(e["case_id"] != case_id for e in other["entries"])
    final = (await client.get(f"/api/sync/pull?cursor={cursor}", headers=h1)).json()
    assert (final["entries"], final["cursor"], final["more"]) == ([], cursor, False)


async def test_clock_drift_is_flagged_never_refused(client: Client) -> None:
    h1 = await login(client, "officer1")
    device = await registered(client, h1)
    case_id = str(uuid.uuid4())
    device.physical_ms = 4_102_444_800_000  # year 2100
    body = (
        await push(
            client,
            h1,
            device,
            [
                device.op(
                    case_id,
                    "case_open",
                    open_payload([await user_id(client, h1)]),
                    device_time="2100-01-01T00:00:00.000Z",
                ),
            ],
        )
    ).json()
    assert body["results"][0]["status"] == "applied"
    trail = (await client.get(f"/api/cases/{case_id}/trail", headers=h1)).json()["items"]
    assert trail[0]["flags"] == ["clock_drift"]
    assert json.loads(json.dumps(trail[0]))["hlc"].startswith("004102444801")


async def test_truncated_quarantine_chain_is_found_by_verify(client: Client, probe: Database) -> None:
    from sqlalchemy import text

    from backend.trail.verify import verify_all

    h1 = await login(client, "eco1")
    device = await registered(client, h1)
    ops = [device.op(str(uuid.uuid4()), "case_open", {"procedure_type": "nonsense"}) for _ in range(2)]
    body = (await push(client, h1, device, ops)).json()
    assert [x["status"] for x in body["results"]] == ["rejected", "rejected"]
    last = body["results"][-1]["seq"]
    async with probe.session() as session:
        assert (await verify_all(session))[2] == []
        if probe.is_sqlite:
            await session.execute(text("DROP TRIGGER trail_entry_no_delete"))
        else:
            await session.execute(text("DROP TRIGGER trail_entry_no_update ON trail_entry"))
        await session.execute(text("DELETE FROM trail_entry WHERE seq = :s"), {"s": last})
        await session.commit()
        findings = (await verify_all(session))[2]
    assert [f.problem for f in findings] == ["truncated"]
