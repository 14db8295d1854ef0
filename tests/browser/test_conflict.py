"""Two officers edit one case field offline: the conflict shows both values; resolving records `resolve`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import Server, login, phone_context, wait_synced
from tests.browser.test_offline_capture import open_case_offline, user_id, wait_for_trail

pytestmark = pytest.mark.browser


def edit_cause(page: Any, case_id: str, value: str) -> None:
    page.goto(f"/case/{case_id}/edit")
    page.fill("input[name=cause]", value)
    page.click("button[type=submit]")
    page.wait_for_url(f"**/case/{case_id}")


def go_online(ctx: Any, page: Any) -> None:
    ctx.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    wait_synced(page)


def sync_now(page: Any) -> None:
    page.goto("/outbox")
    page.click("#sync-now")
    wait_synced(page)


def test_concurrent_offline_edits_conflict_in_both_trails_and_resolve(
    browser: Any, server: Server, shots: Path
) -> None:
    ctx1, ctx2 = phone_context(browser, server), phone_context(browser, server)
    p1, p2 = ctx1.new_page(), ctx2.new_page()
    login(p1, "officer1")
    case_id = open_case_offline(p1, "涉嫌无照经营", "南湖区某餐饮店", user_id(server, "officer2"))
    wait_synced(p1)

    login(p2, "officer2")
    p2.wait_for_selector(f"a[data-case-id='{case_id}']")

    ctx1.set_offline(True)
    ctx2.set_offline(True)
    edit_cause(p1, case_id, "涉嫌未取得食品经营许可从事经营")
    edit_cause(p2, case_id, "涉嫌超范围经营")
    go_online(ctx1, p1)
    go_online(ctx2, p2)
    sync_now(p1)

    trail = wait_for_trail(server, case_id, lambda t: any(e["kind"] == "conflict" for e in t))
    conflict = next(e for e in trail if e["kind"] == "conflict")
    values = {v["value"] for c in conflict["payload"]["conflicts"] for v in c["values"]}
    assert values == {"涉嫌未取得食品经营许可从事经营", "涉嫌超范围经营"}
    assert server.get(f"/api/cases/{case_id}")["has_unresolved_conflict"] is True

    for page in (p1, p2):
        page.goto(f"/case/{case_id}")
        item = page.locator(".timeline .item[data-kind=conflict]")
        item.wait_for()
        text = item.inner_text()
        assert "涉嫌未取得食品经营许可从事经营" in text
        assert "涉嫌超范围经营" in text
    wait_synced(p1)  # the start-up drain may re-render the trail; let it settle
    p1.wait_for_load_state("networkidle")
    p1.evaluate("document.querySelector('.timeline .item[data-kind=conflict]').scrollIntoView()")
    p1.screenshot(path=str(shots / "08-conflict.png"))

    p1.fill(".resolve input", "以现场检查笔录为准")
    p1.click("button[data-resolve='涉嫌未取得食品经营许可从事经营']")
    wait_synced(p1)
    trail = wait_for_trail(server, case_id, lambda t: any(e["kind"] == "resolve" for e in t))
    resolve = next(e for e in trail if e["kind"] == "resolve")
    assert resolve["payload"]["conflict_seq"] == conflict["case_seq"]
    assert resolve["payload"]["fields"] == {"cause": "涉嫌未取得食品经营许可从事经营"}
    case = server.get(f"/api/cases/{case_id}")
    assert case["has_unresolved_conflict"] is False
    assert case["cause"] == "涉嫌未取得食品经营许可从事经营"

    sync_now(p2)
    p2.goto(f"/case/{case_id}")
    p2.wait_for_selector(".timeline .item[data-kind=resolve]")
    assert p2.locator(".resolve button").count() == 0
    ctx1.close()
    ctx2.close()
    assert server.verify().returncode == 0
