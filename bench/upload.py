"""Resumable upload throughput (DESIGN §8): tus over loopback to ``liuhen serve`` vs. a plain streamed write.

    .venv/bin/python bench/upload.py            # 1 GiB
    .venv/bin/python bench/upload.py --mb 200   # quicker

Prints MB/s of both, the ratio (target ≥ 70%) and the server's peak RSS growth (target < 100 MB).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from backend.demo import DEMO_PASSWORD, demo_id  # noqa: E402

BLOCK = 1024 * 1024


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def make_source(path: Path, size: int) -> str:
    """A file of pseudo-random bytes (incompressible), and its SHA-256."""
    h = hashlib.sha256()
    seed = os.urandom(BLOCK)
    with path.open("wb") as f:
        for i in range(size // BLOCK):
            block = hashlib.sha256(i.to_bytes(8, "big")).digest()[:8] + seed[8:]
            f.write(block)
            h.update(block)
    return h.hexdigest()


def file_chunks(path: Path, start: int, stop: int, chunk: int = BLOCK) -> Iterator[bytes]:
    with path.open("rb") as f:
        f.seek(start)
        remaining = stop - start
        while remaining:
            data = f.read(min(chunk, remaining))
            if not data:
                return
            remaining -= len(data)
            yield data


def plain_write(src: Path, dest: Path) -> float:
    """Baseline: stream the same bytes into a file on the same disk, fsync, in the same chunking. Seconds."""
    t0 = time.perf_counter()
    with dest.open("wb") as out:
        for data in file_chunks(src, 0, src.stat().st_size):
            out.write(data)
        out.flush()
        os.fsync(out.fileno())
    return time.perf_counter() - t0


class RssSampler(threading.Thread):
    """Samples the server's resident set size every 20 ms."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.proc = psutil.Process(pid)
        self.base = self.proc.memory_info().rss
        self.peak = self.base
        self.stop_event = threading.Event()

    def run(self) -> None:
        while not self.stop_event.is_set():
            self.peak = max(self.peak, self.proc.memory_info().rss)
            time.sleep(0.02)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mb", type=int, default=1024, help="size in MiB (default 1024)")
    parser.add_argument("--chunk-mb", type=int, default=64, help="tus PATCH size in MiB (default 64)")
    args = parser.parse_args()
    size = args.mb * BLOCK

    with tempfile.TemporaryDirectory(prefix="liuhen-bench-") as tmp:
        work = Path(tmp)
        data_dir = work / "data"
        src = work / "source.bin"
        print(f"preparing {args.mb} MiB …", flush=True)
        digest = make_source(src, size)
        env = {
            **os.environ,
            "LIUHEN_DATA_DIR": str(data_dir),
            "LIUHEN_COOKIE_SECURE": "false",
            "LIUHEN_MAX_UPLOAD_BYTES": str(max(size, 4 * 1024**3)),
        }
        env.pop("LIUHEN_DATABASE_URL", None)
        env.pop("LIUHEN_MEDIA_URL", None)
        liuhen = str(ROOT / ".venv" / "bin" / "liuhen")
        subprocess.run([liuhen, "demo"], env=env, check=True, capture_output=True)
        port = free_port()
        server = subprocess.Popen(
            [liuhen, "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(300):
                try:
                    if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.2)
            with httpx.Client(base_url=base, timeout=600) as client:
                token = client.post(
                    "/api/auth/token", json={"username": "officer1", "password": DEMO_PASSWORD}
                ).json()["access_token"]
                auth = {"Authorization": f"Bearer {token}", "Tus-Resumable": "1.0.0"}
                meta = ",".join(
                    f"{k} {base64.b64encode(v.encode()).decode()}"
                    for k, v in {
                        "sha256": digest,
                        "filename": "bench.mp4",
                        "content_type": "video/mp4",
                        "case_id": demo_id("case:0"),
                    }.items()
                )
                # warm-up request so the baseline RSS includes an initialised app
                client.options("/api/uploads/", headers=auth)
                sampler = RssSampler(server.pid)
                sampler.start()
                t0 = time.perf_counter()
                created = client.post(
                    "/api/uploads/", headers={**auth, "Upload-Length": str(size), "Upload-Metadata": meta}
                )
                created.raise_for_status()
                location = created.headers["location"]
                offset = 0
                chunk = args.chunk_mb * BLOCK
                while offset < size:
                    stop = min(size, offset + chunk)
                    response = client.patch(
                        location,
                        content=file_chunks(src, offset, stop),
                        headers={
                            **auth,
                            "Upload-Offset": str(offset),
                            "Content-Length": str(stop - offset),
                            "Content-Type": "application/offset+octet-stream",
                        },
                    )
                    if response.status_code != 204:
                        raise SystemExit(f"PATCH failed: {response.status_code} {response.text}")
                    offset = int(response.headers["upload-offset"])
                tus_seconds = time.perf_counter() - t0
                sampler.stop_event.set()
                sampler.join()
            stored = data_dir / "media" / "originals" / digest[:2] / digest[2:4] / digest
            assert stored.stat().st_size == size, "stored size differs"
            plain_seconds = plain_write(src, work / "plain.bin")
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)

    mb = size / 1e6
    tus_rate, plain_rate = mb / tus_seconds, mb / plain_seconds
    growth = (sampler.peak - sampler.base) / 1e6
    print(f"tus upload over loopback : {tus_rate:8.1f} MB/s  ({tus_seconds:.2f} s, verified sha256)")
    print(f"plain streamed write     : {plain_rate:8.1f} MB/s  ({plain_seconds:.2f} s)")
    print(f"ratio                    : {tus_rate / plain_rate:8.0%}   (target ≥ 70%)")
    print(f"server peak RSS growth   : {growth:8.1f} MB   (target < 100 MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
