"""Serving evidence: who may open a blob, byte ranges, and the custody entry every view leaves."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from backend.access import AuthUser, can_view_case, check_case_visible
from backend.clock import Clock
from backend.db.engine import Database
from backend.db.models import Case, MediaRef
from backend.db.models_media import MediaBlob
from backend.errors import NotFound
from backend.trail.service import append_entry
from media.store import is_sha256


@dataclass(frozen=True)
class MediaAccess:
    """A permitted read of a blob, already on the trail."""

    blob: MediaBlob
    start: int
    stop: int
    partial: bool


class RangeNotSatisfiable(Exception):
    """416 with ``Content-Range: bytes */size``."""

    def __init__(self, size: int) -> None:
        super().__init__("range not satisfiable")
        self.size = size


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """A single ``bytes=`` range → ``(start, stop)``; None means the whole body (absent/other units/multi)."""
    if not header:
        return None
    unit, _, spec = header.partition("=")
    if unit.strip().lower() != "bytes":
        return None
    if "," in spec:
        return None  # multiple ranges: answer with the whole representation (allowed by RFC 9110)
    first, dash, last = spec.strip().partition("-")
    try:
        if not dash:
            raise ValueError
        if first == "":
            n = int(last)
            if n <= 0 or size == 0:
                raise RangeNotSatisfiable(size)
            return max(0, size - n), size
        start = int(first)
        stop = size if last == "" else min(int(last) + 1, size)
    except ValueError as exc:
        raise RangeNotSatisfiable(size) from exc
    if start < 0 or start >= size or stop <= start:
        raise RangeNotSatisfiable(size)
    return start, stop


async def _visible_referencing_cases(
    session: AsyncSession, user: AuthUser, sha256: str, case_id: str | None
) -> list[Case]:
    query = select(col(MediaRef.case_id)).where(col(MediaRef.sha256) == sha256)
    if case_id is not None:
        query = query.where(col(MediaRef.case_id) == case_id)
    ids = list(await session.scalars(query))
    cases = []
    for cid in ids:
        case = await session.get(Case, cid)
        if case is not None and can_view_case(user, case):
            cases.append(case)
    return cases


async def open_media(
    db: Database,
    *,
    user: AuthUser,
    sha256: str,
    case_id: str | None,
    range_header: str | None,
    variant: str,
    clock: Clock,
) -> MediaAccess:
    """Check the caller may see a case referencing the blob, then log the view on those cases."""
    if not is_sha256(sha256):
        raise NotFound("media_not_found", "证据文件不存在或无权查看")
    async with db.session() as session:
        blob = await session.get(MediaBlob, sha256)
        cases = await _visible_referencing_cases(session, user, sha256, case_id) if blob is not None else []
    if blob is None or not cases:
        raise NotFound("media_not_found", "证据文件不存在或无权查看")
    size = blob.size
    rng = parse_range(range_header, size) if variant == "original" else None
    start, stop = rng if rng is not None else (0, size)
    payload: dict[str, Any] = {"sha256": sha256, "variant": variant}
    if rng is not None:
        payload["range"] = {"start": start, "end": stop - 1, "size": size}
    async with db.write() as session:
        for case in cases:
            fresh = await session.get(Case, case.id)
            if fresh is None:
                continue
            check_case_visible(user, fresh)
            await append_entry(
                session,
                case=fresh,
                kind="media_view",
                payload=payload,
                actors=[user.id],
                media=[sha256],
                clock=clock,
            )
    return MediaAccess(blob=blob, start=start, stop=stop, partial=rng is not None)
