"""Sync push ingest vs raw batched INSERT of the same rows, on SQLite and PostgreSQL (DESIGN §8).

Run: ``.venv/bin/python bench/sync_ingest.py [--ops 6000] [--devices 4] [--backends sqlite,postgres]``.
A real ``liuhen serve`` process is started per backend; devices push signed ops in batches of 100 over
loopback HTTP. The baseline then inserts the same trail and answer rows with batched ``executemany``
INSERTs (100 rows per transaction) into the same database. Ratio = push ops/s ÷ raw rows/s.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "sync"))

from synchelp import Device  # noqa: E402

from backend.clock import SystemClock  # noqa: E402
from backend.db.engine import Database  # noqa: E402
from backend.db.migrate import upgrade  # noqa: E402
from backend.demo import DEMO_PASSWORD, create_demo  # noqa: E402

BATCH = 100
PG_BASE = os.environ.get("LIUHEN_BENCH_PG", "postgresql+asyncpg://postgres@127.0.0.1:5432")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def pg_admin(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_BASE.replace("+asyncpg", "") + "/test")
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def prepare(url: str) -> None:
    await asyncio.to_thread(upgrade, url)
    db = Database(url)
    try:
        await create_demo(db, SystemClock())
    finally:
        await db.dispose()


async def wait_up(base: str) -> None:
    async with httpx.AsyncClient(base_url=base) as c:
        for _ in range(200):
            try:
                if (await c.get("/api/health")).status_code < 500:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError("server did not start")


async def push_all(base: str, n_ops: int, n_devices: int) -> tuple[float, int]:
    async with httpx.AsyncClient(base_url=base, timeout=120) as c:
        r = await c.post("/api/auth/token", json={"username": "officer1", "password": DEMO_PASSWORD})
        headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
        me = (await c.get("/api/me", headers=headers)).json()["id"]
        plans: list[tuple[Device, list[list[dict[str, Any]]]]] = []
        per_device = n_ops // n_devices
        for _ in range(n_devices):
            device = Device()
            r = await c.post(
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
                        "cause": "压测",
                        "officer_ids": [me],
                        "party": {"type": "organisation", "name": "压测公司"},
                    },
                )
            ]
            ops += [
                device.op(
                    case_id,
                    "note",
                    {"text": f"现场记录 {i}"},
                    base_seq=1,
                    location={"lat": 30.75, "lon": 120.76, "accuracy": 5, "source": "gps"},
                )
                for i in range(per_device - 1)
            ]
            plans.append((device, [ops[i : i + BATCH] for i in range(0, len(ops), BATCH)]))

        async def run(device: Device, batches: list[list[dict[str, Any]]]) -> int:
            done = 0
            for batch in batches:
                r = await c.post(
                    "/api/sync/push", headers=headers, json={"device_id": device.device_id, "ops": batch}
                )
                assert r.status_code == 200, r.text
                done += sum(1 for x in r.json()["results"] if x["status"] == "applied")
            return done

        started = time.perf_counter()
        counts = await asyncio.gather(*(run(d, b) for d, b in plans))
        return time.perf_counter() - started, sum(counts)


async def raw_insert(url: str) -> tuple[float, int]:
    """Insert copies of the pushed trail rows and answers with batched INSERTs, 100 per transaction."""
    db = Database(url)
    try:
        async with db.session() as s:
            rows = (
                (
                    await s.execute(
                        text(
                            "SELECT case_id, case_seq, kind, body, prev_hash, hash, op_id, device_id, "
                            "server_time FROM trail_entry WHERE device_id IS NOT NULL ORDER BY seq"
                        )
                    )
                )
                .mappings()
                .all()
            )
        async with db.session() as s:
            top = int(await s.scalar(text("SELECT COALESCE(MAX(seq), 0) FROM trail_entry")) or 0)
        remap: dict[str, str] = {}
        entries = []
        answers = []
        for i, row in enumerate(rows):
            case_id = remap.setdefault(row["case_id"], str(uuid.uuid4()))
            # The app hands out the global seq itself (under its write lock); so does the baseline.
            entries.append({**row, "case_id": case_id, "seq": top + i + 1})
            answers.append(
                {
                    "device_id": "raw-" + case_id[:30],
                    "device_seq": i + 1,
                    "op_id": row["op_id"],
                    "status": "applied",
                    "seq": i + 1,
                    "case_id": case_id,
                    "case_seq": row["case_seq"],
                    "hash": row["hash"],
                    "answered_at": row["server_time"],
                }
            )
        insert_entry = text(
            "INSERT INTO trail_entry (seq, case_id, case_seq, kind, body, prev_hash, hash, op_id, device_id, "
            "server_time) VALUES (:seq, :case_id, :case_seq, :kind, :body, :prev_hash, :hash, :op_id, "
            ":device_id, "
            ":server_time)"
        )
        insert_answer = text(
            "INSERT INTO sync_op_result (device_id, device_seq, op_id, status, seq, case_id, case_seq, hash, "
            "answered_at) VALUES (:device_id, :device_seq, :op_id, :status, :seq, :case_id, :case_seq, "
            ":hash, :answered_at)"
        )
        started = time.perf_counter()
        for i in range(0, len(entries), BATCH):
            async with db.session() as s:
                await s.execute(insert_entry, entries[i : i + BATCH])
                await s.execute(insert_answer, answers[i : i + BATCH])
                await s.commit()
        return time.perf_counter() - started, len(entries)
    finally:
        await db.dispose()


async def bench(backend: str, n_ops: int, n_devices: int, workers: int = 1) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        pg_name = f"liuhen_bench_{uuid.uuid4().hex[:10]}"
        if backend == "sqlite":
            url = f"sqlite+aiosqlite:///{tmp}/liuhen.sqlite3"
        else:
            await pg_admin(f'CREATE DATABASE "{pg_name}"')
            url = f"{PG_BASE}/{pg_name}"
        try:
            await prepare(url)
            port = free_port()
            env = {
                **os.environ,
                "LIUHEN_DATA_DIR": tmp,
                "LIUHEN_DATABASE_URL": url,
                "LIUHEN_COOKIE_SECURE": "false",
            }
            liuhen = ROOT / ".venv" / "bin" / "liuhen"
            server = subprocess.Popen(  # noqa: ASYNC220 - started once, outside the timed part
                [str(liuhen), "serve", "--port", str(port), "--workers", str(workers)],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            try:
                await wait_up(f"http://127.0.0.1:{port}")
                push_s, pushed = await push_all(f"http://127.0.0.1:{port}", n_ops, n_devices)
            finally:
                server.terminate()
                server.wait(timeout=30)
            raw_s, raw_n = await raw_insert(url)
        finally:
            if backend == "postgres":
                await pg_admin(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
    push_rate, raw_rate = pushed / push_s, raw_n / raw_s
    print(
        f"{backend:9s} {workers} worker(s) push {pushed} ops in {push_s:.2f}s = {push_rate:,.0f} ops/s | "
        f"raw batched INSERT {raw_n} rows in {raw_s:.2f}s = {raw_rate:,.0f} rows/s | "
        f"ratio {push_rate / raw_rate:.0%}"
    )
    return {"push": push_rate, "raw": raw_rate}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ops", type=int, default=6000)
    parser.add_argument("--devices", type=int, default=4)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--pg-workers", type=int, default=2, help="also run PostgreSQL with N workers")
    args = parser.parse_args()
    for backend in args.backends.split(","):
        asyncio.run(bench(backend, args.ops, args.devices))
        if backend == "postgres" and args.pg_workers > 1:
            asyncio.run(bench(backend, args.ops, args.devices, workers=args.pg_workers))


if __name__ == "__main__":
    main()
