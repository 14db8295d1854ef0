"""Interop: the official Python tus client against a real ``liuhen serve`` that is killed mid-upload."""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from tusclient import client as tus_client

from backend.demo import demo_id
from tests.servers import LiuhenServer as Server


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    srv = Server(tmp_path / "data")
    assert srv.cli("demo").returncode == 0
    srv.start()
    yield srv
    srv.kill()


def _uploader(server: Server, token: str, path: Path, digest: str, url: str | None = None) -> Any:
    client = tus_client.TusClient(f"{server.url}/api/uploads/", headers={"Authorization": f"Bearer {token}"})
    return client.uploader(
        file_path=str(path),
        url=url,
        chunk_size=512 * 1024,
        upload_checksum=True,
        retries=0,
        metadata={
            "sha256": digest,
            "filename": "执法记录仪-0042.mp4",
            "content_type": "video/mp4",
            "case_id": demo_id("case:0"),
        },
    )


def test_tuspy_resumes_after_the_server_is_killed_mid_upload(server: Server, tmp_path: Path) -> None:
    path = tmp_path / "bodycam.mp4"
    path.write_bytes(os.urandom(12 * 1024 * 1024 + 12345))
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    token = server.token()
    first = _uploader(server, token, path, digest)
    first.set_url(first.create_url())
    url = first.url
    failure: list[BaseException] = []

    def run() -> None:
        try:
            first.upload()
        except BaseException as exc:
            failure.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    uploads = server.data_dir / "uploads"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        parts = list(uploads.glob("*.part"))
        if parts and parts[0].stat().st_size >= 3 * 1024 * 1024:
            break
        time.sleep(0.005)
    server.kill()
    thread.join(timeout=60)
    assert failure, "the upload should have been cut off by the kill"
    assert not (server.data_dir / "media" / "originals").exists() or not list(
        (server.data_dir / "media" / "originals").rglob(digest)
    )

    server.start()
    token = server.token()
    resumed = _uploader(server, token, path, digest, url=url)
    assert 0 < resumed.offset < path.stat().st_size  # resumed from Upload-Offset, not from zero
    resumed.upload()
    assert resumed.offset == path.stat().st_size

    got = httpx.get(
        f"{server.url}/api/media/{digest}", headers={"Authorization": f"Bearer {token}"}, timeout=60
    )
    assert got.status_code == 200
    assert hashlib.sha256(got.content).hexdigest() == digest
    stored = server.data_dir / "media" / "originals" / digest[:2] / digest[2:4] / digest
    assert hashlib.sha256(stored.read_bytes()).hexdigest() == digest
    assert list(uploads.glob("*.part")) == []
