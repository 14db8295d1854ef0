"""Case list / detail latency at 50 concurrent clients over many cases (DESIGN §8: p95 < 50 ms, PostgreSQL).

Run: ``.venv/bin/python bench/case_api.py [--cases 100000] [--clients 50] [--requests 2000]``.
Builds ``--cases`` cases in one department through the real case commands, starts a real ``liuhen serve``,
and has ``--clients`` concurrent clients (one bearer token each) request pages of the case list (20 per page,
random offsets in the first 50 pages, sometimes with a search term) and random case details. The baseline,
measured in the same run at the same concurrency, is ``GET /api/health`` (framework + one database ping).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
from sqlalchemy import select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scratch import scratch_database  # noqa: E402

from backend.auth.service import auth_user_for  # noqa: E402
from backend.cases.commands import execute  # noqa: E402
from backend.clock import SystemClock  # noqa: E402
from backend.db.engine import Database  # noqa: E402
from backend.db.migrate import upgrade  # noqa: E402
from backend.db.models import User  # noqa: E402
from backend.demo import DEMO_PASSWORD, create_demo  # noqa: E402

SEARCH = "%E5%98%89%E5%85%B4%E6%9F%90%E6%9F%90%E5%85%AC%E5%8F%B8"  # 嘉兴某某公司, URL-encoded
PG_BASE = os.environ.get("LIUHEN_BENCH_PG", "postgresql+asyncpg://postgres@127.0.0.1:5432")


async def build(url: str, n_cases: int) -> list[str]:
    upgrade(url)
    db = Database(url)
    clock = SystemClock()
    try:
        await create_demo(db, clock)
        async with db.session() as session:
            user = await auth_user_for(
                session, (await session.scalars(select(User).where(User.username == "officer1"))).one()
            )
        ids = [str(uuid.uuid4()) for _ in range(n_cases)]
        for start in range(0, n_cases, 500):
            async with db.write() as session:
                for i, case_id in enumerate(ids[start : start + 500], start):
                    await execute(
                        session,
                        user=user,
                        case_id=case_id,
                        kind="case_open",
                        clock=clock,
                        payload={
                            "procedure_type": "administrative_penalty",
                            "cause": f"案由 {i % 97}",
                            "party": {"type": "organisation", "name": f"嘉兴某某公司{i}"},
                            "officer_ids": [],
                        },
                    )
        return ids
    finally:
        await db.dispose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def measure(base: str, paths: list[str], tokens: list[str]) -> list[float]:
    latencies: list[float] = []
    queue = list(paths)

    async def client(token: str) -> None:
        headers = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=60) as c:
            while queue:
                path = queue.pop()
                started = time.perf_counter()
                r = await c.get(path)
                latencies.append(time.perf_counter() - started)
                assert r.status_code == 200, r.text

    await asyncio.gather(*(client(t) for t in tokens))
    return latencies


def summary(name: str, lat: list[float]) -> float:
    q = statistics.quantiles(lat, n=100)
    print(
        f"  {name:12s} n={len(lat):5d}  p50 {q[49] * 1000:6.1f} ms  p95 {q[94] * 1000:6.1f} ms  "
        f"p99 {q[98] * 1000:6.1f} ms"
    )
    return q[94]


async def main(n_cases: int, clients: int, requests: int, backend: str) -> None:
    async with scratch_database(backend) as (url, tmp):
        started = time.perf_counter()
        ids = await build(url, n_cases)
        print(f"{backend}: built {n_cases} cases in {time.perf_counter() - started:.0f}s")
        port = free_port()
        env = {**os.environ, "LIUHEN_DATA_DIR": tmp, "LIUHEN_DATABASE_URL": url}
        server = subprocess.Popen(  # noqa: ASYNC220 - started once, outside the timed part
            [str(ROOT / ".venv" / "bin" / "liuhen"), "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            async with httpx.AsyncClient(base_url=base, timeout=60) as c:
                for _ in range(200):
                    try:
                        if (await c.get("/api/health")).status_code == 200:
                            break
                    except httpx.HTTPError:
                        await asyncio.sleep(0.2)
                login = {"username": "officer1", "password": DEMO_PASSWORD}
                token = (await c.post("/api/auth/token", json=login)).json()["access_token"]
            tokens = [token] * clients
            rng = random.Random(7)
            mixed = []
            for _ in range(requests):
                roll = rng.random()
                if roll < 0.4:
                    mixed.append(f"/api/cases?limit=20&offset={rng.randrange(50) * 20}")
                elif roll < 0.5:
                    mixed.append(f"/api/cases?limit=20&q={SEARCH}{rng.randrange(n_cases)}")
                else:
                    mixed.append(f"/api/cases/{rng.choice(ids)}")
            await measure(base, ["/api/health"] * 200, tokens)  # warm up
            health = await measure(base, ["/api/health"] * requests, tokens)
            lat = await measure(base, mixed, tokens)
            print(f"{backend}: {clients} concurrent clients, {n_cases} cases")
            h95 = summary("health", health)
            m95 = summary("cases mix", lat)
            print(f"  p95 ratio cases/health {m95 / h95:.1f}x; target p95 < 50 ms")
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--backend", default="postgres")
    args = parser.parse_args()
    asyncio.run(main(args.cases, args.clients, args.requests, args.backend))
