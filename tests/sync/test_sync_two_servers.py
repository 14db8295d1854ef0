"""Two ``liuhen serve`` processes on one PostgreSQL; clients push the same batches to both concurrently."""

from __future__ import annotations

import asyncio
import itertools
import socket
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from synchelp import Device

from backend.demo import DEMO_PASSWORD
from tests.servers import LiuhenServer

ROOT = Path(__file__).resolve().parents[2]
LIUHEN = ROOT / ".venv" / "bin" / "liuhen"

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def pg_only(pg_url: str) -> str:
    """Two servers share one PostgreSQL (the scale-out configuration)."""
    return pg_url


@pytest.fixture
def servers(pg_only: str, tmp_path: Path) -> Iterator[list[str]]:
    procs = [LiuhenServer(tmp_path / f"server{i}", database_url=pg_only) for i in range(2)]
    try:
        for proc in procs:
            proc.start()
        yield [proc.url for proc in procs]
    finally:
        for proc in procs:
            proc.stop()


async def test_concurrent_pushes_of_the_same_batches_to_two_servers_apply_each_op_once(
    servers: list[str], run_cli: Any
) -> None:
    clients = [httpx.AsyncClient(base_url=b, timeout=60) for b in servers]
    try:
        token = (
            await clients[0].post("/api/auth/token", json={"username": "officer1", "password": DEMO_PASSWORD})
        ).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        me = (await clients[0].get("/api/me", headers=headers)).json()["id"]
        devices = [Device() for _ in range(3)]
        plans: list[tuple[Device, list[list[dict[str, Any]]], str]] = []
        for device in devices:
            r = await clients[1].post(
                "/api/devices",
                headers=headers,
                json={"device_id": device.device_id, "public_key": device.public_key_b64},
            )
            assert r.status_code == 201, r.text
            case_id = str(uuid.uuid4())
            ops = [
                device.op(
                    case_id,
                    "case_open",
                    {
                        "procedure_type": "administrative_penalty",
                        "cause": "并发",
                        "officer_ids": [me],
                        "party": {"type": "person", "name": "某"},
                    },
                )
            ]
            ops += [device.op(case_id, "note", {"text": f"n{i}"}, base_seq=1) for i in range(59)]
            plans.append((device, [ops[i : i + 20] for i in range(0, 60, 20)], case_id))

        async def send(
            client: httpx.AsyncClient, device: Device, batches: list[list[dict[str, Any]]]
        ) -> None:
            for batch in batches:
                for _ in range(20):
                    r = await client.post(
                        "/api/sync/push", headers=headers, json={"device_id": device.device_id, "ops": batch}
                    )
                    if r.status_code == 200:
                        break
                    assert r.status_code == 409, r.text
                    assert r.json()["code"] == "device_seq_gap"
                    await asyncio.sleep(0.05)  # the other server has the earlier batch in flight

        await asyncio.gather(*(send(c, d, b) for d, b, _ in plans for c in clients for _ in range(2)))

        for device, batches, case_id in plans:
            trail = (await clients[0].get(f"/api/cases/{case_id}/trail?limit=500", headers=headers)).json()[
                "items"
            ]
            sent = [op["op_id"] for batch in batches for op in batch]
            assert Counter(e["op_id"] for e in trail) == Counter(sent)
            assert [e["case_seq"] for e in trail] == list(range(1, 61))
            assert all(e["prev_hash"] == p["hash"] for p, e in itertools.pairwise(trail))
            again = (
                await clients[1].post(
                    "/api/sync/push", headers=headers, json={"device_id": device.device_id, "ops": batches[0]}
                )
            ).json()
            assert {r["status"] for r in again["results"]} == {"duplicate"}
            assert again["last_acked_seq"] == 60
    finally:
        for c in clients:
            await c.aclose()
    verified = await asyncio.to_thread(run_cli, "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
