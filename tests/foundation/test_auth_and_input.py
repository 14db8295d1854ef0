"""Login, sessions, CSRF, rate limiting, and bad input answered with problem details."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from backend.demo import DEMO_PASSWORD, demo_id
from tests.conftest import bearer

OWN = demo_id("case:1")


async def test_login_sets_a_strict_httponly_secure_cookie_and_csrf_guards_writes(client: Any) -> None:
    response = await client.post("/api/auth/login", json={"username": "officer1", "password": DEMO_PASSWORD})
    assert response.status_code == 201
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "samesite=strict" in cookie.lower()
    assert "Secure" in cookie
    csrf = response.json()["csrf_token"]
    assert (await client.get("/api/me")).json()["username"] == "officer1"
    note = {"kind": "note", "payload": {"text": "带 cookie 的写入"}}
    without = await client.post(f"/api/cases/{OWN}/entries", json=note)
    assert without.status_code == 403 and "CSRF" in without.json()["detail"]
    wrong = await client.post(f"/api/cases/{OWN}/entries", json=note, headers={"X-CSRF-Token": "nope"})
    assert wrong.status_code == 403
    ok = await client.post(f"/api/cases/{OWN}/entries", json=note, headers={"X-CSRF-Token": csrf})
    assert ok.status_code == 201
    assert (await client.post("/api/auth/logout", headers={"X-CSRF-Token": csrf})).status_code == 204
    assert (await client.get("/api/me")).status_code == 401


async def test_bearer_token_needs_no_csrf_and_logout_revokes_it(client: Any) -> None:
    response = await client.post("/api/auth/token", json={"username": "officer1", "password": DEMO_PASSWORD})
    body = response.json()
    assert body["token_type"] == "bearer" and body["expires_in"] > 0
    headers = {"Authorization": f"Bearer {body['access_token']}"}
    assert (
        await client.post(
            f"/api/cases/{OWN}/entries", json={"kind": "note", "payload": {"text": "x"}}, headers=headers
        )
    ).status_code == 201
    await client.post("/api/auth/logout", headers=headers)
    assert (await client.get("/api/me", headers=headers)).status_code == 401


async def test_wrong_password_is_401_and_repeated_failures_are_throttled(client: Any, db: Any) -> None:
    for _ in range(5):
        response = await client.post(
            "/api/auth/token", json={"username": "officer2", "password": "wrong-password"}
        )
        assert response.status_code == 401 and response.json()["code"] == "bad_credentials"
    throttled = await client.post("/api/auth/token", json={"username": "officer2", "password": DEMO_PASSWORD})
    assert throttled.status_code == 429
    assert int(throttled.headers["retry-after"]) > 0
    from sqlalchemy import select

    from backend.db.models import AuditEvent

    async with db.session() as session:
        kinds = [
            e.kind for e in await session.scalars(select(AuditEvent).where(AuditEvent.username == "officer2"))
        ]
    assert kinds.count("login_failed") == 5 and "login_throttled" in kinds


async def test_passwords_are_stored_as_argon2id(db: Any) -> None:
    from sqlalchemy import select

    from backend.db.models import User

    async with db.session() as session:
        user = await session.scalar(select(User).where(User.username == "officer1"))
    assert user.password_hash.startswith("$argon2id$")


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status"),
    [
        (
            "POST",
            "/api/cases",
            {"content": b"{not json", "headers": {"content-type": "application/json"}},
            400,
        ),
        (
            "POST",
            "/api/cases",
            {
                "json": {
                    "id": str(uuid.uuid4()),
                    "procedure_type": "administrative_penalty",
                    "cause": "x",
                    "party": {"type": "person", "name": "甲"},
                    "unexpected": 1,
                }
            },
            400,
        ),
        (
            "POST",
            "/api/cases",
            {"json": {"id": 12, "procedure_type": "nope", "cause": 5, "party": "甲"}},
            400,
        ),
        ("POST", "/api/cases", {"json": []}, 400),
        (
            "POST",
            "/api/cases",
            {
                "content": b'{"cause": "' + b"x" * 3_000_000 + b'"}',
                "headers": {"content-type": "application/json"},
            },
            413,
        ),
        ("GET", f"/api/cases/{uuid.uuid4()}", {}, 404),
        ("GET", "/api/cases/not-a-uuid", {}, 404),
        ("GET", f"/api/cases/{uuid.uuid4()}/trail", {}, 404),
        (
            "POST",
            f"/api/cases/{uuid.uuid4()}/entries",
            {"json": {"kind": "note", "payload": {"text": "x"}}},
            404,
        ),
        ("POST", f"/api/cases/{OWN}/entries", {"json": {"kind": "explode", "payload": {}}}, 422),
        ("POST", f"/api/cases/{OWN}/entries", {"json": {"kind": "note", "payload": "text"}}, 400),
        (
            "POST",
            f"/api/cases/{OWN}/entries",
            {"json": {"kind": "gps_fix", "payload": {"lat": "north"}}},
            422,
        ),
        (
            "POST",
            f"/api/cases/{OWN}/entries",
            {"json": {"kind": "photo", "payload": {"sha256": "../etc"}, "media": ["../etc/passwd"]}},
            422,
        ),
        ("POST", f"/api/cases/{OWN}/entries", {"json": {"kind": "record", "payload": {"form": 3}}}, 422),
        (
            "POST",
            f"/api/cases/{OWN}/entries",
            {"json": {"kind": "case_update", "payload": {"fields": {"stage": "archiving"}}}},
            422,
        ),
        (
            "POST",
            f"/api/cases/{OWN}/entries",
            {"json": {"kind": "resolve", "payload": {"conflict_seq": 99}}},
            409,
        ),
        ("GET", "/api/cases?limit=100000", {}, 400),
        ("GET", "/api/nothing-here", {}, 404),
    ],
)
async def test_bad_input_gets_a_problem_detail_never_a_500(
    client: Any, method: str, path: str, kwargs: dict[str, Any], status: int
) -> None:
    headers = {**kwargs.pop("headers", {}), **(await bearer(client, "officer1"))}
    response = await client.request(method, path, headers=headers, **kwargs)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status and body["title"] and body["detail"] and body["code"]


async def test_openapi_has_an_operation_id_on_every_operation(client: Any) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    missing = [
        f"{m.upper()} {p}"
        for p, item in schema["paths"].items()
        for m, op in item.items()
        if isinstance(op, dict) and "operationId" not in op
    ]
    assert not missing
    ids = [
        op["operationId"] for item in schema["paths"].values() for op in item.values() if isinstance(op, dict)
    ]
    assert len(ids) == len(set(ids))


async def test_health_reports_database(client: Any) -> None:
    assert (await client.get("/api/health")).json() == {"status": "ok", "database": True}


async def test_user_create_takes_the_password_on_stdin(run_cli: Any, client: Any) -> None:
    result = run_cli(
        "user",
        "create",
        "--username",
        "newofficer",
        "--role",
        "officer",
        "--department",
        "嘉兴市市场监督管理局",
        "--certificate-no",
        "33049999",
        stdin="a-long-password-1\n",
    )
    assert result.returncode == 0, result.stderr
    response = await client.post(
        "/api/auth/token", json={"username": "newofficer", "password": "a-long-password-1"}
    )
    assert response.status_code == 201
    bad = run_cli(
        "user",
        "create",
        "--username",
        "x",
        "--role",
        "emperor",
        "--department",
        "嘉兴市市场监督管理局",
        stdin="a-long-password-1\n",
    )
    assert bad.returncode == 2 and "未知角色" in bad.stderr


async def test_concurrent_conflicting_field_edits_are_kept_and_resolved(client: Any) -> None:
    officer, officer2 = await bearer(client, "officer1"), await bearer(client, "officer2")
    case = (await client.get(f"/api/cases/{OWN}", headers=officer)).json()
    base = case["trail_length"]
    a = await client.post(
        f"/api/cases/{OWN}/entries",
        headers=officer,
        json={"kind": "case_update", "payload": {"fields": {"cause": "甲说的案由"}}, "base_seq": base},
    )
    b = await client.post(
        f"/api/cases/{OWN}/entries",
        headers=officer2,
        json={"kind": "case_update", "payload": {"fields": {"cause": "乙说的案由"}}, "base_seq": base},
    )
    assert a.json()["status"] == "applied" and b.json()["status"] == "conflict"
    values = {v["value"] for v in b.json()["payload"]["conflicts"][0]["values"]}
    assert values == {"甲说的案由", "乙说的案由"}
    flagged = (await client.get(f"/api/cases/{OWN}", headers=officer)).json()
    assert flagged["has_unresolved_conflict"] is True
    c = await client.post(
        f"/api/cases/{OWN}/entries",
        headers=officer2,
        json={
            "kind": "case_update",
            "payload": {"fields": {"party": {"type": "person", "name": "丙"}}},
            "base_seq": base,
        },
    )
    assert c.json()["status"] == "merged"
    resolved = await client.post(
        f"/api/cases/{OWN}/entries",
        headers=officer,
        json={
            "kind": "resolve",
            "payload": {"conflict_seq": b.json()["case_seq"], "value": "甲说的案由", "reason": "核实后"},
        },
    )
    assert resolved.status_code == 201
    final = (await client.get(f"/api/cases/{OWN}", headers=officer)).json()
    assert final["cause"] == "甲说的案由" and final["has_unresolved_conflict"] is False


async def test_permission_denials_are_audited(client: Any, db: Any) -> None:
    from sqlalchemy import select

    from backend.db.models import AuditEvent

    supervisor = await bearer(client, "supervisor1")
    denied = await client.post(
        f"/api/cases/{OWN}/entries", json={"kind": "note", "payload": {"text": "x"}}, headers=supervisor
    )
    assert denied.status_code == 403
    login = await client.post("/api/auth/login", json={"username": "officer1", "password": DEMO_PASSWORD})
    assert login.status_code == 201
    no_csrf = await client.post(f"/api/cases/{OWN}/entries", json={"kind": "note", "payload": {"text": "x"}})
    assert no_csrf.status_code == 403
    async with db.session() as session:
        events = list(await session.scalars(select(AuditEvent).where(AuditEvent.kind == "permission_denied")))
    details = {(e.username, e.detail["code"], e.detail["path"]) for e in events}
    assert ("supervisor1", "read_only_role", f"/api/cases/{OWN}/entries") in details
    assert ("officer1", "forbidden", f"/api/cases/{OWN}/entries") in details  # the missing CSRF token
