"""Appending to and reading the trail. Appends must run inside ``Database.write()``."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_attribute

from backend.clock import Clock, SystemClock, isoformat
from backend.db.engine import WRITE_LOCKED
from backend.db.models import Case, MediaRef, TrailEntry
from backend.trail.chain import canonical, entry_hash


@dataclass
class EntryMeta:
    """Where an entry came from: device, times, place, flags."""

    device_id: str | None = None
    op_id: str | None = None
    device_time: str | None = None
    hlc: str | None = None
    location: dict[str, Any] | None = None
    flags: list[str] = field(default_factory=list)


NEXT_SEQ = "liuhen_next_seq"
_ENTRY_MANAGER = TrailEntry._sa_class_manager  # type: ignore[attr-defined]


def new_entry(**values: Any) -> TrailEntry:
    """A TrailEntry built the way SQLAlchemy builds rows it loads: no pydantic validation pass.

    Entries are composed here from already-validated parts, and ``SQLModel.__init__`` (validation plus a
    pydantic and an ORM ``__setattr__`` per column) was about a tenth of sync ingest time.
    """
    entry: TrailEntry = _ENTRY_MANAGER.new_instance()
    object.__setattr__(entry, "__pydantic_fields_set__", set(values))
    object.__setattr__(entry, "__pydantic_extra__", None)
    object.__setattr__(entry, "__pydantic_private__", None)
    for name, value in values.items():
        set_attribute(entry, name, value)
    return entry


async def allocate_seq(session: AsyncSession) -> int:
    """The next global sequence number, handed out in this write transaction.

    Appends are serialised (``Database.write()``), so ``max(seq) + 1`` read once per transaction and
    counted up in memory is gap-free and equals commit order; it also lets a batch of entries go to the
    database in one multi-row INSERT instead of one round trip per entry.
    """
    if not session.info.get(WRITE_LOCKED):
        raise RuntimeError("trail appends must run inside Database.write() (the serialised write lock)")
    if NEXT_SEQ not in session.info:
        current = await session.scalar(select(func.max(TrailEntry.seq)))
        session.info[NEXT_SEQ] = int(current or 0) + 1
    seq: int = session.info[NEXT_SEQ]
    session.info[NEXT_SEQ] = seq + 1
    return seq


class ChainHead(Protocol):
    """What holds a chain's head: a case, or a device's quarantine chain."""

    trail_length: int
    trail_head: str


async def append_to_chain(
    session: AsyncSession,
    *,
    chain_id: str,
    head: ChainHead,
    kind: str,
    payload: dict[str, Any],
    actors: Sequence[str],
    media: Sequence[str] = (),
    meta: EntryMeta | None = None,
    clock: Clock | None = None,
) -> TrailEntry:
    """Append one entry to the chain ``chain_id`` and advance ``head`` (caller holds the write lock).

    The one place an entry body is composed and hashed. The entry is added to the session, not flushed:
    the transaction's commit (or the next query's autoflush) writes the batch at once.
    """
    meta = meta or EntryMeta()
    server_time = isoformat((clock or SystemClock()).now())
    case_seq = head.trail_length + 1
    body = {
        "case_id": chain_id,
        "case_seq": case_seq,
        "kind": kind,
        "payload": payload,
        "media": list(media),
        "actors": list(actors),
        "device_id": meta.device_id,
        "op_id": meta.op_id,
        "device_time": meta.device_time,
        "hlc": meta.hlc,
        "server_time": server_time,
        "location": meta.location,
        "flags": sorted(set(meta.flags)),
    }
    body_bytes = canonical(body)
    digest = entry_hash(head.trail_head, body_bytes)
    entry = new_entry(
        seq=await allocate_seq(session),
        case_id=chain_id,
        case_seq=case_seq,
        kind=kind,
        body=body_bytes.decode(),
        prev_hash=head.trail_head,
        hash=digest,
        op_id=meta.op_id,
        device_id=meta.device_id,
        server_time=server_time,
    )
    session.add(entry)
    head.trail_length = case_seq
    head.trail_head = digest
    session.add(head)
    if media:
        await _reference_media(session, chain_id, list(dict.fromkeys(media)), entry.seq)
    return entry


async def _reference_media(session: AsyncSession, chain_id: str, media: list[str], seq: int | None) -> None:
    """Index the chain under each hash it references (first reference kept)."""
    dialect = session.get_bind().dialect.name
    insert_ = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = insert_(MediaRef).on_conflict_do_nothing(index_elements=["sha256", "case_id"])
    await session.execute(statement, [{"sha256": m, "case_id": chain_id, "first_seq": seq} for m in media])


async def append_entry(
    session: AsyncSession,
    *,
    case: Case,
    kind: str,
    payload: dict[str, Any],
    actors: Sequence[str],
    media: Sequence[str] = (),
    meta: EntryMeta | None = None,
    clock: Clock | None = None,
) -> TrailEntry:
    """Append one entry to ``case``'s chain (see :func:`append_to_chain`)."""
    entry = await append_to_chain(
        session,
        chain_id=case.id,
        head=case,
        kind=kind,
        payload=payload,
        actors=actors,
        media=media,
        meta=meta,
        clock=clock,
    )
    case.updated_at = entry.server_time
    return entry


def entry_view(entry: TrailEntry) -> dict[str, Any]:
    """The public shape of an entry (contract ``Entry``), without evidence_pending/author_name."""
    body: dict[str, Any] = json.loads(entry.body)
    return {"seq": entry.seq, **body, "prev_hash": entry.prev_hash, "hash": entry.hash}


async def list_entries(
    session: AsyncSession, *, case_id: str, after: int = 0, limit: int = 200
) -> list[TrailEntry]:
    """Entries of one case with ``case_seq > after``, in chain order."""
    rows = await session.scalars(
        select(TrailEntry)
        .where(TrailEntry.case_id == case_id, TrailEntry.case_seq > after)  # type: ignore[arg-type]
        .order_by(TrailEntry.case_seq)  # type: ignore[arg-type]
        .limit(limit)
    )
    return list(rows)
