"""Browser tests: a real `liuhen serve` on a free port (after `liuhen demo`) driven by Debian's Chromium."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
PWA = ROOT / "pwa"
BIN = Path(sys.executable).parent
LIUHEN = str(BIN / "liuhen")
FIXTURES = ROOT / ".." / "shared" / "fixtures"
SHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "liuhen-demo-2026"
PHONE = {"width": 390, "height": 844}


def _newest(path: Path) -> float:
    return max((p.stat().st_mtime for p in path.rglob("*") if p.is_file()), default=0.0)


def build_pwa() -> Path:
    """Build pwa/dist unless it is newer than every source file (npm ci first on a clean clone)."""
    dist = PWA / "dist"
    sources = max(
        _newest(PWA / "src"), (PWA / "index.html").stat().st_mtime, (PWA / "vite.config.ts").stat().st_mtime
    )
    if (dist / "sw.js").exists() and _newest(dist) >= sources:
        return dist
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("npm is not installed: run bash scripts/test.sh, which sets everything up")
    if not (PWA / "node_modules").is_dir():
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=PWA, check=True, capture_output=True)
    subprocess.run([npm, "run", "build"], cwd=PWA, check=True, capture_output=True)
    return dist


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """A `liuhen serve` subprocess that can be killed and restarted on the same port and data."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "LIUHEN_DATA_DIR": str(data_dir),
            "LIUHEN_COOKIE_SECURE": "false",
        }
        self.env.pop("LIUHEN_DATABASE_URL", None)
        self.env.pop("LIUHEN_MEDIA_URL", None)
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = data_dir / "serve.log"

    def demo(self) -> None:
        subprocess.run([LIUHEN, "demo"], env=self.env, check=True, capture_output=True)

    def start(self) -> None:
        out = self.log.open("ab")
        self.proc = subprocess.Popen(
            [LIUHEN, "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            env=self.env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        out.close()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text(errors='replace')[-2000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/api/health", timeout=1) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("server did not become healthy")

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)
        self.proc = None

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc = None

    def verify(self) -> subprocess.CompletedProcess[str]:
        return subprocess.run([LIUHEN, "verify"], env=self.env, capture_output=True, text=True, check=False)

    # -- API helpers (bearer token, so no CSRF) --------------------------------------------------------
    def token(self, username: str) -> str:
        body = json.dumps({"username": username, "password": PASSWORD}).encode()
        req = urllib.request.Request(
            f"{self.url}/api/auth/token", data=body, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(req, timeout=10) as r:
            return str(json.loads(r.read())["access_token"])

    def get(self, path: str, username: str = "officer1") -> Any:
        headers = {"Authorization": f"Bearer {self.token(username)}"}
        req = urllib.request.Request(f"{self.url}{path}", headers=headers)
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.loads(r.read())

    def trail(self, case_id: str, username: str = "officer1") -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        after = 0
        while True:
            page = self.get(f"/api/cases/{case_id}/trail?after={after}&limit=200", username)
            items.extend(page["items"])
            if not page["items"] or page.get("next_after") in (None, after):
                return items
            after = page["next_after"]


@pytest.fixture(scope="session")
def pwa_dist() -> Path:
    return build_pwa()


@pytest.fixture
def server(tmp_path: Path, pwa_dist: Path) -> Iterator[Server]:
    del pwa_dist
    srv = Server(tmp_path / "data")
    srv.data_dir.mkdir()
    srv.demo()
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    # Module scope: Playwright's sync API keeps an event loop running in this thread while it is open,
    # which must be closed before the asyncio tests of other modules run in the same session.
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian Chromium is not installed: run bash scripts/test.sh, which installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def shots() -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS


def phone_context(browser: Any, server: Server, **extra: Any) -> Any:
    ctx = browser.new_context(
        base_url=server.url,
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        **extra,
    )
    ctx.set_default_timeout(20_000)
    return ctx


def login(page: Any, username: str) -> None:
    page.goto("/")
    page.wait_for_url("**/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda u: u.endswith("/"))
    # the service worker controls the page (app shell precached) and the first sync finished
    page.wait_for_function("navigator.serviceWorker.ready.then(() => true)")
    page.wait_for_function("document.querySelector('#sync-pill')?.textContent === '已同步'")


PENDING_JS = """async () => {
  const db = await new Promise((ok, err) => {
    const r = indexedDB.open('liuhen');
    r.onsuccess = () => ok(r.result);
    r.onerror = err;
  });
  const count = (store) => new Promise((ok) => {
    const q = db.transaction(store).objectStore(store).index('state').count('pending');
    q.onsuccess = () => ok(q.result);
  });
  const n = (await count('ops')) + (await count('blobs'));
  db.close();
  return n;
}"""


def pending(page: Any) -> int:
    """Ops + blobs not yet acknowledged by the server, read straight from IndexedDB."""
    return int(page.evaluate(PENDING_JS))


def wait_synced(page: Any, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while pending(page):
        if time.monotonic() > deadline:
            raise AssertionError(f"outbox still holds {pending(page)} items")
        page.wait_for_timeout(250)
    page.wait_for_function("document.querySelector('#sync-pill')?.dataset.pending === '0'")
