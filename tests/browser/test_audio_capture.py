"""An audio clip recorded offline through the capture screen (Chromium's fake microphone) reaches the server
byte for byte: an `audio` entry, a `media_verified` entry for its hash, and the same bytes from /api/media."""

from __future__ import annotations

import hashlib
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, Server, login, pending, phone_context, wait_synced
from tests.browser.test_offline_capture import open_case_offline, user_id, wait_for_trail

pytestmark = pytest.mark.browser

FAKE_MEDIA_ARGS = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]


@pytest.fixture(scope="module")
def media_browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian Chromium is not installed: run bash scripts/test.sh, which installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS + FAKE_MEDIA_ARGS)
        yield b
        b.close()


def test_offline_audio_clip_syncs_verified_and_downloads_with_the_same_hash(
    media_browser: Any, server: Server, shots: Path
) -> None:
    ctx = phone_context(media_browser, server)
    ctx.grant_permissions(["microphone", "camera"], origin=server.url)
    page = ctx.new_page()
    login(page, "officer1")
    case_id = open_case_offline(page, "涉嫌虚假宣传", "嘉兴某保健品商行", user_id(server, "officer2"))
    wait_synced(page)

    ctx.set_offline(True)
    page.goto(f"/case/{case_id}/capture")
    page.click("button:has-text('开始录音')")
    page.wait_for_selector("#capture-status:has-text('正在录音')")
    page.wait_for_selector("button:has-text('停止并保存')")
    page.screenshot(path=str(shots / "15-audio-recording.png"))
    page.wait_for_timeout(3000)
    page.click("button:has-text('停止并保存')")
    page.wait_for_selector("#capture-status:has-text('录音已保存')")
    page.screenshot(path=str(shots / "16-audio-saved.png"))
    assert pending(page) == 2  # the audio op + its bytes

    local = page.evaluate(
        """async () => {
          const db = await new Promise((ok, err) => {
            const r = indexedDB.open('liuhen'); r.onsuccess = () => ok(r.result); r.onerror = err;
          });
          const all = await new Promise((ok) => {
            const q = db.transaction('blobs').objectStore('blobs').getAll(); q.onsuccess = () => ok(q.result);
          });
          db.close();
          const b = all.find((x) => x.content_type.startsWith('audio/'));
          const buf = await b.blob.arrayBuffer();
          const d = await crypto.subtle.digest('SHA-256', buf);
          return {sha256: b.sha256, size: buf.byteLength, type: b.content_type,
                  digest: [...new Uint8Array(d)].map((x) => x.toString(16).padStart(2, '0')).join('')};
        }"""
    )
    assert local["digest"] == local["sha256"]
    assert local["size"] > 1000, local  # a few seconds of Opus, not an empty container

    ctx.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    wait_synced(page)

    sha = local["sha256"]

    def audio_verified(t: list[dict[str, Any]]) -> bool:
        return any(e["kind"] == "media_verified" and e["payload"]["sha256"] == sha for e in t)

    trail = wait_for_trail(server, case_id, audio_verified)
    audios = [e for e in trail if e["kind"] == "audio"]
    assert len(audios) == 1, [e["kind"] for e in trail]
    audio = audios[0]
    assert audio["payload"]["sha256"] == sha
    assert audio["media"] == [sha]
    assert audio["payload"]["size"] == local["size"]
    # a bare media type: MediaRecorder's "audio/webm;codecs=opus" is refused by the upload metadata
    assert audio["payload"]["content_type"] == local["type"] == "audio/webm"
    assert audio["payload"]["recording_started_at"]
    assert audio_verified(trail), [e["kind"] for e in trail]
    assert not [e for e in trail if e["kind"] == "rejected"]

    req = urllib.request.Request(
        f"{server.url}/api/media/{sha}", headers={"Authorization": f"Bearer {server.token('officer1')}"}
    )
    with urllib.request.urlopen(req, timeout=10) as r:
        body = r.read()
    assert len(body) == local["size"]
    assert hashlib.sha256(body).hexdigest() == sha

    page.goto(f"/case/{case_id}")
    page.wait_for_selector(".timeline .item[data-kind=audio]")
    page.screenshot(path=str(shots / "17-audio-case.png"))
    ctx.close()

    result = server.verify()
    assert result.returncode == 0, result.stdout + result.stderr
