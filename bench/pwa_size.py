"""PWA budget: gzipped app-shell JS + CSS, and capture-to-outbox time of a 5 MB photo in Chromium.

Usage: .venv/bin/python bench/pwa_size.py [--runs N]
Prints each number with its target and, for capture, the ratio against a raw IndexedDB put of the same
bytes measured in the same page (the floor any outbox write has to pay).
"""

from __future__ import annotations

import argparse
import gzip
import os
import re
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.browser.conftest import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    Server,
    build_pwa,
    login,
    phone_context,
)
from tests.browser.test_offline_capture import open_case_offline, user_id  # noqa: E402

SHELL_BUDGET_KB = 150
CAPTURE_BUDGET_MS = 300
PHOTO_BYTES = 5 * 1024 * 1024

RAW_PUT_JS = """async () => {
  const file = document.querySelector('#bench-input').files[0];
  const db = await new Promise((ok, err) => {
    const r = indexedDB.open('bench-raw', 1);
    r.onupgradeneeded = () => r.result.createObjectStore('b');
    r.onsuccess = () => ok(r.result); r.onerror = err;
  });
  const t0 = performance.now();
  const tx = db.transaction('b', 'readwrite');
  tx.objectStore('b').put(file, 'k' + Math.random());
  await new Promise((ok, err) => { tx.oncomplete = ok; tx.onerror = err; });
  const ms = performance.now() - t0;
  db.close();
  return ms;
}"""


def shell_size(dist: Path) -> tuple[int, list[tuple[str, int]]]:
    """Gzipped bytes of the JS and CSS the app shell (index.html) loads."""
    html = (dist / "index.html").read_text(encoding="utf-8")
    files = re.findall(r'(?:src|href)="/(assets/[^"]+\.(?:js|css))"', html)
    sizes = [(f, len(gzip.compress((dist / f).read_bytes(), 9))) for f in files]
    return sum(s for _, s in sizes), sizes


def photo_bytes() -> bytes:
    # a JPEG header and random payload: incompressible like a real photo
    return b"\xff\xd8\xff\xe0" + os.urandom(PHOTO_BYTES - 6) + b"\xff\xd9"


def capture_timing(runs: int) -> tuple[list[float], list[float]]:
    from playwright.sync_api import sync_playwright

    data = Path(tempfile.mkdtemp(prefix="liuhen-bench-")) / "data"
    data.mkdir()
    server = Server(data)
    server.demo()
    server.start()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            ctx = phone_context(browser, server)
            page = ctx.new_page()
            login(page, "officer1")
            case_id = open_case_offline(page, "基准测试", "基准当事人", user_id(server, "officer2"))
            ctx.set_offline(True)  # capture never waits for the network
            page.goto(f"/case/{case_id}/capture")
            page.evaluate(
                "() => { const i = document.createElement('input'); i.type = 'file'; i.id = 'bench-input';"
                " i.hidden = true; document.body.append(i); }"
            )
            app_ms: list[float] = []
            raw_ms: list[float] = []
            for n in range(runs):
                payload = {"name": f"bench-{n}.jpg", "mimeType": "image/jpeg", "buffer": photo_bytes()}
                page.evaluate("delete document.body.dataset.captureMs")
                page.set_input_files("#photo-input", files=[payload])
                page.wait_for_function("document.body.dataset.captureMs !== undefined", timeout=30_000)
                app_ms.append(float(page.evaluate("Number(document.body.dataset.captureMs)")))
                page.set_input_files("#bench-input", files=[payload])
                raw_ms.append(float(page.evaluate(RAW_PUT_JS)))
            ctx.close()
            browser.close()
    finally:
        server.stop()
    return app_ms, raw_ms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()

    dist = build_pwa()
    total, parts = shell_size(dist)
    print("app shell (gzip -9):")
    for name, size in parts:
        print(f"  {name:40s} {size / 1024:7.1f} KB")
    verdict = "OK" if total / 1024 <= SHELL_BUDGET_KB else "OVER"
    print(
        f"  total {total / 1024:.1f} KB  (target ≤ {SHELL_BUDGET_KB} KB, "
        f"{100 * total / 1024 / SHELL_BUDGET_KB:.0f}% of budget) {verdict}"
    )

    app_ms, raw_ms = capture_timing(args.runs)
    app_med, raw_med = statistics.median(app_ms), statistics.median(raw_ms)
    print(f"capture-to-outbox, 5 MB photo, {args.runs} runs (read + SHA-256 + one IDB transaction with op):")
    print(f"  app     median {app_med:7.1f} ms  (min {min(app_ms):.1f}, max {max(app_ms):.1f})")
    print(f"  raw put median {raw_med:7.1f} ms  (baseline: IndexedDB put of the same File, same page)")
    verdict = "OK" if app_med < CAPTURE_BUDGET_MS else "OVER"
    print(f"  ratio app/raw {app_med / raw_med:.2f}x; target < {CAPTURE_BUDGET_MS} ms {verdict}")


if __name__ == "__main__":
    main()
