"""Offline capture: everything captured offline survives a reload and reaches the server trail intact."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import FIXTURES, Server, login, phone_context, wait_synced

pytestmark = pytest.mark.browser

PHOTO = FIXTURES / "photos" / "gps" / "DSCN0010.jpg"


def draw_signature(page: Any, selector: str) -> None:
    box = page.locator(selector).bounding_box()
    assert box, selector
    x0, y0 = box["x"] + 30, box["y"] + box["height"] / 2
    page.mouse.move(x0, y0)
    page.mouse.down()
    for i in range(1, 16):
        page.mouse.move(x0 + i * 15, y0 + (20 if i % 2 else -20), steps=2)
    page.mouse.up()


def open_case_offline(page: Any, cause: str, party: str, co_officer: str) -> str:
    page.click("nav.tabs a[href='/new']")
    page.fill("input[name=cause]", cause)
    page.fill("input[name=party_name]", party)
    page.check(f"input[name=officer][value='{co_officer}']")
    page.click("button[type=submit]")
    page.wait_for_url("**/case/*")
    return str(page.url.rsplit("/", 1)[1])


def user_id(server: Server, username: str) -> str:
    return str(next(u["id"] for u in server.get("/api/users") if u["username"] == username))


def test_offline_capture_survives_reload_and_syncs_into_a_verified_trail(
    browser: Any, server: Server, shots: Path
) -> None:
    ctx = phone_context(
        browser,
        server,
        permissions=["geolocation"],
        geolocation={"latitude": 30.7467, "longitude": 120.7559, "accuracy": 8},
    )
    page = ctx.new_page()
    page.goto("/login")
    page.wait_for_selector("input[name=username]")
    page.screenshot(path=str(shots / "00-login.png"))
    login(page, "officer1")
    page.wait_for_selector(".case-card")  # the demo cases arrived with the first pull
    page.screenshot(path=str(shots / "01-cases.png"))

    ctx.set_offline(True)
    officer2 = user_id(server, "officer2")
    case_id = open_case_offline(page, "涉嫌销售过期食品（离线）", "嘉兴某超市有限公司", officer2)

    # photo: the exact bytes of the fixture, hashed at capture
    page.click("a[href$='/capture']")
    page.set_input_files("#photo-input", str(PHOTO))
    page.wait_for_selector("#capture-status:has-text('照片已保存')")
    # GPS: a fix with accuracy and age, saved as its own entry
    page.click("#gps-btn")
    page.wait_for_selector(".fix")
    page.click(".fix button[data-save-fix]")
    page.wait_for_selector("#capture-status:has-text('定位已保存')")
    page.screenshot(path=str(shots / "03-capture.png"))

    # sampling record with two officers, the party's signature drawn on the canvas
    page.goto(f"/case/{case_id}/forms")
    page.screenshot(path=str(shots / "04-forms.png"))
    page.click("a[data-form=sampling_record]")
    page.fill("input[name=place]", "嘉兴市南湖区某超市仓库")
    row = page.locator("[data-items=items] .item-row").first
    item = {
        "name": "鲜牛奶",
        "spec": "250ml",
        "batch": "20260101",
        "quantity": "48",
        "samples": "4",
        "seal_no": "JX-0001",
    }
    for col, value in item.items():
        row.locator(f"input[data-col={col}]").fill(value)
    page.check("input[data-officer=officer2]")
    page.fill("input[name=no_av_reason]", "执法记录仪电量耗尽")
    page.locator("canvas[data-pad=party]").scroll_into_view_if_needed()
    draw_signature(page, "canvas[data-pad=party]")
    page.screenshot(path=str(shots / "05-sampling-record.png"), full_page=True)
    page.click("#save-record")
    page.wait_for_url(f"**/case/{case_id}")

    page.wait_for_selector(".timeline .item[data-kind=record]")
    assert page.locator(".timeline .item[data-state=pending]").count() == 4

    # reload while still offline: the service worker serves the shell, IndexedDB holds everything
    page.reload()
    page.wait_for_selector(".timeline .item[data-kind=record]")
    kinds = page.locator(".timeline .item").evaluate_all("els => els.map(e => e.dataset.kind)")
    assert sorted(kinds) == ["case_open", "gps_fix", "photo", "record"]
    assert page.locator(".timeline .item[data-state=pending]").count() == 4
    assert page.locator("#sync-pill").get_attribute("data-pending") == "6"  # 4 ops + photo + signature PNG
    page.screenshot(path=str(shots / "02-case-offline.png"))
    page.goto("/outbox")
    page.wait_for_selector("#pending-ops")
    assert page.inner_text("#pending-ops") == "4"
    page.screenshot(path=str(shots / "06-outbox.png"))

    ctx.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    wait_synced(page)

    photo_sha = hashlib.sha256(PHOTO.read_bytes()).hexdigest()
    trail = wait_for_trail(server, case_id, lambda t: len(verified(t)) >= 2)
    kinds = [e["kind"] for e in trail]
    for kind in ("case_open", "photo", "gps_fix", "record"):
        assert kinds.count(kind) == 1, kinds
    photo = next(e for e in trail if e["kind"] == "photo")
    assert photo["payload"]["sha256"] == photo_sha
    assert photo["media"] == [photo_sha]
    gps = next(e for e in trail if e["kind"] == "gps_fix")
    assert gps["payload"]["lat"] == pytest.approx(30.7467)
    assert gps["payload"]["accuracy"] == pytest.approx(8)
    rec = next(e for e in trail if e["kind"] == "record")["payload"]
    assert rec["form"] == "sampling_record"
    assert rec["fields"]["items"][0]["seal_no"] == "JX-0001"
    assert rec["text_sha256"] == hashlib.sha256(rec["text"].encode()).hexdigest()
    (sig,) = rec["signatures"]
    assert sig["role"] == "party"
    assert sig["text_sha256"] == rec["text_sha256"]
    assert len(sig["strokes"]) >= 1
    assert {photo_sha, sig["png_sha256"]} <= verified(trail)
    assert all(e["device_id"] for e in trail if e["kind"] != "media_verified")

    page.goto(f"/case/{case_id}")
    page.wait_for_selector(".timeline .item[data-kind=media_verified]")
    page.screenshot(path=str(shots / "07-case-synced.png"))
    page.goto(f"/case/{case_id}/stage")
    page.wait_for_selector(".stage.current")
    page.screenshot(path=str(shots / "09-stage.png"))
    page.goto("/me")
    page.wait_for_selector("text=执法证号")
    page.screenshot(path=str(shots / "10-me.png"))
    ctx.close()

    result = server.verify()
    assert result.returncode == 0, result.stdout + result.stderr


def verified(trail: list[dict[str, Any]]) -> set[str]:
    return {e["payload"]["sha256"] for e in trail if e["kind"] == "media_verified"}


def wait_for_trail(server: Server, case_id: str, ok: Any, timeout: float = 30) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while True:
        trail = server.trail(case_id)
        if ok(trail) or time.monotonic() > deadline:
            return trail
        time.sleep(0.5)
