"""Local filesystem blob store: temp file → fsync → atomic rename into a content-addressed path."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import uuid
from collections.abc import AsyncIterable, AsyncIterator
from pathlib import Path

import aiofiles
import aiofiles.os

from media.store import READ_CHUNK, BlobNotFound, check_key


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class LocalBlobStore:
    """Blobs under ``root``; the embedded default (``<data_dir>/media``)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.tmp = root / "tmp"
        self.tmp.mkdir(parents=True, exist_ok=True)

    def path(self, key: str) -> Path:
        """Filesystem path of a key (only for keys we generated)."""
        return self.root / check_key(key)

    async def stat(self, key: str) -> int | None:
        try:
            st = await aiofiles.os.stat(self.path(key))
        except FileNotFoundError:
            return None
        return st.st_size

    async def _commit(self, tmp: Path, key: str) -> None:
        target = self.path(key)

        def commit() -> None:
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.exists():  # content-addressed: same key, same bytes — keep the first copy
                tmp.unlink(missing_ok=True)
                return
            os.replace(tmp, target)
            _fsync_dir(target.parent)

        await asyncio.to_thread(commit)

    async def put_stream(self, key: str, chunks: AsyncIterable[bytes]) -> int:
        check_key(key)
        tmp = self.tmp / f"{uuid.uuid4().hex}.tmp"
        size = 0
        try:
            async with aiofiles.open(tmp, "wb") as f:
                async for chunk in chunks:
                    await f.write(chunk)
                    size += len(chunk)
                await f.flush()
                await asyncio.to_thread(os.fsync, f.fileno())
            await self._commit(tmp, key)
        finally:
            with contextlib.suppress(FileNotFoundError):
                await aiofiles.os.remove(tmp)
        return size

    async def put_file(self, key: str, path: Path) -> None:
        check_key(key)
        tmp = self.tmp / f"{uuid.uuid4().hex}.tmp"

        def move() -> None:
            try:
                os.replace(path, tmp)  # same filesystem: no copy
            except OSError:
                shutil.copyfile(path, tmp)
                path.unlink()
            fd = os.open(tmp, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)

        try:
            await asyncio.to_thread(move)
            await self._commit(tmp, key)
        finally:
            with contextlib.suppress(FileNotFoundError):
                await aiofiles.os.remove(tmp)

    async def read(self, key: str, start: int = 0, stop: int | None = None) -> AsyncIterator[bytes]:
        try:
            f = await aiofiles.open(self.path(key), "rb")
        except FileNotFoundError as exc:
            raise BlobNotFound(key) from exc
        try:
            await f.seek(start)
            remaining = None if stop is None else max(0, stop - start)
            while remaining is None or remaining > 0:
                n = READ_CHUNK if remaining is None else min(READ_CHUNK, remaining)
                chunk = await f.read(n)
                if not chunk:
                    break
                if remaining is not None:
                    remaining -= len(chunk)
                yield chunk
        finally:
            await f.close()

    async def delete(self, key: str) -> bool:
        try:
            await aiofiles.os.remove(self.path(key))
        except FileNotFoundError:
            return False
        return True

    async def close(self) -> None:
        return None
