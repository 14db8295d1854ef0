"""The trail is append-only in the database and every tampering is found by ``liuhen verify``."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from backend.db.engine import Database
from backend.demo import demo_id

CASE = demo_id("case:4")  # the demo case walked to 结案归档: a long chain


async def _exec(db: Database, sql: str, **params: Any) -> None:
    async with db.session() as session:
        await session.execute(text(sql), params)
        await session.commit()


async def _drop_triggers(db: Database) -> None:
    if db.is_sqlite:
        await _exec(db, "DROP TRIGGER trail_entry_no_update")
        await _exec(db, "DROP TRIGGER trail_entry_no_delete")
    else:
        await _exec(db, "DROP TRIGGER trail_entry_no_update ON trail_entry")


async def _rows(db: Database) -> list[tuple[int, int, str]]:
    async with db.session() as session:
        result = await session.execute(
            text("SELECT seq, case_seq, body FROM trail_entry WHERE case_id = :c ORDER BY case_seq"),
            {"c": CASE},
        )
        return [tuple(r) for r in result]  # type: ignore[misc]


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE trail_entry SET body = body || ' ' WHERE case_id = :c",
        "UPDATE trail_entry SET kind = 'note' WHERE case_id = :c",
        "DELETE FROM trail_entry WHERE case_id = :c",
    ],
)
async def test_raw_sql_update_or_delete_of_a_trail_row_is_refused_by_the_database(
    db: Database, sql: str
) -> None:
    with pytest.raises((IntegrityError, OperationalError, DBAPIError)) as refused:
        await _exec(db, sql, c=CASE)
    assert "append-only" in str(refused.value)
    assert len(await _rows(db)) > 10


async def test_emptying_the_whole_trail_table_is_refused(db: Database) -> None:
    # SQLite has no TRUNCATE; an unqualified DELETE is its equivalent.
    with pytest.raises((IntegrityError, OperationalError, DBAPIError)):
        await _exec(db, "DELETE FROM trail_entry" if db.is_sqlite else "TRUNCATE trail_entry")
    assert len(await _rows(db)) > 10


async def test_untouched_database_verifies(run_cli: Any) -> None:
    result = run_cli("verify")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "verify OK" in result.stdout


async def test_changed_payload_byte_is_named_by_verify(db: Database, run_cli: Any) -> None:
    await _drop_triggers(db)
    seq, case_seq, body = (await _rows(db))[5]
    changed = body.replace("示例内容", "示例内客", 1) if "示例内容" in body else body.replace('"', "'", 1)
    assert changed != body
    await _exec(db, "UPDATE trail_entry SET body = :b WHERE seq = :s", b=changed, s=seq)
    result = run_cli("verify")
    assert result.returncode != 0
    assert f"case {CASE}: entry #{case_seq} (row seq {seq}): altered" in result.stdout


async def test_deleted_row_is_named_by_verify(db: Database, run_cli: Any) -> None:
    await _drop_triggers(db)
    seq, case_seq, _ = (await _rows(db))[3]
    await _exec(db, "DELETE FROM trail_entry WHERE seq = :s", s=seq)
    result = run_cli("verify")
    assert result.returncode != 0
    assert f"case {CASE}: entry #{case_seq}" in result.stdout and "missing" in result.stdout


async def test_deleted_last_row_is_named_by_verify(db: Database, run_cli: Any) -> None:
    await _drop_triggers(db)
    rows = await _rows(db)
    await _exec(db, "DELETE FROM trail_entry WHERE seq = :s", s=rows[-1][0])
    result = run_cli("verify")
    assert result.returncode != 0
    assert "truncated" in result.stdout and CASE in result.stdout


async def test_swapped_rows_are_named_by_verify(db: Database, run_cli: Any) -> None:
    await _drop_triggers(db)
    rows = await _rows(db)
    (seq_a, cs_a, _), (seq_b, cs_b, _) = rows[2], rows[3]
    # Swap the positions of two entries (their sequence numbers), as a reordering attack would.
    await _exec(db, "UPDATE trail_entry SET case_seq = -1 WHERE seq = :s", s=seq_a)
    await _exec(db, "UPDATE trail_entry SET case_seq = :n WHERE seq = :s", n=cs_a, s=seq_b)
    await _exec(db, "UPDATE trail_entry SET case_seq = :n WHERE seq = :s", n=cs_b, s=seq_a)
    result = run_cli("verify")
    assert result.returncode != 0
    assert "reordered" in result.stdout
    assert f"entry #{cs_a}" in result.stdout and f"entry #{cs_b}" in result.stdout


async def test_swapped_contents_are_named_by_verify(db: Database, run_cli: Any) -> None:
    await _drop_triggers(db)
    rows = await _rows(db)
    (seq_a, _, body_a), (seq_b, cs_b, body_b) = rows[6], rows[7]
    await _exec(db, "UPDATE trail_entry SET body = :b WHERE seq = :s", b=body_b, s=seq_a)
    await _exec(db, "UPDATE trail_entry SET body = :b WHERE seq = :s", b=body_a, s=seq_b)
    result = run_cli("verify")
    assert result.returncode != 0
    assert f"entry #{cs_b}" in result.stdout


def test_hash_is_sha256_over_previous_hash_and_rfc8785_body() -> None:
    import hashlib

    import rfc8785

    from backend.trail.chain import GENESIS, entry_hash

    body = {"b": [1, "二"], "a": None}
    canonical = rfc8785.dumps(body)
    assert canonical == '{"a":null,"b":[1,"二"]}'.encode()
    assert entry_hash(GENESIS, canonical) == hashlib.sha256(bytes(32) + canonical).hexdigest()
    assert json.loads(canonical) == body


async def test_a_whole_case_removed_with_its_record_is_found_by_verify(db: Database, run_cli: Any) -> None:
    await _drop_triggers(db)
    seqs = [seq for seq, _, _ in await _rows(db)]
    await _exec(db, "DELETE FROM trail_entry WHERE case_id = :c", c=CASE)
    await _exec(db, "DELETE FROM enforcement_case WHERE id = :c", c=CASE)
    result = run_cli("verify")
    assert result.returncode != 0
    assert "(all cases)" in result.stdout and "missing" in result.stdout
    assert str(min(seqs)) in result.stdout


async def test_appends_outside_the_serialised_write_lock_are_refused(db: Database) -> None:
    from backend.db.models import Case
    from backend.trail.service import append_entry

    async with db.session() as session:
        case = await session.get(Case, CASE)
        assert case is not None
        with pytest.raises(RuntimeError, match=r"Database\.write"):
            await append_entry(session, case=case, kind="note", payload={"text": "x"}, actors=[])
