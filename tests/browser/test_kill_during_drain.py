"""The server dies in the middle of a drain and comes back: nothing is duplicated, nothing is lost."""

from __future__ import annotations

import hashlib
import threading
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import FIXTURES, Server, login, pending, phone_context, wait_synced
from tests.browser.test_offline_capture import open_case_offline, user_id, wait_for_trail

pytestmark = pytest.mark.browser

NOTES = 130  # more than one push batch (100 ops), so the kill lands between batches or inside one
PHOTOS = sorted((FIXTURES / "photos" / "gps").glob("*.jpg"))


def test_server_killed_mid_drain_then_restarted_loses_and_duplicates_nothing(
    browser: Any, server: Server
) -> None:
    ctx = phone_context(browser, server)
    page = ctx.new_page()
    login(page, "officer1")
    case_id = open_case_offline(page, "涉嫌生产不合格产品", "嘉兴某制造有限公司", user_id(server, "officer2"))
    wait_synced(page)

    ctx.set_offline(True)
    page.goto(f"/case/{case_id}/capture")
    page.set_input_files("#photo-input", [str(p) for p in PHOTOS])
    page.wait_for_function(f"document.querySelectorAll('.previews img').length === {len(PHOTOS)}")
    for i in range(NOTES):
        page.fill("#note-text", f"现场记录第{i + 1:03d}条")
        page.click("text=保存备注")
        page.wait_for_function("document.querySelector('#note-text').value === ''")
    assert pending(page) == NOTES + 2 * len(PHOTOS)

    pushes: list[str] = []
    killed = threading.Event()

    def on_request(req: Any) -> None:
        if "/api/sync/push" in req.url:
            pushes.append(req.url)
            if len(pushes) == 2 and not killed.is_set():
                killed.set()
                threading.Timer(0.03, server.kill).start()

    page.on("request", on_request)
    ctx.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    for _ in range(300):  # the sync API dispatches events only while we call into Playwright
        if killed.is_set():
            break
        page.wait_for_timeout(100)
    assert killed.is_set(), "the drain never reached a second push"
    page.wait_for_timeout(1500)
    assert server.proc is None
    left = pending(page)
    assert left > 0, "the kill came after the whole drain"

    server.start()
    page.goto("/outbox")
    page.click("#sync-now")
    wait_synced(page)

    photo_shas = {hashlib.sha256(p.read_bytes()).hexdigest() for p in PHOTOS}

    def all_verified(t: list[dict[str, Any]]) -> bool:
        return photo_shas <= {e["payload"]["sha256"] for e in t if e["kind"] == "media_verified"}

    trail = wait_for_trail(server, case_id, all_verified)
    notes = Counter(e["payload"]["text"] for e in trail if e["kind"] == "note")
    assert set(notes) == {f"现场记录第{i + 1:03d}条" for i in range(NOTES)}
    assert max(notes.values()) == 1, "a note was applied twice"
    photos = Counter(e["payload"]["sha256"] for e in trail if e["kind"] == "photo")
    assert photos == Counter(dict.fromkeys(photo_shas, 1))
    assert not [e for e in trail if e["kind"] == "rejected"]
    op_ids = [e["op_id"] for e in trail if e["op_id"]]
    assert len(op_ids) == len(set(op_ids))
    ctx.close()
    result = server.verify()
    assert result.returncode == 0, result.stdout + result.stderr


def test_reference_files_exist() -> None:
    assert len(PHOTOS) >= 3, f"fixtures missing under {Path(FIXTURES).resolve()}"
