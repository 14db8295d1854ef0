"""Helpers for driving cases through the HTTP API."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from backend.demo import record

Client = AsyncTestClient[Litestar]


async def me(client: Client, headers: dict[str, str]) -> dict[str, Any]:
    response = await client.get("/api/me", headers=headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def officer_pair(client: Client, headers: dict[str, str]) -> list[tuple[str, str | None]]:
    users = (await client.get("/api/users", headers=headers)).json()
    officers = [u for u in users if u["role"] == "officer" and u["certificate_no"]]
    return [(u["id"], u["certificate_no"]) for u in officers[:2]]


async def open_case(
    client: Client, headers: dict[str, str], procedure_type: str = "administrative_penalty", **extra: Any
) -> dict[str, Any]:
    pair = await officer_pair(client, headers)
    body = {
        "id": str(uuid.uuid4()),
        "procedure_type": procedure_type,
        "cause": "销售过期食品",
        "party": {"type": "organisation", "name": "嘉兴某某超市有限公司", "id_no": "91330400MA2BXXXXXX"},
        "officer_ids": [pair[0][0], pair[1][0]],
        **extra,
    }
    response = await client.post("/api/cases", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def append(
    client: Client, headers: dict[str, str], case_id: str, kind: str, payload: dict[str, Any], **extra: Any
) -> Any:
    return await client.post(
        f"/api/cases/{case_id}/entries", json={"kind": kind, "payload": payload, **extra}, headers=headers
    )


async def add_record(
    client: Client,
    headers: dict[str, str],
    case_id: str,
    form: str,
    pair: list[tuple[str, str | None]],
    **kw: Any,
) -> Any:
    response = await append(client, headers, case_id, "record", record(form, pair, **kw))
    assert response.status_code == 201, response.text
    return response


async def move(client: Client, headers: dict[str, str], case_id: str, to: str) -> Any:
    return await append(client, headers, case_id, "stage_transition", {"to": to})


async def trail(client: Client, headers: dict[str, str], case_id: str) -> list[dict[str, Any]]:
    response = await client.get(f"/api/cases/{case_id}/trail", headers=headers)
    assert response.status_code == 200, response.text
    return list(response.json()["items"])
