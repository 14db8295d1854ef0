"""S3-compatible blob store (aioboto3): multipart upload for streams, so large objects never sit in memory."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterable, AsyncIterator
from pathlib import Path
from typing import Any

import aioboto3
import aiofiles
import aiofiles.os
from botocore.exceptions import ClientError

from media.store import READ_CHUNK, BlobNotFound, check_key

PART_SIZE = 8 * 1024 * 1024  # S3 parts must be ≥ 5 MiB except the last


def _is_not_found(exc: ClientError) -> bool:
    code = str(exc.response.get("Error", {}).get("Code", ""))
    return code in ("404", "NoSuchKey", "NotFound")


class S3BlobStore:
    """Blobs as objects ``<prefix>/<key>`` in one bucket."""

    def __init__(
        self,
        *,
        bucket: str,
        prefix: str = "",
        endpoint_url: str | None = None,
        access_key: str | None = None,
        secret_key: str | None = None,
        region: str = "us-east-1",
    ) -> None:
        if not bucket:
            raise ValueError("s3:// media URL needs a bucket")
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self._session = aioboto3.Session(
            aws_access_key_id=access_key, aws_secret_access_key=secret_key, region_name=region
        )
        self._endpoint_url = endpoint_url
        self._stack = contextlib.AsyncExitStack()
        self._client: Any = None

    async def _s3(self) -> Any:
        if self._client is None:
            self._client = await self._stack.enter_async_context(
                self._session.client("s3", endpoint_url=self._endpoint_url)
            )
        return self._client

    def _name(self, key: str) -> str:
        check_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    async def stat(self, key: str) -> int | None:
        s3 = await self._s3()
        try:
            head = await s3.head_object(Bucket=self.bucket, Key=self._name(key))
        except ClientError as exc:
            if _is_not_found(exc):
                return None
            raise
        return int(head["ContentLength"])

    async def put_stream(self, key: str, chunks: AsyncIterable[bytes]) -> int:
        name = self._name(key)
        if await self.stat(key) is not None:  # content-addressed: already there
            async for _ in chunks:
                pass
            return int(await self.stat(key) or 0)
        s3 = await self._s3()
        buf = bytearray()
        size = 0
        upload_id: str | None = None
        parts: list[dict[str, Any]] = []
        try:
            async for chunk in chunks:
                buf += chunk
                size += len(chunk)
                while len(buf) >= PART_SIZE:
                    if upload_id is None:
                        created = await s3.create_multipart_upload(Bucket=self.bucket, Key=name)
                        upload_id = created["UploadId"]
                    part = bytes(buf[:PART_SIZE])
                    del buf[:PART_SIZE]
                    n = len(parts) + 1
                    resp = await s3.upload_part(
                        Bucket=self.bucket, Key=name, UploadId=upload_id, PartNumber=n, Body=part
                    )
                    parts.append({"ETag": resp["ETag"], "PartNumber": n})
            if upload_id is None:
                await s3.put_object(Bucket=self.bucket, Key=name, Body=bytes(buf))
                return size
            if buf:
                n = len(parts) + 1
                resp = await s3.upload_part(
                    Bucket=self.bucket, Key=name, UploadId=upload_id, PartNumber=n, Body=bytes(buf)
                )
                parts.append({"ETag": resp["ETag"], "PartNumber": n})
            await s3.complete_multipart_upload(
                Bucket=self.bucket, Key=name, UploadId=upload_id, MultipartUpload={"Parts": parts}
            )
            upload_id = None
        finally:
            if upload_id is not None:  # failed midway: leave nothing half-stored
                with contextlib.suppress(ClientError):
                    await s3.abort_multipart_upload(Bucket=self.bucket, Key=name, UploadId=upload_id)
        return size

    async def put_file(self, key: str, path: Path) -> None:
        async def chunks() -> AsyncIterator[bytes]:
            async with aiofiles.open(path, "rb") as f:
                while chunk := await f.read(PART_SIZE):
                    yield chunk

        await self.put_stream(key, chunks())
        with contextlib.suppress(FileNotFoundError):
            await aiofiles.os.remove(path)

    async def read(self, key: str, start: int = 0, stop: int | None = None) -> AsyncIterator[bytes]:
        s3 = await self._s3()
        kwargs: dict[str, Any] = {"Bucket": self.bucket, "Key": self._name(key)}
        if stop is not None and stop <= start:
            return
        if start or stop is not None:
            kwargs["Range"] = f"bytes={start}-" + ("" if stop is None else str(stop - 1))
        try:
            obj = await s3.get_object(**kwargs)
        except ClientError as exc:
            if _is_not_found(exc):
                raise BlobNotFound(key) from exc
            raise
        body = obj["Body"]
        try:
            while chunk := await body.read(READ_CHUNK):
                yield chunk
        finally:
            body.close()

    async def delete(self, key: str) -> bool:
        existed = await self.stat(key) is not None
        s3 = await self._s3()
        await s3.delete_object(Bucket=self.bucket, Key=self._name(key))
        return existed

    async def close(self) -> None:
        self._client = None
        await self._stack.aclose()
