"""A throw-away database for a benchmark: SQLite in a temporary directory, or a new PostgreSQL database."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

PG_BASE = os.environ.get("LIUHEN_BENCH_PG", "postgresql+asyncpg://postgres@127.0.0.1:5432")


async def _pg_admin(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_BASE.replace("+asyncpg", "") + "/test")
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@asynccontextmanager
async def scratch_database(backend: str) -> AsyncIterator[tuple[str, str]]:
    """(database URL, temporary data directory); both are gone afterwards."""
    with tempfile.TemporaryDirectory() as tmp:
        if backend == "sqlite":
            yield f"sqlite+aiosqlite:///{tmp}/liuhen.sqlite3", tmp
            return
        name = f"liuhen_bench_{uuid.uuid4().hex[:10]}"
        await _pg_admin(f'CREATE DATABASE "{name}"')
        try:
            yield f"{PG_BASE}/{name}", tmp
        finally:
            await _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
