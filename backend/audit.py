"""Structured audit of logins, permission denials and refused operations."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from backend.clock import Clock, SystemClock, isoformat
from backend.db.models import AuditEvent

log = logging.getLogger("liuhen.audit")


async def record_audit(
    session: AsyncSession,
    *,
    kind: str,
    user_id: str | None = None,
    username: str | None = None,
    client: str | None = None,
    detail: dict[str, Any] | None = None,
    clock: Clock | None = None,
) -> None:
    """Add an audit event to ``session`` (the caller commits) and log it."""
    event = AuditEvent(
        at=isoformat((clock or SystemClock()).now()),
        kind=kind,
        user_id=user_id,
        username=username,
        client=client,
        detail=detail or {},
    )
    session.add(event)
    log.info("audit %s user=%s username=%s client=%s %s", kind, user_id, username, client, detail or {})
