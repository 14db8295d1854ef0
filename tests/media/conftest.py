"""Media test fixtures: both blob stores (local disk, a real S3-protocol server) and the photo fixtures."""

from __future__ import annotations

import shutil
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from media.settings import MediaSettings
from media.store import BlobStore
from media.store_local import LocalBlobStore
from media.store_s3 import S3BlobStore

PROJECT_ROOT = Path(__file__).resolve().parents[2]
FIXTURES = PROJECT_ROOT / ".." / "shared" / "fixtures" / "photos"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """A real S3-protocol server (moto's standalone server) on a free loopback port."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_bucket(s3_endpoint: str) -> str:
    name = f"liuhen-{uuid.uuid4().hex[:12]}"
    boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        region_name="us-east-1",
    ).create_bucket(Bucket=name)
    return name


@pytest.fixture(params=["local", "s3"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[BlobStore]:
    """Every store test runs against both implementations."""
    s: BlobStore
    if request.param == "local":
        s = LocalBlobStore(tmp_path / "media")
    else:
        endpoint = request.getfixturevalue("s3_endpoint")
        bucket = request.getfixturevalue("s3_bucket")
        s = S3BlobStore(
            bucket=bucket, prefix="ev", endpoint_url=endpoint, access_key="test", secret_key="test"
        )
    yield s
    await s.close()


@pytest.fixture
def media_settings(tmp_path: Path) -> MediaSettings:
    return MediaSettings(data_dir=tmp_path / "data")


@pytest.fixture
def photos(tmp_path: Path) -> Path:
    """A private copy of the shared photo fixtures (never modified in place)."""
    if not FIXTURES.is_dir():
        pytest.fail(f"photo fixtures missing at {FIXTURES}")
    dest = tmp_path / "photos"
    shutil.copytree(FIXTURES, dest)
    for p in dest.rglob("*"):
        p.chmod(0o644 if p.is_file() else 0o755)
    return dest


@pytest.fixture
async def direct(settings: Any) -> AsyncIterator[Any]:
    """A database handle for the test body's own loop (the app's pool lives in the test client's loop)."""
    from backend.db.engine import Database

    database = Database(settings.database_url)
    yield database
    await database.dispose()
