"""Backend glue of the media capability: permissions, upload state in the database, custody entries.

``media/`` does the bytes (stores, tus rules, hashing, EXIF, thumbnails); this module decides who may do
what (through ``backend.access``) and writes ``media_verified`` / ``media_view`` entries to the trail.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from backend.access import AuthUser, check_case_visible, check_may_append
from backend.clock import Clock, isoformat, parse_time
from backend.db.engine import Database
from backend.db.models import Case, TrailEntry
from backend.db.models_media import MediaBlob, MediaIngest, MediaUpload
from backend.settings import Settings
from backend.trail.service import EntryMeta, append_entry
from media.derivatives import can_thumbnail, make_thumbnail
from media.exif import ExifInfo, compare_with_device, read_exif
from media.partial import PartialUploads
from media.settings import MediaSettings
from media.store import BlobStore, derivative_key, is_sha256, open_store, original_key
from media.tus import Checksum, TusError, UploadRequest, new_upload_id

log = logging.getLogger("liuhen.media")
MAX_THUMB_SOURCE = 64 * 1024 * 1024
MEDIA_KINDS = ("photo", "video", "audio")


@dataclass
class MediaRuntime:
    """Per-process media state: the store, the partial uploads, background derivative jobs."""

    settings: MediaSettings
    store: BlobStore
    partials: PartialUploads
    tasks: set[asyncio.Task[None]] = field(default_factory=set)

    async def close(self) -> None:
        """Wait for derivative jobs and release the store's connections."""
        if self.tasks:
            await asyncio.gather(*self.tasks, return_exceptions=True)
        await self.store.close()


def media_runtime(state: Any, settings: Settings) -> MediaRuntime:
    """The app's media runtime, created on first use and kept in the app state."""
    runtime: MediaRuntime | None = getattr(state, "media", None)
    if runtime is None:
        ms = MediaSettings.from_env(
            data_dir=settings.data_dir,
            media_url=settings.media_url,
            max_upload_bytes=settings.max_upload_bytes,
        )
        runtime = MediaRuntime(settings=ms, store=open_store(ms), partials=PartialUploads(ms.uploads_dir))
        state.media = runtime
    return runtime


async def shutdown(state: Any) -> None:
    """For ``on_shutdown``: finish background jobs, close store connections."""
    runtime: MediaRuntime | None = getattr(state, "media", None)
    if runtime is not None:
        await runtime.close()


async def verified_hashes(session: AsyncSession, hashes: set[str]) -> set[str]:
    """Which of ``hashes`` have arrived and verified (for ``evidence_pending``)."""
    wanted = {h for h in hashes if is_sha256(h)}
    if not wanted:
        return set()
    rows = await session.scalars(select(col(MediaBlob.sha256)).where(MediaBlob.sha256.in_(wanted)))  # type: ignore[attr-defined]
    return set(rows)


def _entry_kind(content_type: str) -> str:
    major = content_type.split("/", 1)[0]
    return {"image": "photo", "video": "video", "audio": "audio"}.get(major, "photo")


async def _writable_case(session: AsyncSession, user: AuthUser, case_id: str, content_type: str) -> Case:
    case = check_case_visible(user, await session.get(Case, case_id))  # 404 when not visible
    check_may_append(user, case, _entry_kind(content_type))  # 403 when visible but not writable
    return case


# ---------------------------------------------------------------------------------------------- uploads


async def create_upload(
    db: Database, rt: MediaRuntime, *, user: AuthUser, req: UploadRequest, metadata_header: str, clock: Clock
) -> MediaUpload:
    """Register a new tus upload for a case the user may write to."""
    await sweep_expired(db, rt, clock=clock)
    now = clock.now()
    upload = MediaUpload(
        id=new_upload_id(),
        case_id=str(req.case_id),
        user_id=user.id,
        sha256=req.sha256,
        filename=req.filename,
        content_type=req.content_type,
        length=req.length,
        offset=0,
        metadata_header=metadata_header,
        bodycam_id=req.bodycam_id,
        recording_ended_at=isoformat(req.recording_ended_at) if req.recording_ended_at else None,
        created_at=isoformat(now),
        updated_at=isoformat(now),
        expires_at=isoformat(now + timedelta(seconds=rt.settings.upload_expiry_seconds)),
    )
    async with db.session() as session:
        await _writable_case(session, user, upload.case_id, upload.content_type)
        await rt.partials.create(upload.id)
        session.add(upload)
        await session.commit()
    return upload


async def _forget_upload(db: Database, rt: MediaRuntime, upload_id: str) -> None:
    await rt.partials.remove(upload_id)
    async with db.session() as session:
        row = await session.get(MediaUpload, upload_id)
        if row is not None:
            await session.delete(row)
            await session.commit()


async def get_upload(
    db: Database, rt: MediaRuntime, *, user: AuthUser, upload_id: str, clock: Clock
) -> MediaUpload:
    """The caller's own live upload; 404 for others' or unknown ids, 410 once expired."""
    async with db.session() as session:
        upload = await session.get(MediaUpload, upload_id)
    if upload is None or upload.user_id != user.id:
        raise TusError(404, "upload_not_found", "no such upload")
    if parse_time(upload.expires_at) <= clock.now():
        await _forget_upload(db, rt, upload_id)
        raise TusError(410, "upload_expired", "this upload expired; start a new one")
    return upload


async def delete_upload(
    db: Database, rt: MediaRuntime, *, user: AuthUser, upload_id: str, clock: Clock
) -> None:
    """tus termination: the partial bytes and the state are gone."""
    async with rt.partials.lock(upload_id):
        await get_upload(db, rt, user=user, upload_id=upload_id, clock=clock)
        await _forget_upload(db, rt, upload_id)


async def sweep_expired(db: Database, rt: MediaRuntime, *, clock: Clock, limit: int = 50) -> int:
    """Remove a batch of expired unfinished uploads (tus expiration)."""
    async with db.session() as session:
        rows = list(
            await session.scalars(
                select(col(MediaUpload.id))
                .where(col(MediaUpload.expires_at) <= isoformat(clock.now()))
                .limit(limit)
            )
        )
    for upload_id in rows:
        await _forget_upload(db, rt, upload_id)
    return len(rows)


@dataclass(frozen=True)
class PatchOutcome:
    """What the PATCH handler reports back."""

    upload: MediaUpload
    completed: bool


async def patch_upload(
    db: Database,
    rt: MediaRuntime,
    *,
    user: AuthUser,
    upload_id: str,
    offset: int,
    content_length: int | None,
    checksum: Checksum | None,
    chunks: AsyncIterator[bytes],
    clock: Clock,
) -> PatchOutcome:
    """Append a PATCH body; on the last byte verify the SHA-256, store once, and put it on the trail."""
    async with rt.partials.lock(upload_id):
        upload = await get_upload(db, rt, user=user, upload_id=upload_id, clock=clock)
        if offset != upload.offset:
            raise TusError(409, "offset_mismatch", f"Upload-Offset must be {upload.offset}")
        if content_length is not None and upload.offset + content_length > upload.length:
            raise TusError(413, "upload_too_large", "PATCH body goes past Upload-Length")
        result = await rt.partials.append(
            upload_id, offset=upload.offset, length=upload.length, chunks=chunks, checksum=checksum
        )
        now = clock.now()
        async with db.session() as session:
            row = await session.get(MediaUpload, upload_id)
            if row is None:  # terminated meanwhile by another process
                raise TusError(404, "upload_not_found", "no such upload")
            row.offset = result.offset
            row.updated_at = isoformat(now)
            row.expires_at = isoformat(now + timedelta(seconds=rt.settings.upload_expiry_seconds))
            session.add(row)
            await session.commit()
            upload = row
        if upload.offset < upload.length:
            return PatchOutcome(upload=upload, completed=False)
        digest = result.sha256 or await rt.partials.digest(upload_id, upload.offset)
        await _finish(db, rt, user=user, upload=upload, digest=digest, clock=clock)
        return PatchOutcome(upload=upload, completed=True)


async def _read_exif_guarded(rt: MediaRuntime, path: Path, content_type: str) -> ExifInfo:
    try:
        return await asyncio.wait_for(
            asyncio.to_thread(read_exif, path, content_type), timeout=rt.settings.exif_timeout_seconds
        )
    except TimeoutError:
        return ExifInfo(flags=["exif_timeout"])


async def _referencing_entry(session: AsyncSession, case_id: str, sha256: str) -> dict[str, Any] | None:
    """The first photo/video/audio entry of the case that references the hash (its device fix and time)."""
    body = await session.scalar(
        select(col(TrailEntry.body))
        .where(
            TrailEntry.case_id == case_id,  # type: ignore[arg-type]
            TrailEntry.kind.in_(MEDIA_KINDS),  # type: ignore[attr-defined]
            TrailEntry.body.contains(sha256),  # type: ignore[attr-defined]
        )
        .order_by(TrailEntry.case_seq)  # type: ignore[arg-type]
        .limit(1)
    )
    return json.loads(body) if body else None


def _comparison(rt: MediaRuntime, info: ExifInfo, entry: dict[str, Any] | None) -> dict[str, Any]:
    if entry is None:
        return {}
    loc = entry.get("location") or {}
    cmp = compare_with_device(
        info,
        device_lat=loc.get("lat") if isinstance(loc.get("lat"), int | float) else None,
        device_lon=loc.get("lon") if isinstance(loc.get("lon"), int | float) else None,
        device_time=entry.get("device_time") if isinstance(entry.get("device_time"), str) else None,
        max_distance_m=rt.settings.gps_mismatch_metres,
        max_skew_s=rt.settings.time_skew_seconds,
    )
    out: dict[str, Any] = {"flags": cmp.flags, "entry_case_seq": entry.get("case_seq")}
    if cmp.distance_m is not None:
        out["distance_m"] = cmp.distance_m
    if cmp.time_skew_s is not None:
        out["time_skew_s"] = cmp.time_skew_s
    return out


async def _finish(
    db: Database, rt: MediaRuntime, *, user: AuthUser, upload: MediaUpload, digest: str, clock: Clock
) -> None:
    part = rt.partials.path(upload.id)
    if digest != upload.sha256:
        await _forget_upload(db, rt, upload.id)
        raise TusError(
            460, "sha256_mismatch", "the uploaded bytes do not hash to the declared sha256; removed"
        )
    info = await _read_exif_guarded(rt, part, upload.content_type)
    key = original_key(digest)
    if await rt.store.stat(key) is None:
        await rt.store.put_file(key, part)
    rt.partials.forget(upload.id)
    now = clock.now()
    async with db.write() as session:
        case = await _writable_case(session, user, upload.case_id, upload.content_type)
        blob = await session.get(MediaBlob, digest)
        if blob is None:
            blob = MediaBlob(
                sha256=digest,
                size=upload.length,
                content_type=upload.content_type,
                filename=upload.filename,
                exif=info.to_payload(),
                flags=sorted(set(info.flags)),
                created_by=user.id,
                created_at=isoformat(now),
            )
            session.add(blob)
        cmp = _comparison(rt, info, await _referencing_entry(session, case.id, digest))
        flags = sorted(set(info.flags) | set(cmp.pop("flags", [])))
        payload: dict[str, Any] = {
            "sha256": digest,
            "size": upload.length,
            "content_type": upload.content_type,
            "filename": upload.filename,
            "exif": info.to_payload(),
            "flags": flags,
            **cmp,
        }
        ingest = MediaIngest(sha256=digest, case_id=case.id, user_id=user.id, uploaded_at=isoformat(now))
        if upload.bodycam_id and upload.recording_ended_at:
            lag = int((now - parse_time(upload.recording_ended_at)).total_seconds())
            late = lag > rt.settings.bodycam_max_lag_seconds
            ingest.bodycam_id, ingest.recording_ended_at = upload.bodycam_id, upload.recording_ended_at
            ingest.upload_lag_seconds, ingest.bodycam_late = lag, late
            payload["bodycam"] = {
                "device_id": upload.bodycam_id,
                "recording_ended_at": upload.recording_ended_at,
                "upload_lag_seconds": lag,
            }
            if late:
                flags.append("bodycam_late")
        entry = await append_entry(
            session,
            case=case,
            kind="media_verified",
            payload=payload,
            actors=[user.id],
            media=[digest],
            meta=EntryMeta(flags=flags),
            clock=clock,
        )
        ingest.entry_seq = entry.seq
        session.add(ingest)
        row = await session.get(MediaUpload, upload.id)
        if row is not None:
            await session.delete(row)
    await rt.partials.remove(upload.id)
    if can_thumbnail(upload.content_type) and upload.length <= MAX_THUMB_SOURCE:
        task = asyncio.create_task(_make_thumb(db, rt, digest))
        rt.tasks.add(task)
        task.add_done_callback(rt.tasks.discard)


async def _make_thumb(db: Database, rt: MediaRuntime, sha256: str) -> None:
    """Background job: derive the thumbnail from the stored original (never the other way round)."""
    key = derivative_key(sha256, "thumb")
    try:
        if await rt.store.stat(key) is None:
            scratch = rt.settings.data_dir / "tmp"
            scratch.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryDirectory(dir=scratch) as tmp:
                src = Path(tmp) / "original"
                with src.open("wb") as f:
                    async for chunk in rt.store.read(original_key(sha256)):
                        await asyncio.to_thread(f.write, chunk)
                data = await asyncio.to_thread(make_thumbnail, src, rt.settings.thumb_size)

            async def one() -> AsyncIterator[bytes]:
                yield data

            await rt.store.put_stream(key, one())
        async with db.session() as session:
            blob = await session.get(MediaBlob, sha256)
            if blob is not None:
                blob.thumb = True
                session.add(blob)
                await session.commit()
    except Exception:  # a broken image gets no thumbnail; the original stays as it is
        log.warning("no thumbnail for %s", sha256, exc_info=True)


def upload_expires(upload: MediaUpload) -> datetime:
    """When an unfinished upload expires."""
    return parse_time(upload.expires_at)


async def remove_quietly(path: Path) -> None:
    """Best-effort removal of a temp file."""
    with contextlib.suppress(FileNotFoundError):
        await asyncio.to_thread(path.unlink)
