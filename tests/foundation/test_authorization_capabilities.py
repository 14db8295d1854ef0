"""Authorization matrix for the sync and media endpoints: every endpoint × role × own/other department."""

from __future__ import annotations

import sys
import uuid
from pathlib import Path
from typing import Any

from backend.demo import demo_id
from tests.conftest import FIXTURES, bearer

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "media"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sync"))
from mediahelp import TUS, create, patch, upload
from synchelp import Device

OWN = demo_id("case:1")  # 嘉兴市市场监督管理局
ROLES = ["officer1", "reviewer1", "leader1", "supervisor1", "admin", "anonymous"]
PHOTO = (FIXTURES / "photos" / "Canon_40D.jpg").read_bytes()


async def _other_case_with_photo(client: Any) -> tuple[str, str]:
    eco = await bearer(client, "eco1")
    case_id = str(uuid.uuid4())
    body = {
        "id": case_id,
        "procedure_type": "administrative_penalty",
        "cause": "排污",
        "party": {"type": "organisation", "name": "某化工厂"},
        "officer_ids": [],
    }
    assert (await client.post("/api/cases", json=body, headers=eco)).status_code == 201
    other_photo = PHOTO + b"\x00other"  # different bytes, so a different blob
    done = await upload(client, eco, other_photo, case_id=case_id)
    assert done.status_code == 204, done.text
    from mediahelp import sha

    return case_id, sha(other_photo)


async def test_sync_and_media_endpoints_for_every_role_and_department(client: Any) -> None:
    from mediahelp import sha

    other_case, other_sha = await _other_case_with_photo(client)
    officer = await bearer(client, "officer1")
    assert (await upload(client, officer, PHOTO, case_id=OWN)).status_code == 204
    own_sha = sha(PHOTO)
    tokens = {r: await bearer(client, r) for r in ROLES if r != "anonymous"}
    mismatches: list[str] = []

    def check(role: str, what: str, got: int, want: int) -> None:
        if got != want:
            mismatches.append(f"{role} {what}: {got} != {want}")

    for role in ROLES:
        h = tokens.get(role, {})
        # Devices: any signed-in user may register a key for their own device; nobody anonymous.
        device = Device()
        r = await client.post(
            "/api/devices",
            headers=h,
            json={"device_id": device.device_id, "public_key": device.public_key_b64},
        )
        check(role, "POST /api/devices", r.status_code, 401 if role == "anonymous" else 201)
        # Pull: every signed-in user, scoped (checked in tests/sync); anonymous refused.
        r = await client.get("/api/sync/pull?cursor=0", headers=h)
        check(role, "GET /api/sync/pull", r.status_code, 401 if role == "anonymous" else 200)
        if role != "anonymous":
            pulled = {e["case_id"] for e in r.json()["entries"]}
            check(role, "pull sees own dept", int(OWN in pulled), 0 if role == "admin" else 1)
            check(role, "pull sees other dept", int(other_case in pulled), 1 if role == "supervisor1" else 0)
        # Push: the op is answered (kept as applied or rejected), never applied for a read-only role.
        for which, case_id in (("own", OWN), ("other", other_case)):
            op = device.op(case_id, "note", {"text": "矩阵"})
            r = await client.post(
                "/api/sync/push", headers=h, json={"device_id": device.device_id, "ops": [op]}
            )
            if role == "anonymous":
                check(role, f"push {which}", r.status_code, 401)
                continue
            status = r.json()["results"][0]["status"] if r.status_code == 200 else str(r.status_code)
            may_write = which == "own" and role in ("officer1", "reviewer1", "leader1")
            check(role, f"push note {which}", int(status == "applied"), int(may_write))
        # tus: creating an upload needs write access to the case.
        for which, case_id in (("own", OWN), ("other", other_case)):
            r = await create(client, h, b"x" * 10, case_id=case_id, declared="0" * 64)
            want = (
                {
                    "officer1": 201,
                    "leader1": 201,
                    "reviewer1": 403,
                    "supervisor1": 403,
                    "admin": 404,
                    "anonymous": 401,
                }[role]
                if which == "own"
                else {"supervisor1": 403, "anonymous": 401}.get(role, 404)
            )
            check(role, f"POST /api/uploads ({which})", r.status_code, want)
        # Downloads and thumbnails: whoever may see a case that references the blob.
        for which, digest in (("own", own_sha), ("other", other_sha)):
            sees = (which == "own" and role in ("officer1", "reviewer1", "leader1", "supervisor1")) or (
                which == "other" and role == "supervisor1"
            )
            for suffix in ("", "/thumb"):
                r = await client.get(f"/api/media/{digest}{suffix}", headers=h)
                want = 401 if role == "anonymous" else 200 if sees else 404
                check(role, f"GET /api/media{suffix} ({which})", r.status_code, want)
    # An upload in progress belongs to its creator only: HEAD, PATCH and DELETE by anyone else are 404.
    created = await create(client, officer, b"y" * 10, case_id=OWN)
    location = created.headers["location"]
    for role in ("officer1", "leader1", "supervisor1", "admin", "anonymous"):
        h = tokens.get(role, {})
        want_other = 401 if role == "anonymous" else 404
        r = await client.head(location, headers={**TUS, **h})
        check(role, "HEAD upload", r.status_code, 200 if role == "officer1" else want_other)
        if role != "officer1":
            r = await patch(client, h, location, 0, b"y" * 10)
            check(role, "PATCH upload", r.status_code, want_other)
            r = await client.delete(location, headers={**TUS, **h})
            check(role, "DELETE upload", r.status_code, want_other)
    assert not mismatches, "\n".join(mismatches)
