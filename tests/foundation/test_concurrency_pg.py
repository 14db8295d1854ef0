"""20 concurrent appends to one case from two server processes on one PostgreSQL give one unbroken chain."""

from __future__ import annotations

import asyncio
import itertools
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from backend.demo import DEMO_PASSWORD, demo_id
from tests.conftest import ROOT
from tests.servers import LiuhenServer

pytestmark = pytest.mark.postgres


@pytest.fixture
def two_servers(pg_url: str, tmp_path: Path) -> Iterator[tuple[str, list[int]]]:
    procs = [LiuhenServer(tmp_path / f"d{i}", database_url=pg_url) for i in range(2)]
    try:
        for proc in procs:
            proc.start()
        yield pg_url, [proc.port for proc in procs]
    finally:
        for proc in procs:
            proc.stop()


async def test_concurrent_appends_from_two_processes_form_one_chain(
    two_servers: tuple[str, list[int]],
) -> None:
    url, ports = two_servers
    case_id = demo_id("case:1")
    async with httpx.AsyncClient(timeout=60) as client:
        tokens = []
        for port in ports:
            r = await client.post(
                f"http://127.0.0.1:{port}/api/auth/token",
                json={"username": "officer1", "password": DEMO_PASSWORD},
            )
            tokens.append(r.json()["access_token"])

        async def note(i: int) -> httpx.Response:
            port, token = ports[i % 2], tokens[i % 2]
            return await client.post(
                f"http://127.0.0.1:{port}/api/cases/{case_id}/entries",
                json={"kind": "note", "payload": {"text": f"并发备注 {i}"}},
                headers={"Authorization": f"Bearer {token}"},
            )

        responses = await asyncio.gather(*(note(i) for i in range(20)))
        assert all(r.status_code == 201 for r in responses), [
            r.text for r in responses if r.status_code != 201
        ]
        trail = (
            await client.get(
                f"http://127.0.0.1:{ports[0]}/api/cases/{case_id}/trail?limit=500",
                headers={"Authorization": f"Bearer {tokens[0]}"},
            )
        ).json()["items"]
    seqs = [e["case_seq"] for e in trail]
    assert seqs == list(range(1, len(trail) + 1))
    for prev, entry in itertools.pairwise(trail):
        assert entry["prev_hash"] == prev["hash"]
    notes = sorted(e["payload"]["text"] for e in trail if e["kind"] == "note")
    assert notes == sorted(f"并发备注 {i}" for i in range(20))
    env = {**os.environ, "LIUHEN_DATABASE_URL": url}
    verify = subprocess.run(
        [sys.executable, "-m", "backend.cli", "verify"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert verify.returncode == 0, verify.stdout
