"""Partial tus uploads on local disk, hashed as they stream.

The running SHA-256 of each upload is cached in memory at its current offset; after a restart (or when
another PATCH raced it) the partial file is re-hashed once up to the committed offset, which is the only
state that counts. Bytes are fsynced before the caller records a new offset, so a crash can only leave
extra bytes past the offset, which the next PATCH truncates.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from media.tus import Checksum, TusError, check_upload_id

BUFFER = 1024 * 1024
REHASH_CHUNK = 4 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class AppendResult:
    """Outcome of one PATCH."""

    offset: int
    """New committed offset (fsynced)."""
    interrupted: bool
    """The client stream broke off; the bytes before the break are kept (tus core)."""
    sha256: str | None
    """Hex digest of the whole upload once ``offset`` reached the declared length."""


def _write(f: BinaryIO, whole: Any, chunk: Any, buf: bytearray) -> None:
    f.write(buf)
    whole.update(buf)
    if chunk is not None:
        chunk.update(buf)


class PartialUploads:
    """The directory of unfinished uploads (``<data_dir>/uploads``), one ``<id>.part`` file each."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        self._hashers: dict[str, tuple[int, Any]] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    def path(self, upload_id: str) -> Path:
        """Path of a partial file (ids are server-made hex, never client names)."""
        return self.directory / f"{check_upload_id(upload_id)}.part"

    def lock(self, upload_id: str) -> asyncio.Lock:
        """One PATCH at a time per upload in this process."""
        return self._locks.setdefault(upload_id, asyncio.Lock())

    async def create(self, upload_id: str) -> None:
        """An empty partial file for a new upload."""
        await asyncio.to_thread(self.path(upload_id).touch, exist_ok=False)

    async def remove(self, upload_id: str) -> None:
        """Forget an upload's bytes and hash state."""
        self._hashers.pop(upload_id, None)
        self._locks.pop(upload_id, None)
        with contextlib.suppress(FileNotFoundError):
            await asyncio.to_thread(self.path(upload_id).unlink)

    def _rehash(self, path: Path, offset: int) -> Any:
        h = hashlib.sha256()
        with path.open("rb") as f:
            remaining = offset
            while remaining:
                block = f.read(min(REHASH_CHUNK, remaining))
                if not block:
                    raise TusError(410, "upload_lost", "the stored part of this upload is missing")
                h.update(block)
                remaining -= len(block)
        return h

    async def _hasher_at(self, upload_id: str, offset: int) -> Any:
        cached = self._hashers.get(upload_id)
        if cached is not None and cached[0] == offset:
            return cached[1].copy()
        path = self.path(upload_id)
        if not path.exists():
            raise TusError(410, "upload_lost", "the stored part of this upload is missing; start again")
        return await asyncio.to_thread(self._rehash, path, offset)

    async def append(
        self,
        upload_id: str,
        *,
        offset: int,
        length: int,
        chunks: AsyncIterator[bytes],
        checksum: Checksum | None = None,
    ) -> AppendResult:
        """Append a PATCH body at ``offset`` (the committed offset); never past ``length`` (413).

        With a checksum, the PATCH is all-or-nothing: a mismatch (460) or a broken stream drops its bytes.
        The caller holds ``lock(upload_id)`` and records the returned offset.
        """
        whole = await self._hasher_at(upload_id, offset)
        chunk_hash = hashlib.new(checksum.algorithm) if checksum is not None else None
        path = self.path(upload_id)
        f = await asyncio.to_thread(path.open, "r+b")
        written = 0
        interrupted = False
        pending: asyncio.Future[None] | None = None
        try:
            # drop bytes past the committed offset (leftovers of a crash)
            await asyncio.to_thread(f.truncate, offset)
            f.seek(offset)
            buf = bytearray()
            while True:
                try:
                    data = await anext(chunks)
                except StopAsyncIteration:
                    break
                except Exception:
                    interrupted = True
                    break
                if offset + written + len(buf) + len(data) > length:
                    raise TusError(413, "upload_too_large", "PATCH body goes past Upload-Length")
                buf += data
                if len(buf) >= BUFFER:
                    if pending is not None:
                        await pending
                    pending = asyncio.ensure_future(asyncio.to_thread(_write, f, whole, chunk_hash, buf))
                    written += len(buf)
                    buf = bytearray()
            if pending is not None:
                await pending
                pending = None
            if buf:
                await asyncio.to_thread(_write, f, whole, chunk_hash, buf)
                written += len(buf)
            if checksum is not None:
                if interrupted:
                    raise TusError(400, "upload_interrupted", "PATCH body ended early; checksum not verified")
                assert chunk_hash is not None
                if chunk_hash.digest() != checksum.digest:
                    raise TusError(460, "checksum_mismatch", "Upload-Checksum does not match the PATCH body")
            await asyncio.to_thread(_flush_sync, f)
        except BaseException:
            if pending is not None:
                with contextlib.suppress(BaseException):
                    await pending
            with contextlib.suppress(OSError):
                await asyncio.to_thread(f.truncate, offset)  # this PATCH leaves nothing behind
            raise
        finally:
            await asyncio.to_thread(f.close)
        new_offset = offset + written
        self._hashers[upload_id] = (new_offset, whole)
        digest = whole.hexdigest() if new_offset == length else None
        return AppendResult(offset=new_offset, interrupted=interrupted, sha256=digest)

    async def digest(self, upload_id: str, offset: int) -> str:
        """Hex SHA-256 of the first ``offset`` bytes (e.g. a zero-length upload, or a re-check)."""
        return str((await self._hasher_at(upload_id, offset)).hexdigest())

    def forget(self, upload_id: str) -> None:
        """Drop cached state once an upload has been moved into the store."""
        self._hashers.pop(upload_id, None)
        self._locks.pop(upload_id, None)


def _flush_sync(f: BinaryIO) -> None:
    f.flush()
    os.fsync(f.fileno())
