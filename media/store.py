"""The blob store interface: content-addressed originals and their derived copies, by key only.

Keys are produced by ``original_key`` / ``derivative_key`` from a validated SHA-256, so no name a
client chose ever reaches a path or an object key.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterable, AsyncIterator
from pathlib import Path
from typing import Protocol
from urllib.parse import urlparse

from media.settings import MediaSettings

SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
_KEY_RE = re.compile(r"^[a-z0-9]+(?:/[a-z0-9][a-z0-9._-]*)+$")
READ_CHUNK = 256 * 1024


class BlobNotFound(LookupError):
    """The key is not in the store."""


def is_sha256(value: str) -> bool:
    """True for a lower-case hex SHA-256."""
    return bool(SHA256_RE.match(value))


def original_key(sha256: str) -> str:
    """Store key of an original: ``originals/ab/cd/<sha256>``."""
    if not is_sha256(sha256):
        raise ValueError("not a sha256 hex digest")
    return f"originals/{sha256[:2]}/{sha256[2:4]}/{sha256}"


def derivative_key(sha256: str, kind: str) -> str:
    """Store key of a derived copy (e.g. ``thumb``) of an original."""
    if not is_sha256(sha256) or not re.fullmatch(r"[a-z0-9]{1,16}", kind):
        raise ValueError("bad derivative key")
    return f"derived/{kind}/{sha256[:2]}/{sha256}.jpg"


def check_key(key: str) -> str:
    """Refuse anything that is not a key we generated (defence in depth against path tricks)."""
    if not _KEY_RE.match(key) or ".." in key:
        raise ValueError(f"bad store key {key!r}")
    return key


class BlobStore(Protocol):
    """Where finished blobs live. Writes are atomic: a key is either absent or complete."""

    async def stat(self, key: str) -> int | None:
        """Size in bytes, or None when absent."""
        ...

    async def put_stream(self, key: str, chunks: AsyncIterable[bytes]) -> int:
        """Store a stream under ``key`` (atomically; an existing key is kept as is). Returns the size."""
        ...

    async def put_file(self, key: str, path: Path) -> None:
        """Move a finished local file into the store under ``key``; ``path`` is gone afterwards."""
        ...

    def read(self, key: str, start: int = 0, stop: int | None = None) -> AsyncIterator[bytes]:
        """Stream bytes ``[start, stop)`` of ``key``; raises ``BlobNotFound`` when absent."""
        ...

    async def delete(self, key: str) -> bool:
        """Remove ``key``; True if it existed."""
        ...

    async def close(self) -> None:
        """Release connections."""
        ...


def open_store(settings: MediaSettings) -> BlobStore:
    """The store named by ``LIUHEN_MEDIA_URL``: local filesystem (default) or S3-compatible."""
    url = settings.media_url or ""
    parsed = urlparse(url)
    if parsed.scheme in ("", "file"):
        from media.store_local import LocalBlobStore

        root = Path(parsed.path) if parsed.scheme == "file" and parsed.path else settings.data_dir / "media"
        return LocalBlobStore(root)
    if parsed.scheme == "s3":
        from media.store_s3 import S3BlobStore

        return S3BlobStore(
            bucket=parsed.netloc,
            prefix=parsed.path.strip("/"),
            endpoint_url=settings.s3_endpoint_url,
            access_key=settings.s3_access_key,
            secret_key=settings.s3_secret_key,
            region=settings.s3_region,
        )
    raise ValueError(f"unsupported LIUHEN_MEDIA_URL scheme {parsed.scheme!r}")
