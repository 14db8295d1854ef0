"""Backend glue of the sync protocol: devices, signed pushes through the case commands, scoped pulls.

The protocol rules live in ``sync/`` (pure Python); this module binds them to the database, the
one command entry point (:func:`backend.cases.commands.execute`) and the access rules.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from backend.access import OFFICER, AuthUser, can_view_case
from backend.audit import record_audit
from backend.cases.commands import execute
from backend.cases.service import present_entries, scope_filter
from backend.clock import Clock, isoformat, parse_time
from backend.db.engine import Database
from backend.db.models import Case, TrailEntry
from backend.db.models_sync import Device, DeviceKey, QuarantineChain, SyncOpResult
from backend.errors import DomainError
from backend.settings import Settings
from backend.trail.service import EntryMeta, append_to_chain
from sync.hlc import HLC, clock_drift_flags
from sync.op import Op, OpInvalid, parse_op
from sync.push import OpResult, PushOutcome, Status, SyncRefused, check_batch, push_batch
from sync.signing import KeyInvalid, load_public_key

QUARANTINE_NAMESPACE = uuid.UUID("8f1d2c4e-6b7a-4c1e-9d3f-2a5b7c9e0f11")
"""Quarantine chain ids are UUIDv5 of the device id in this namespace."""

MAX_BATCH = 500


def quarantine_chain_id(device_id: str) -> str:
    """The id of a device's quarantine chain (stable, never a case id)."""
    return str(uuid.uuid5(QUARANTINE_NAMESPACE, device_id))


def _ms(moment: str) -> int:
    return int(parse_time(moment).timestamp() * 1000)


async def _refuse(
    db: Database, *, user: AuthUser, code: str, detail: str, status: int, **extra: Any
) -> DomainError:
    """Audit a refused sync request and return the error to raise."""
    async with db.session() as session:
        await record_audit(
            session,
            kind=f"sync_refused.{code}",
            user_id=user.id,
            username=user.username,
            detail={"code": code, "detail": detail, **extra},
        )
        await session.commit()
    return DomainError(code, detail, status=status, **extra)


# --- devices -------------------------------------------------------------------------------------


async def register_device(
    db: Database, *, user: AuthUser, device_id: str, public_key: str, label: str | None, clock: Clock
) -> dict[str, Any]:
    """Register a device key for ``user``; the same device may add keys, another user may not take it."""
    try:
        load_public_key(public_key)
    except KeyInvalid as exc:
        raise DomainError(KeyInvalid.code, str(exc)) from exc
    now = isoformat(clock.now())
    async with db.write() as session:
        device = await session.get(Device, device_id)
        if device is not None and device.user_id != user.id:
            await record_audit(
                session,
                kind="sync_refused.device_taken",
                user_id=user.id,
                username=user.username,
                detail={"device_id": device_id},
            )
            await session.commit()
            raise DomainError("device_taken", "该设备已登记在其他用户名下", status=409, device_id=device_id)
        if device is None:
            device = Device(id=device_id, user_id=user.id, label=label, registered_at=now)
            session.add(device)
            await session.flush()
        known = await session.scalar(
            select(col(DeviceKey.id)).where(
                col(DeviceKey.device_id) == device_id, col(DeviceKey.public_key) == public_key
            )
        )
        if known is None:
            session.add(DeviceKey(device_id=device_id, public_key=public_key, registered_at=now))
        return {
            "device_id": device.id,
            "user_id": device.user_id,
            "registered_at": device.registered_at,
            "last_acked_seq": device.last_acked_seq,
        }


async def _device_keys(db: Database, *, user: AuthUser, device_id: str) -> list[ec.EllipticCurvePublicKey]:
    async with db.session() as session:
        device = await session.get(Device, device_id)
        keys = list(
            await session.scalars(
                select(col(DeviceKey.public_key)).where(col(DeviceKey.device_id) == device_id)
            )
        )
    if device is None or not keys:
        raise await _refuse(
            db,
            user=user,
            code="device_unknown",
            status=403,
            device_id=device_id,
            detail="设备未登记：请先登录并登记本设备的公钥",
        )
    if device.user_id != user.id:
        raise await _refuse(
            db,
            user=user,
            code="device_not_owned",
            status=403,
            device_id=device_id,
            detail="该设备登记在其他用户名下，不能以当前用户推送",
        )
    return [load_public_key(k) for k in keys]


# --- push ----------------------------------------------------------------------------------------


@dataclass
class DbSyncStore:
    """The engine's store over one serialised write transaction."""

    session: AsyncSession
    user: AuthUser
    clock: Clock
    settings: Settings
    device_now_ms: int | None = None
    chains: dict[int, str] = field(default_factory=dict)
    """Global seq → chain (case or quarantine) of the entries written in this push."""

    async def last_acked_seq(self, device_id: str) -> int:
        value = await self.session.scalar(
            select(col(Device.last_acked_seq)).where(col(Device.id) == device_id)
        )
        return int(value or 0)

    async def stored_results(self, device_id: str, seqs: Sequence[int]) -> Mapping[int, OpResult]:
        rows = await self.session.scalars(
            select(SyncOpResult).where(
                col(SyncOpResult.device_id) == device_id,
                col(SyncOpResult.device_seq).in_(seqs),
            )
        )
        return {
            r.device_seq: OpResult(
                r.op_id, r.device_seq, Status(r.status), r.seq, r.case_seq, r.hash, r.reason, r.code
            )
            for r in rows
        }

    async def op_ids_seen(self, op_ids: Sequence[str]) -> set[str]:
        rows = await self.session.scalars(
            select(col(SyncOpResult.op_id)).where(col(SyncOpResult.op_id).in_(op_ids))
        )
        return set(rows)

    def _meta(self, op: Op) -> EntryMeta:
        flags = clock_drift_flags(
            server_ms=int(self.clock.now().timestamp() * 1000),
            limit_ms=self.settings.clock_drift_seconds * 1000,
            device_time_ms=_ms(op.device_time),
            hlc=HLC.parse(op.hlc),
            device_now_ms=self.device_now_ms,
        )
        return EntryMeta(
            device_id=op.device_id,
            op_id=op.op_id,
            device_time=op.device_time,
            hlc=op.hlc,
            location=op.location,
            flags=flags,
        )

    async def apply(self, op: Op) -> OpResult:
        try:
            done = await execute(
                self.session,
                user=self.user,
                case_id=op.case_id,
                kind=op.kind,
                payload=op.payload,
                media=op.media,
                meta=self._meta(op),
                base_seq=op.base_seq,
                clock=self.clock,
            )
        except DomainError as exc:
            return await self.reject(op, code=exc.code, reason=exc.detail)
        entry = done.entry
        assert entry.seq is not None
        self.chains[entry.seq] = entry.case_id
        return OpResult(op.op_id, op.device_seq, Status(done.status), entry.seq, entry.case_seq, entry.hash)

    async def reject(self, op: Op, *, code: str, reason: str) -> OpResult:
        """Keep the whole op: in its case's chain if the pusher may see the case, else in quarantine."""
        payload = {"op": op.to_json(), "reason": reason, "code": code}
        case = await self.session.get(Case, op.case_id)
        meta = self._meta(op)
        if case is not None and can_view_case(self.user, case):
            from backend.trail.service import append_entry

            entry = await append_entry(
                self.session,
                case=case,
                kind="rejected",
                payload=payload,
                actors=[self.user.id],
                media=op.media,
                meta=meta,
                clock=self.clock,
            )
        else:
            entry = await self._append_quarantine(op, payload, meta)
        assert entry.seq is not None
        self.chains[entry.seq] = entry.case_id
        return OpResult(
            op.op_id, op.device_seq, Status.REJECTED, entry.seq, entry.case_seq, entry.hash, reason, code
        )

    async def _append_quarantine(self, op: Op, payload: dict[str, Any], meta: EntryMeta) -> TrailEntry:
        chain_id = quarantine_chain_id(op.device_id)
        now = isoformat(self.clock.now())
        chain = await self.session.get(QuarantineChain, chain_id)
        if chain is None:
            chain = QuarantineChain(
                chain_id=chain_id,
                device_id=op.device_id,
                user_id=self.user.id,
                department_id=self.user.department_id,
                created_at=now,
            )
        return await append_to_chain(
            self.session,
            chain_id=chain_id,
            head=chain,
            kind="rejected",
            payload=payload,
            actors=[self.user.id],
            media=op.media,
            meta=replace(meta, flags=[*meta.flags, "quarantine"]),
            clock=self.clock,
        )

    async def record(self, device_id: str, results: Sequence[OpResult], last_acked_seq: int) -> None:
        now = isoformat(self.clock.now())
        if results:
            # One multi-row INSERT (Core): answers are plain rows, no ORM identity needed.
            await self.session.execute(
                insert(SyncOpResult),
                [
                    {
                        "device_id": device_id,
                        "device_seq": r.device_seq,
                        "op_id": r.op_id,
                        "status": r.status.value,
                        "seq": r.seq,
                        "case_id": self.chains[r.seq],
                        "case_seq": r.case_seq,
                        "hash": r.hash,
                        "reason": r.reason,
                        "code": r.code,
                        "answered_at": now,
                    }
                    for r in results
                ],
            )
        await self.session.execute(
            update(Device)
            .where(col(Device.id) == device_id)
            .values(last_acked_seq=last_acked_seq, last_push_at=now)
        )


def _parse_batch(raw_ops: Sequence[Any]) -> list[Op]:
    if len(raw_ops) > MAX_BATCH:
        raise DomainError("batch_too_large", f"一次最多推送 {MAX_BATCH} 条操作", status=413)
    ops = []
    for index, raw in enumerate(raw_ops):
        try:
            ops.append(parse_op(raw))
        except OpInvalid as exc:
            raise DomainError(
                OpInvalid.code, f"第 {index + 1} 条操作格式有误：{exc}", field=exc.field, index=index
            ) from exc
    return ops


async def push(
    db: Database,
    *,
    user: AuthUser,
    device_id: str,
    raw_ops: Sequence[Any],
    clock: Clock,
    settings: Settings,
    device_now: str | None = None,
) -> PushOutcome:
    """Verify a device's batch, then answer every op exactly once in one serialised transaction."""
    ops = _parse_batch(raw_ops)
    keys = await _device_keys(db, user=user, device_id=device_id)
    device_now_ms = _ms(device_now) if device_now else None
    try:
        # ECDSA verification releases the GIL: off the event loop, other pushes proceed meanwhile.
        await asyncio.to_thread(_check_with_any_key, device_id, ops, keys)
        async with db.write() as session:
            store = DbSyncStore(session, user, clock, settings, device_now_ms)
            return await push_batch(store, device_id, ops)
    except SyncRefused as exc:
        # The write transaction (if any) has rolled back; the refusal is audited on its own.
        raise await _refuse(
            db,
            user=user,
            code=exc.code,
            detail=exc.detail,
            status=exc.status,
            device_id=device_id,
            **exc.extra,
        ) from exc


def _check_with_any_key(device_id: str, ops: Sequence[Op], keys: Sequence[ec.EllipticCurvePublicKey]) -> None:
    """Every op must verify under one of the device's registered keys (usually there is one)."""
    if len(keys) == 1:
        check_batch(device_id, ops, keys[0])
        return
    failure: SyncRefused | None = None
    for key in keys:
        try:
            check_batch(device_id, ops, key)
            return
        except SyncRefused as exc:
            if exc.code != "signature_invalid":
                raise
            failure = exc
    for op in ops:  # mixed keys within one batch (a key was added mid-queue): check op by op
        if not any(_verifies(op, key) for key in keys):
            assert failure is not None
            raise SyncRefused(
                failure.code, failure.detail, status=failure.status, op_id=op.op_id, device_seq=op.device_seq
            )


def _verifies(op: Op, key: ec.EllipticCurvePublicKey) -> bool:
    from sync.signing import verify_op

    return verify_op(key, op)


# --- pull ----------------------------------------------------------------------------------------


async def pull(
    db: Database, *, user: AuthUser, cursor: int, limit: int, device_id: str | None
) -> dict[str, Any]:
    """Entries after ``cursor`` the user may see, oldest first, with the cursor to ask from next."""
    async with db.session() as session:
        # Everything up to `high` has committed: appends are serialised, so seq order is commit order.
        high = int(await session.scalar(select(func.max(col(TrailEntry.seq)))) or 0)
        visible_cases = select(col(Case.id)).where(*scope_filter(user))
        own_quarantine = select(col(QuarantineChain.chain_id)).where(col(QuarantineChain.user_id) == user.id)
        entries: list[TrailEntry] = []
        position = cursor
        more = False
        while position < high and not entries:
            rows = list(
                await session.scalars(
                    select(TrailEntry)
                    .where(
                        col(TrailEntry.seq) > position,
                        col(TrailEntry.seq) <= high,
                        or_(
                            col(TrailEntry.case_id).in_(visible_cases),
                            col(TrailEntry.case_id).in_(own_quarantine),
                        ),
                    )
                    .order_by(col(TrailEntry.seq))
                    .limit(limit)
                )
            )
            more = len(rows) == limit
            position = rows[-1].seq if more and rows[-1].seq is not None else high
            entries = await _restricted(session, user, rows)
        last_acked = None
        if device_id:
            device = await session.get(Device, device_id)
            if device is not None and device.user_id == user.id:
                last_acked = device.last_acked_seq
        views = await present_entries(session, entries)
    return {"entries": views, "cursor": max(position, cursor), "more": more, "last_acked_seq": last_acked}


async def _restricted(session: AsyncSession, user: AuthUser, rows: list[TrailEntry]) -> list[TrailEntry]:
    """Officers of departments that restrict to assigned cases see only their cases' entries."""
    if not (user.role == OFFICER and user.restrict_to_assigned) or not rows:
        return rows
    ids = {r.case_id for r in rows}
    cases = {c.id: c for c in await session.scalars(select(Case).where(col(Case.id).in_(ids)))}
    return [r for r in rows if r.case_id not in cases or can_view_case(user, cases[r.case_id])]
