"""The session dies on the server while the officer is offline: the note captured meanwhile stays queued, the
PWA asks (in Chinese) to log in again, and after re-login the note reaches the trail exactly once."""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import PASSWORD, Server, login, pending, phone_context, wait_synced
from tests.browser.test_offline_capture import open_case_offline, user_id, wait_for_trail

pytestmark = pytest.mark.browser

NOTE = "离线期间记录：当事人称进货单据在总店保管"

CSRF_JS = """async () => {
  const db = await new Promise((ok, err) => {
    const r = indexedDB.open('liuhen'); r.onsuccess = () => ok(r.result); r.onerror = err;
  });
  const v = await new Promise((ok) => {
    const q = db.transaction('meta').objectStore('meta').get('csrf'); q.onsuccess = () => ok(q.result);
  });
  db.close();
  return v;
}"""


def _status(server: Server, path: str, cookie: str, method: str = "GET", csrf: str | None = None) -> int:
    headers = {"Cookie": cookie, "Accept": "application/json"}
    if csrf:
        headers["X-CSRF-Token"] = csrf
    req = urllib.request.Request(
        f"{server.url}{path}", headers=headers, method=method, data=b"" if method != "GET" else None
    )
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return int(r.status)
    except urllib.error.HTTPError as e:
        return int(e.code)


def test_session_expired_while_offline_keeps_the_note_and_drains_after_relogin(
    browser: Any, server: Server, shots: Path
) -> None:
    ctx = phone_context(browser, server)
    page = ctx.new_page()
    login(page, "officer1")
    case_id = open_case_offline(page, "涉嫌未明码标价", "南湖区某水果店", user_id(server, "officer2"))
    wait_synced(page)

    ctx.set_offline(True)
    # The server ends this very session from elsewhere (same cookie, its CSRF token): as an admin or a
    # timeout would. The phone, offline, knows nothing of it.
    cookie = "; ".join(f"{c['name']}={c['value']}" for c in ctx.cookies(server.url))
    csrf = str(page.evaluate(CSRF_JS))
    assert _status(server, "/api/users", cookie) == 200
    assert _status(server, "/api/auth/logout", cookie, "POST", csrf) < 300
    assert _status(server, "/api/users", cookie) == 401

    page.goto(f"/case/{case_id}/capture")
    page.fill("#note-text", NOTE)
    page.click("text=保存备注")
    page.wait_for_selector("#capture-status:has-text('备注已保存')")
    assert pending(page) == 1

    ctx.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_function("document.querySelector('#sync-pill')?.textContent === '需重新登录'")
    assert pending(page) == 1, "the note left the outbox without reaching the server"
    page.goto("/outbox")
    card = page.locator(".card.warn")
    card.wait_for()
    assert "登录已过期" in card.inner_text()
    assert "重新登录" in card.inner_text()
    assert page.inner_text("#pending-ops") == "1"
    page.screenshot(path=str(shots / "18-session-expired.png"))
    assert not [e for e in server.trail(case_id) if e["kind"] == "note"]

    # Another drain attempt (timer, foreground) must not drop or duplicate it either.
    page.click("#sync-now")
    page.wait_for_function("document.querySelector('#sync-now')?.textContent === '立即同步'")
    assert pending(page) == 1

    card.locator("button:has-text('重新登录')").click()
    page.wait_for_url("**/login")
    page.fill("input[name=username]", "officer1")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda u: u.endswith("/"))
    wait_synced(page)
    page.wait_for_function("document.querySelector('#sync-pill')?.textContent === '已同步'")

    trail = wait_for_trail(server, case_id, lambda t: any(e["kind"] == "note" for e in t))
    notes = [e for e in trail if e["kind"] == "note"]
    assert [n["payload"]["text"] for n in notes] == [NOTE]
    assert not [e for e in trail if e["kind"] == "rejected"]

    page.goto(f"/case/{case_id}")
    page.wait_for_selector(f".timeline .item[data-kind=note]:has-text('{NOTE[:8]}')")
    ctx.close()
    result = server.verify()
    assert result.returncode == 0, result.stdout + result.stderr
