"""The same suite runs against the local filesystem store and the S3 store."""

from __future__ import annotations

import hashlib
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from media.store import BlobNotFound, BlobStore, derivative_key, original_key


async def _chunks(data: bytes, size: int = 1 << 20) -> AsyncIterator[bytes]:
    for i in range(0, len(data), size):
        yield data[i : i + size]


async def _read_all(store: BlobStore, key: str, start: int = 0, stop: int | None = None) -> bytes:
    return b"".join([c async for c in store.read(key, start, stop)])


async def test_put_stream_then_read_back_exact_bytes(store: BlobStore) -> None:
    data = os.urandom(3 * 1024 * 1024 + 17)
    key = original_key(hashlib.sha256(data).hexdigest())
    assert await store.stat(key) is None
    assert await store.put_stream(key, _chunks(data)) == len(data)
    assert await store.stat(key) == len(data)
    assert await _read_all(store, key) == data


async def test_large_stream_goes_multipart_and_round_trips(store: BlobStore) -> None:
    data = os.urandom(17 * 1024 * 1024 + 5)  # > 2 S3 parts
    key = original_key(hashlib.sha256(data).hexdigest())
    await store.put_stream(key, _chunks(data, 3 * 1024 * 1024))
    got = await _read_all(store, key)
    assert hashlib.sha256(got).digest() == hashlib.sha256(data).digest()


async def test_range_reads_are_exact(store: BlobStore) -> None:
    data = bytes(range(256)) * 4000
    key = original_key(hashlib.sha256(data).hexdigest())
    await store.put_stream(key, _chunks(data))
    assert await _read_all(store, key, 0, 1) == data[:1]
    assert await _read_all(store, key, 1000, 300_001) == data[1000:300_001]
    assert await _read_all(store, key, len(data) - 10) == data[-10:]
    assert await _read_all(store, key, 5, 5) == b""


async def test_put_file_moves_the_file_in(store: BlobStore, tmp_path: Path) -> None:
    data = os.urandom(100_000)
    src = tmp_path / "finished.part"
    src.write_bytes(data)
    key = original_key(hashlib.sha256(data).hexdigest())
    await store.put_file(key, src)
    assert not src.exists()
    assert await _read_all(store, key) == data


async def test_identical_content_is_stored_once_and_first_copy_kept(store: BlobStore) -> None:
    data = b"evidence" * 1000
    key = original_key(hashlib.sha256(data).hexdigest())
    await store.put_stream(key, _chunks(data))
    await store.put_stream(key, _chunks(data))
    assert await store.stat(key) == len(data)
    assert await _read_all(store, key) == data


async def test_missing_key_reads_raise_not_found(store: BlobStore) -> None:
    key = original_key("0" * 64)
    assert await store.stat(key) is None
    with pytest.raises(BlobNotFound):
        await _read_all(store, key)
    assert await store.delete(key) is False


async def test_delete_removes(store: BlobStore) -> None:
    key = derivative_key("a" * 64, "thumb")
    await store.put_stream(key, _chunks(b"jpeg"))
    assert await store.delete(key) is True
    assert await store.stat(key) is None


async def test_failed_stream_leaves_nothing_behind(store: BlobStore) -> None:
    key = original_key("b" * 64)

    async def broken() -> AsyncIterator[bytes]:
        yield os.urandom(9 * 1024 * 1024)
        raise ConnectionError("client went away")

    with pytest.raises(ConnectionError):
        await store.put_stream(key, broken())
    assert await store.stat(key) is None


def test_keys_never_come_from_client_names() -> None:
    for bad in ["../etc/passwd", "A" * 64, "g" * 64, "a" * 63]:
        with pytest.raises(ValueError):
            original_key(bad)
    assert original_key("ab" * 32).startswith("originals/ab/ab/")
