"""Real ``liuhen serve`` processes for tests that need a server of their own (restarts, kills, several)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from backend.demo import DEMO_PASSWORD

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiuhenServer:
    """One server process over a data directory (SQLite there unless ``database_url`` is given)."""

    def __init__(self, data_dir: Path, *, database_url: str | None = None) -> None:
        self.data_dir = data_dir
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("LIUHEN_")}
        self.env |= {"LIUHEN_DATA_DIR": str(data_dir), "LIUHEN_COOKIE_SECURE": "false"}
        if database_url:
            self.env["LIUHEN_DATABASE_URL"] = database_url
        self.log = data_dir / "server.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def cli(self, *args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
        """Run a ``liuhen`` command against the same settings."""
        return subprocess.run(
            [sys.executable, "-m", "backend.cli", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def start(self, timeout: float = 90) -> None:
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "backend.cli",
                    "serve",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                ],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout  # starts are slow when the two cores are busy
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("liuhen serve died:\n" + self.log.read_text(errors="replace")[-3000:])
            try:
                if httpx.get(f"{self.url}/api/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.kill()
        raise RuntimeError("liuhen serve did not come up:\n" + self.log.read_text(errors="replace")[-3000:])

    def kill(self) -> None:
        """SIGKILL: no graceful shutdown, like a power cut."""
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=30)

    def token(self, username: str = "officer1") -> str:
        response = httpx.post(
            f"{self.url}/api/auth/token", json={"username": username, "password": DEMO_PASSWORD}
        )
        response.raise_for_status()
        return str(response.json()["access_token"])
