"""Authorization matrix: every endpoint × every role × own/other department, with the expected answer."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Litestar

from backend.demo import demo_id
from tests.conftest import bearer

OWN = demo_id("case:1")  # 市场监管, officer1 and officer2 assigned
ROLES = ["officer1", "reviewer1", "leader1", "supervisor1", "admin", "anonymous"]


def new_case() -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "procedure_type": "administrative_penalty",
        "cause": "矩阵测试",
        "party": {"type": "person", "name": "测试当事人"},
        "officer_ids": [],
    }


# (method, path template, body factory, {role: (own status, other status)})
MATRIX: list[tuple[str, str, Any, dict[str, tuple[int, int]]]] = [
    (
        "GET",
        "/api/cases/{case}",
        None,
        {
            "officer1": (200, 404),
            "reviewer1": (200, 404),
            "leader1": (200, 404),
            "supervisor1": (200, 200),
            "admin": (404, 404),
            "anonymous": (401, 401),
        },
    ),
    (
        "GET",
        "/api/cases/{case}/trail",
        None,
        {
            "officer1": (200, 404),
            "reviewer1": (200, 404),
            "leader1": (200, 404),
            "supervisor1": (200, 200),
            "admin": (404, 404),
            "anonymous": (401, 401),
        },
    ),
    (
        "POST",
        "/api/cases/{case}/entries",
        lambda: {"kind": "note", "payload": {"text": "备注"}},
        {
            "officer1": (201, 404),
            "reviewer1": (201, 404),
            "leader1": (201, 404),
            "supervisor1": (403, 403),
            "admin": (404, 404),
            "anonymous": (401, 401),
        },
    ),
    (
        "POST",
        "/api/cases/{case}/entries",
        lambda: {"kind": "stage_transition", "payload": {"to": "filing"}},
        {
            "officer1": (422, 404),
            "reviewer1": (403, 404),
            "leader1": (422, 404),
            "supervisor1": (403, 403),
            "admin": (404, 404),
            "anonymous": (401, 401),
        },
    ),
    (
        "POST",
        "/api/cases",
        new_case,
        {
            "officer1": (201, 201),
            "reviewer1": (403, 403),
            "leader1": (201, 201),
            "supervisor1": (403, 403),
            "admin": (403, 403),
            "anonymous": (401, 401),
        },
    ),
    ("GET", "/api/cases", None, dict.fromkeys(ROLES[:-1], (200, 200)) | {"anonymous": (401, 401)}),
    ("GET", "/api/me", None, dict.fromkeys(ROLES[:-1], (200, 200)) | {"anonymous": (401, 401)}),
    ("GET", "/api/users", None, dict.fromkeys(ROLES[:-1], (200, 200)) | {"anonymous": (401, 401)}),
    ("GET", "/api/procedures", None, dict.fromkeys(ROLES[:-1], (200, 200)) | {"anonymous": (401, 401)}),
    ("POST", "/api/auth/logout", None, dict.fromkeys(ROLES[:-1], (204, 204)) | {"anonymous": (401, 401)}),
    ("GET", "/api/health", None, dict.fromkeys(ROLES, (200, 200))),
]
# Sync and media endpoints: test_authorization_capabilities.py (and tests/sync, tests/media).
COVERED_ELSEWHERE = ("/api/sync", "/api/devices", "/api/uploads", "/api/media")
PUBLIC = {"/api/auth/login", "/api/auth/token"}


async def test_every_endpoint_for_every_role_and_department(client: Any, app: Litestar) -> None:
    eco = await bearer(client, "eco1")
    other = new_case()
    assert (await client.post("/api/cases", json=other, headers=eco)).status_code == 201
    mismatches = []
    tokens = {role: await bearer(client, role) for role in ROLES if role != "anonymous"}
    for role in ROLES:
        for method, template, body, expected in MATRIX:
            for which, case_id in (("own", OWN), ("other", other["id"])):
                if method == "POST" and template == "/api/auth/logout" and role != "anonymous":
                    tokens[role] = await bearer(client, role)
                headers = tokens.get(role, {})
                path = template.format(case=case_id)
                response = await client.request(method, path, json=body() if body else None, headers=headers)
                want = expected[role][0 if which == "own" else 1]
                if response.status_code != want:
                    mismatches.append(f"{role} {method} {path} ({which}): {response.status_code} != {want}")
                if method == "POST" and template == "/api/auth/logout" and role != "anonymous":
                    tokens[role] = await bearer(client, role)
                if response.status_code >= 400:
                    assert response.headers["content-type"].startswith("application/problem+json")
    assert not mismatches, "\n".join(mismatches)
    listed = {
        path
        for route in app.routes
        for path in [route.path]
        if path.startswith("/api") and not path.startswith(COVERED_ELSEWHERE)
    }
    in_matrix = {t.replace("{case}", "{case_id:uuid}") for _, t, _, _ in MATRIX} | PUBLIC
    assert listed <= in_matrix, f"endpoints without an authorization row: {listed - in_matrix}"


async def test_case_lists_are_scoped(client: Any) -> None:
    eco = await bearer(client, "eco1")
    other = new_case()
    await client.post("/api/cases", json=other, headers=eco)
    ids = {}
    for user in ("officer1", "supervisor1", "admin", "eco1", "haining1"):
        body = (await client.get("/api/cases?limit=500", headers=await bearer(client, user))).json()
        ids[user] = {c["id"] for c in body["items"]}
    assert OWN in ids["officer1"] and other["id"] not in ids["officer1"]
    assert {OWN, other["id"]} <= ids["supervisor1"]
    assert ids["admin"] == set()
    assert ids["eco1"] == {other["id"]}
    assert ids["haining1"] == set()


async def test_officers_see_only_assigned_cases_where_the_department_says_so(client: Any, db: Any) -> None:
    from backend.db.models import Department

    async with db.write() as session:
        dept = await session.get(Department, demo_id("dept:市场监管"))
        dept.restrict_to_assigned = True
        session.add(dept)
    officer3 = await bearer(client, "officer3")
    assert (await client.get(f"/api/cases/{OWN}", headers=officer3)).status_code == 404
    assert OWN not in {c["id"] for c in (await client.get("/api/cases", headers=officer3)).json()["items"]}
    assert (
        await client.get(f"/api/cases/{OWN}", headers=await bearer(client, "officer1"))
    ).status_code == 200


async def test_no_endpoint_edits_or_deletes_a_trail_entry(client: Any, app: Litestar) -> None:
    for route in app.routes:
        if "trail" in route.path or "entries" in route.path:
            methods = set(getattr(route, "methods", set()))
            assert not methods & {"PUT", "PATCH", "DELETE"}, route.path
    headers = await bearer(client, "leader1")
    for method in ("PUT", "PATCH", "DELETE"):
        response = await client.request(method, f"/api/cases/{OWN}/entries", headers=headers)
        assert response.status_code == 405


async def test_case_list_pages_with_next_offset_and_counts_on_request(client: Any) -> None:
    officer = await bearer(client, "officer1")
    everything = (await client.get("/api/cases?limit=500&with_total=true", headers=officer)).json()
    assert everything["total"] == len(everything["items"]) and everything["next_offset"] is None
    seen, offset = [], 0
    while offset is not None:
        page = (await client.get(f"/api/cases?limit=3&offset={offset}", headers=officer)).json()
        assert page["total"] is None and len(page["items"]) <= 3
        seen += [c["id"] for c in page["items"]]
        offset = page["next_offset"]
    assert seen == [c["id"] for c in everything["items"]]
    found = (await client.get("/api/cases?q=超市&with_total=true", headers=officer)).json()
    assert found["total"] == 1 and "超市" in found["items"][0]["party"]["name"]
