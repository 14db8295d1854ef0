"""Helpers for the media HTTP tests: a minimal tus client over the test client."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from backend.demo import DEMO_PASSWORD, demo_id

TUS = {"Tus-Resumable": "1.0.0"}
CASE0 = demo_id("case:0")
CASE1 = demo_id("case:1")
Client = AsyncTestClient[Litestar]


async def login(client: Client, username: str) -> dict[str, str]:
    response = await client.post("/api/auth/token", json={"username": username, "password": DEMO_PASSWORD})
    assert response.status_code in (200, 201), response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def metadata(**values: str) -> str:
    return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in values.items())


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


async def create(
    client: Client,
    auth: dict[str, str],
    data: bytes,
    *,
    case_id: str = CASE0,
    declared: str | None = None,
    filename: str = "photo.jpg",
    content_type: str = "image/jpeg",
    length: int | None = None,
    **extra: str,
) -> Any:
    meta = metadata(
        sha256=declared or sha(data), filename=filename, content_type=content_type, case_id=case_id, **extra
    )
    return await client.post(
        "/api/uploads/",
        headers={
            **TUS,
            **auth,
            "Upload-Length": str(len(data) if length is None else length),
            "Upload-Metadata": meta,
        },
    )


async def patch(
    client: Client,
    auth: dict[str, str],
    location: str,
    offset: int,
    body: bytes,
    checksum: bytes | None = None,
) -> Any:
    headers = {**TUS, **auth, "Upload-Offset": str(offset), "Content-Type": "application/offset+octet-stream"}
    if checksum is not None:
        headers["Upload-Checksum"] = "sha256 " + base64.b64encode(checksum).decode()
    return await client.patch(location, headers=headers, content=body)


async def upload(
    client: Client, auth: dict[str, str], data: bytes, *, chunk: int = 64 * 1024, **kw: Any
) -> Any:
    """Create and send all bytes in chunks; returns the last response."""
    created = await create(client, auth, data, **kw)
    assert created.status_code == 201, created.text
    location = created.headers["location"]
    response = created
    offset = 0
    while offset < len(data) or offset == 0:
        body = data[offset : offset + chunk]
        response = await patch(client, auth, location, offset, body)
        if response.status_code != 204:
            return response
        offset = int(response.headers["upload-offset"])
        if not body:
            break
    return response


async def trail(client: Client, auth: dict[str, str], case_id: str) -> list[dict[str, Any]]:
    response = await client.get(f"/api/cases/{case_id}/trail?limit=500", headers=auth)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items
