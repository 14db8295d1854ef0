"""The party refuses to sign an on-site record: a witness signs instead, bound to the same record text."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import Server, login, pending, phone_context, wait_synced
from tests.browser.test_offline_capture import draw_signature, open_case_offline, user_id, wait_for_trail

pytestmark = pytest.mark.browser

REASON = "当事人称对检查结果有异议，拒绝签名"
WITNESS = "王见证"


def test_party_refuses_witness_signs_offline_and_the_trail_binds_it_to_the_text(
    browser: Any, server: Server, shots: Path
) -> None:
    ctx = phone_context(browser, server)
    page = ctx.new_page()
    login(page, "officer1")
    ctx.set_offline(True)
    case_id = open_case_offline(page, "涉嫌销售无标签食品", "南湖区某副食店", user_id(server, "officer2"))

    page.goto(f"/case/{case_id}/forms")
    page.click("a[data-form=inspection_record]")
    page.fill("input[name=place]", "嘉兴市南湖区某副食店经营场所")
    page.fill("textarea[name=findings]", "货架上摆放无中文标签的预包装食品12袋。")
    page.check("input[data-officer=officer2]")
    page.fill("input[name=no_av_reason]", "执法记录仪故障")
    page.check("input[name=party_refused]")
    page.fill("input[name=refuse_reason]", REASON)
    page.fill("input[name=witness_name]", WITNESS)
    before = pending(page)
    assert before == 1  # the case_open op

    # No witness signature: refused on the spot, in plain Chinese, and nothing is queued.
    page.click("#save-record")
    alert = page.locator("p.error[role=alert]")
    alert.wait_for()
    page.wait_for_function(
        "document.querySelector('p.error[role=alert]').textContent.includes('请见证人签名')"
    )
    assert "/form/inspection_record" in page.url
    assert pending(page) == before
    page.locator("canvas[data-pad=witness]").scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "11-refused-no-witness.png"))

    draw_signature(page, "canvas[data-pad=witness]")
    page.screenshot(path=str(shots / "12-refused-witness-signed.png"), full_page=True)
    shown_text = page.inner_text("#record-text")
    page.click("#save-record")
    page.wait_for_url(f"**/case/{case_id}")
    page.wait_for_selector(".timeline .item[data-kind=record]")
    assert pending(page) == before + 2  # the record op + the witness signature PNG
    page.screenshot(path=str(shots / "13-refused-case-offline.png"))

    ctx.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    wait_synced(page)

    def has_record_and_png(t: list[dict[str, Any]]) -> bool:
        return any(e["kind"] == "record" for e in t) and any(e["kind"] == "media_verified" for e in t)

    trail = wait_for_trail(server, case_id, has_record_and_png)
    records = [e for e in trail if e["kind"] == "record"]
    assert len(records) == 1
    rec = records[0]["payload"]
    assert rec["form"] == "inspection_record"
    assert rec["text"].strip() == shown_text.strip()
    text_sha = hashlib.sha256(rec["text"].encode()).hexdigest()
    assert rec["text_sha256"] == text_sha
    assert rec["party_refused"] == {"reason": REASON, "witness_name": WITNESS}
    (sig,) = rec["signatures"]
    assert sig["role"] == "witness"
    assert sig["name"] == WITNESS
    assert sig["text_sha256"] == text_sha
    assert len(sig["strokes"]) >= 1
    assert sig["png_sha256"] in records[0]["media"]
    assert sig["png_sha256"] in {e["payload"]["sha256"] for e in trail if e["kind"] == "media_verified"}
    assert not [e for e in trail if e["kind"] == "rejected"]

    page.goto(f"/case/{case_id}")
    page.wait_for_selector(f".timeline .item[data-kind=record]:has-text('{WITNESS}')")
    page.screenshot(path=str(shots / "14-refused-case-synced.png"))
    ctx.close()

    result = server.verify()
    assert result.returncode == 0, result.stdout + result.stderr
