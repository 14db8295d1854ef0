"""Interop: the official Python tus client against a real ``liuhen serve`` that is killed mid-upload."""

from __future__ import annotations

import hashlib
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from tusclient import client as tus_client

from backend.demo import DEMO_PASSWORD, demo_id

ROOT = Path(__file__).resolve().parents[2]
LIUHEN = ROOT / ".venv" / "bin" / "liuhen"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """One ``liuhen serve`` process over a data directory."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "LIUHEN_DATA_DIR": str(data_dir), "LIUHEN_COOKIE_SECURE": "false"}
        self.env.pop("LIUHEN_DATABASE_URL", None)
        self.env.pop("LIUHEN_MEDIA_URL", None)
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [str(LIUHEN), "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"liuhen serve died: {self.proc.stderr.read().decode() if self.proc.stderr else ''}"
                )
            try:
                if httpx.get(f"{self.url}/api/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError("liuhen serve did not come up")

    def kill(self) -> None:
        """SIGKILL: no graceful shutdown, like a power cut."""
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)

    def token(self) -> str:
        response = httpx.post(
            f"{self.url}/api/auth/token", json={"username": "officer1", "password": DEMO_PASSWORD}
        )
        response.raise_for_status()
        return str(response.json()["access_token"])


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    if not LIUHEN.exists():
        pytest.fail("the liuhen command is not installed in .venv (pip install -e .)")
    data = tmp_path / "data"
    srv = Server(data)
    subprocess.run([str(LIUHEN), "demo"], env=srv.env, check=True, capture_output=True, timeout=180)
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
