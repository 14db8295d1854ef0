"""Alembic migrations create exactly the schema the models describe, on both databases."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

from backend.db import models  # noqa: F401
from backend.db.engine import Database


async def test_migrated_schema_matches_the_models(db: Database) -> None:
    def diff(connection: Any) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        return list(compare_metadata(context, SQLModel.metadata))

    async with db.engine.connect() as connection:
        differences = await connection.run_sync(diff)
    assert differences == []


def test_media_ref_migration_backfills_existing_entries(tmp_path: Any) -> None:
    import json
    import sqlite3

    from backend.db.migrate import upgrade

    path = tmp_path / "old.sqlite3"
    upgrade(f"sqlite+aiosqlite:///{path}", "0004_case_list_index")
    digest = "ab" * 32
    with sqlite3.connect(path) as conn:
        for seq, case_id in ((1, "case-a"), (2, "case-a"), (3, "case-b")):
            body = json.dumps({"case_id": case_id, "media": [digest]})
            conn.execute(
                "INSERT INTO trail_entry (seq, case_id, case_seq, kind, body, prev_hash, hash, server_time) "
                "VALUES (?, ?, ?, 'photo', ?, '', '', '')",
                (seq, case_id, seq, body),
            )
    upgrade(f"sqlite+aiosqlite:///{path}")
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT sha256, case_id, first_seq FROM media_ref ORDER BY case_id").fetchall()
    assert rows == [(digest, "case-a", 1), (digest, "case-b", 3)]
