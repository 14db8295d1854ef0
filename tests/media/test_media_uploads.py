"""tus uploads through the real app on SQLite and PostgreSQL: verification, refusals, custody, EXIF, dedup."""

from __future__ import annotations

import asyncio
import hashlib
import os
from dataclasses import replace
from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient
from mediahelp import CASE0, CASE1, TUS, Client, create, login, metadata, patch, sha, trail, upload

from backend.app import create_app
from backend.db.engine import Database
from backend.db.models import Case
from backend.db.models_media import MediaIngest, MediaUpload
from backend.media_service import verified_hashes
from backend.settings import Settings
from backend.trail.service import EntryMeta, append_entry


def _files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def _stored(settings: Settings, digest: str) -> Path:
    return settings.data_dir / "media" / "originals" / digest[:2] / digest[2:4] / digest


async def test_options_advertises_tus_extensions_and_limit(client: Client) -> None:
    auth = await login(client, "officer1")
    response = await client.options("/api/uploads/", headers=auth)
    assert response.status_code == 204
    assert response.headers["tus-version"] == "1.0.0"
    assert set(response.headers["tus-extension"].split(",")) == {
        "creation",
        "checksum",
        "termination",
        "expiration",
    }
    assert set(response.headers["tus-checksum-algorithm"].split(",")) == {"sha256", "sha1"}
    assert int(response.headers["tus-max-size"]) > 0


async def test_uploads_need_auth(client: Client) -> None:
    response = await create(client, {}, b"x")
    assert response.status_code == 401


async def test_gps_photo_verifies_stores_once_and_lands_on_trail(
    client: Client, settings: Settings, direct: Database, photos: Path
) -> None:
    auth = await login(client, "officer1")
    data = (photos / "gps" / "DSCN0010.jpg").read_bytes()
    digest = sha(data)
    # The op that referenced the photo: device fix ~2.2 km away, device clock 2 h off.
    async with direct.write() as session:
        case = await session.get(Case, CASE0)
        assert case is not None
        await append_entry(
            session,
            case=case,
            kind="photo",
            actors=[case.officer_ids[0]],
            media=[digest],
            payload={
                "sha256": digest,
                "filename": "DSCN0010.jpg",
                "content_type": "image/jpeg",
                "size": len(data),
            },
            meta=EntryMeta(
                location={"lat": 43.4874, "lon": 11.8851, "accuracy": 10, "source": "gps"},
                device_time="2008-10-22T18:28:39+00:00",
            ),
        )
    before = await trail(client, auth, CASE0)
    assert before[-1]["evidence_pending"] == [digest]
    async with direct.session() as session:
        assert await verified_hashes(session, {digest}) == set()

    response = await upload(client, auth, data, chunk=50_000, filename="DSCN0010.jpg")
    assert response.status_code == 204, response.text
    assert int(response.headers["upload-offset"]) == len(data)

    assert _stored(settings, digest).read_bytes() == data
    assert _files(settings.data_dir / "uploads") == []
    entries = await trail(client, auth, CASE0)
    verified = entries[-1]
    assert verified["kind"] == "media_verified"
    assert verified["media"] == [digest]
    p = verified["payload"]
    assert p["sha256"] == digest
    assert p["size"] == len(data)
    assert p["content_type"] == "image/jpeg"
    assert p["exif"]["lat"] == pytest.approx(43.4674483333, abs=1e-8)
    assert p["exif"]["lon"] == pytest.approx(11.8851266667, abs=1e-8)
    assert p["exif"]["datetime_original"] == "2008-10-22T16:28:39"
    assert p["distance_m"] == pytest.approx(2224, abs=15)
    assert p["time_skew_s"] == pytest.approx(-7200)
    assert set(verified["flags"]) == {"exif_gps_mismatch", "exif_time_skew"}
    assert next(e for e in entries if e["kind"] == "photo")["evidence_pending"] == []
    async with direct.session() as session:
        assert await verified_hashes(session, {digest, "0" * 64}) == {digest}


async def test_invalid_exif_photos_are_kept_byte_for_byte_and_flagged(
    client: Client, settings: Settings, photos: Path
) -> None:
    auth = await login(client, "officer1")
    for f in sorted((photos / "invalid").glob("*.jpg")):
        data = f.read_bytes()
        response = await upload(client, auth, data, filename=f.name)
        assert response.status_code == 204, (f.name, response.text)
        assert _stored(settings, sha(data)).read_bytes() == data
    entries = [e for e in await trail(client, auth, CASE0) if e["kind"] == "media_verified"]
    assert len(entries) == 4
    for e in entries:
        assert e["flags"]
        assert e["flags"][0] in ("exif_missing", "exif_unreadable")


async def test_wrong_hash_is_refused_and_nothing_is_kept(
    client: Client, settings: Settings, direct: Database
) -> None:
    auth = await login(client, "officer1")
    data = os.urandom(150_000)
    response = await upload(client, auth, data, declared=sha(b"something else"))
    assert response.status_code == 460
    assert response.json()["code"] == "sha256_mismatch"
    assert _files(settings.data_dir / "uploads") == []
    assert not _stored(settings, sha(data)).exists()
    async with direct.session() as session:
        assert await verified_hashes(session, {sha(data)}) == set()
    assert not [e for e in await trail(client, auth, CASE0) if e["kind"] == "media_verified"]


async def test_patch_at_wrong_offset_is_409_and_changes_nothing(client: Client) -> None:
    auth = await login(client, "officer1")
    data = os.urandom(10_000)
    location = (await create(client, auth, data)).headers["location"]
    assert (await patch(client, auth, location, 0, data[:4000])).status_code == 204
    wrong = await patch(client, auth, location, 3000, data[3000:6000])
    assert wrong.status_code == 409
    head = await client.head(location, headers={**TUS, **auth})
    assert head.headers["upload-offset"] == "4000"
    assert head.headers["upload-length"] == "10000"
    assert head.headers["cache-control"] == "no-store"
    done = await patch(client, auth, location, 4000, data[4000:])
    assert done.status_code == 204


async def test_oversized_uploads_are_413_before_bytes_are_stored(
    client: Client, settings: Settings, monkeypatch: pytest.MonkeyPatch, app: object
) -> None:
    auth = await login(client, "officer1")
    limit = settings.max_upload_bytes
    too_big = await create(client, auth, b"", declared="a" * 64, length=limit + 1)
    assert too_big.status_code == 413
    assert too_big.json()["code"] == "upload_too_large"
    data = os.urandom(5000)
    location = (await create(client, auth, data)).headers["location"]
    over = await patch(client, auth, location, 0, data + b"extra bytes")
    assert over.status_code == 413
    head = await client.head(location, headers={**TUS, **auth})
    assert head.headers["upload-offset"] == "0"
    part = next((settings.data_dir / "uploads").glob("*.part"))
    assert part.stat().st_size == 0


async def test_truncated_upload_is_never_evidence_and_can_be_terminated(
    client: Client, settings: Settings, direct: Database
) -> None:
    auth = await login(client, "officer1")
    data = os.urandom(80_000)
    location = (await create(client, auth, data)).headers["location"]
    assert (await patch(client, auth, location, 0, data[:30_000])).status_code == 204
    assert (await client.get(f"/api/media/{sha(data)}", headers=auth)).status_code == 404
    async with direct.session() as session:
        assert await verified_hashes(session, {sha(data)}) == set()
    gone = await client.delete(location, headers={**TUS, **auth})
    assert gone.status_code == 204
    assert (await client.head(location, headers={**TUS, **auth})).status_code == 404
    assert _files(settings.data_dir / "uploads") == []


async def test_per_patch_checksum_mismatch_is_460_and_drops_only_that_patch(client: Client) -> None:
    auth = await login(client, "officer1")
    data = os.urandom(20_000)
    location = (await create(client, auth, data)).headers["location"]
    ok = await patch(client, auth, location, 0, data[:8000], checksum=hashlib.sha256(data[:8000]).digest())
    assert ok.status_code == 204
    bad = await patch(client, auth, location, 8000, data[8000:], checksum=hashlib.sha256(b"nope").digest())
    assert bad.status_code == 460
    head = await client.head(location, headers={**TUS, **auth})
    assert head.headers["upload-offset"] == "8000"
    unsupported = await client.patch(
        location,
        content=data[8000:],
        headers={
            **TUS,
            **auth,
            "Upload-Offset": "8000",
            "Content-Type": "application/offset+octet-stream",
            "Upload-Checksum": "md5 AAAA",
        },
    )
    assert unsupported.status_code == 400
    final = await patch(
        client, auth, location, 8000, data[8000:], checksum=hashlib.sha256(data[8000:]).digest()
    )
    assert final.status_code == 204


async def test_path_like_filenames_never_touch_the_filesystem(client: Client, settings: Settings) -> None:
    auth = await login(client, "officer1")
    data = b"\x89PNG fake " + os.urandom(1000)
    for name in ["../../../../etc/passwd", "..\\..\\boot.ini", "/abs/evil\r\nX-Injected: 1.png", "\x00"]:
        response = await upload(client, auth, data, filename=name, content_type="text/html")
        assert response.status_code == 204
    outside = settings.data_dir.parent
    assert not (outside / "etc").exists()
    assert not (settings.data_dir / "etc").exists()
    stored = _files(settings.data_dir / "media")
    assert [p.name for p in stored] == [sha(data)]
    got = await client.get(f"/api/media/{sha(data)}", headers=auth)
    assert got.status_code == 200
    disposition = got.headers["content-disposition"]
    assert disposition.startswith("attachment;")  # text/html is never served inline
    assert "/" not in disposition.split("filename*=")[0]
    assert "\r" not in disposition
    assert "\n" not in disposition
    assert got.headers["content-type"].startswith("application/octet-stream")
    assert got.headers["x-content-type-options"] == "nosniff"


async def test_upload_to_a_case_the_user_may_not_touch(client: Client, settings: Settings) -> None:
    data = os.urandom(1000)
    other_dept = await login(client, "eco1")
    assert (await create(client, other_dept, data)).status_code == 404
    supervisor = await login(client, "supervisor1")
    assert (await create(client, supervisor, data)).status_code == 403
    reviewer = await login(client, "reviewer1")
    assert (await create(client, reviewer, data)).status_code == 403
    assert _files(settings.data_dir / "uploads") == []
    # someone else's upload id is not found either
    owner = await login(client, "officer1")
    location = (await create(client, owner, data)).headers["location"]
    officer2 = await login(client, "officer2")
    assert (await patch(client, officer2, location, 0, data)).status_code == 404
    assert (await client.delete(location, headers={**TUS, **officer2})).status_code == 404


async def test_bad_creation_requests_are_problem_details(client: Client) -> None:
    auth = await login(client, "officer1")
    no_version = await client.post(
        "/api/uploads/", headers={**auth, "Upload-Length": "1", "Upload-Metadata": metadata(sha256="a" * 64)}
    )
    assert no_version.status_code == 412
    for meta in [
        "sha256 !!!",
        metadata(sha256="xyz", case_id=CASE0),
        metadata(sha256="a" * 64, case_id="nope"),
        metadata(sha256="a" * 64, case_id=CASE0, bodycam_id="BC-1"),
    ]:
        response = await client.post(
            "/api/uploads/", headers={**TUS, **auth, "Upload-Length": "1", "Upload-Metadata": meta}
        )
        assert response.status_code == 400, meta
        assert response.headers["content-type"].startswith("application/problem+json")
    bad_length = await client.post(
        "/api/uploads/",
        headers={**TUS, **auth, "Upload-Length": "-5", "Upload-Metadata": metadata(sha256="a" * 64)},
    )
    assert bad_length.status_code == 400


async def test_range_downloads_are_exact_and_each_is_on_the_trail(client: Client) -> None:
    auth = await login(client, "officer1")
    data = os.urandom(300_000)
    digest = sha(data)
    assert (
        await upload(client, auth, data, content_type="video/mp4", filename="执法记录 01.mp4")
    ).status_code == 204
    full = await client.get(f"/api/media/{digest}", headers=auth)
    assert full.status_code == 200
    assert full.content == data
    assert full.headers["content-type"] == "video/mp4"
    assert full.headers["accept-ranges"] == "bytes"
    assert "filename*=UTF-8''%E6%89%A7%E6%B3%95" in full.headers["content-disposition"]
    cases = [
        ("bytes=0-0", 0, 1),
        ("bytes=1000-1999", 1000, 2000),
        ("bytes=299990-", 299_990, 300_000),
        ("bytes=-500", 299_500, 300_000),
        ("bytes=299000-999999", 299_000, 300_000),
    ]
    for header, start, stop in cases:
        part = await client.get(f"/api/media/{digest}?case_id={CASE0}", headers={**auth, "Range": header})
        assert part.status_code == 206, header
        assert part.content == data[start:stop], header
        assert part.headers["content-range"] == f"bytes {start}-{stop - 1}/300000"
        assert part.headers["content-length"] == str(stop - start)
    for bad in ["bytes=300000-", "bytes=500-100", "bytes=abc"]:
        refused = await client.get(f"/api/media/{digest}", headers={**auth, "Range": bad})
        assert refused.status_code == 416, bad
        assert refused.headers["content-range"] == "bytes */300000"
    views = [e for e in await trail(client, auth, CASE0) if e["kind"] == "media_view"]
    assert len(views) == 1 + len(cases)
    assert views[0]["payload"] == {"sha256": digest, "variant": "original"}
    assert views[2]["payload"]["range"] == {"start": 1000, "end": 1999, "size": 300000}
    user_id = views[0]["actors"][0]
    assert all(v["actors"] == [user_id] and v["media"] == [digest] for v in views)


async def test_only_users_who_see_a_referencing_case_may_download(client: Client) -> None:
    auth = await login(client, "officer1")
    data = os.urandom(2000)
    assert (await upload(client, auth, data)).status_code == 204
    eco = await login(client, "eco1")
    assert (await client.get(f"/api/media/{sha(data)}", headers=eco)).status_code == 404
    supervisor = await login(client, "supervisor1")  # region-wide read-only: may look, and it is logged
    assert (await client.get(f"/api/media/{sha(data)}", headers=supervisor)).status_code == 200
    assert (await client.get(f"/api/media/{sha(data)}?case_id={CASE1}", headers=auth)).status_code == 404
    assert (await client.get(f"/api/media/{'f' * 64}", headers=auth)).status_code == 404
    assert (await client.get("/api/media/..%2F..%2Fetc%2Fpasswd", headers=auth)).status_code == 404


async def test_identical_content_is_stored_once_but_verified_per_case(
    client: Client, settings: Settings
) -> None:
    auth = await login(client, "officer1")
    data = os.urandom(70_000)
    assert (await upload(client, auth, data, case_id=CASE0)).status_code == 204
    assert (await upload(client, auth, data, case_id=CASE1)).status_code == 204
    assert [p.name for p in _files(settings.data_dir / "media")] == [sha(data)]
    for case_id in (CASE0, CASE1):
        assert [e for e in await trail(client, auth, case_id) if e["kind"] == "media_verified"]


async def test_bodycam_upload_lag_is_measured_and_late_is_flagged(client: Client, direct: Database) -> None:
    auth = await login(client, "officer1")
    on_time = os.urandom(3000)
    late = os.urandom(3000)
    from datetime import UTC, datetime, timedelta

    now = datetime.now(UTC)
    r1 = await upload(
        client,
        auth,
        on_time,
        content_type="video/mp4",
        bodycam_id="DSJ-0042",
        recording_ended_at=(now - timedelta(hours=2)).isoformat(),
    )
    r2 = await upload(
        client,
        auth,
        late,
        content_type="video/mp4",
        bodycam_id="DSJ-0042",
        recording_ended_at=(now - timedelta(hours=30)).isoformat(),
    )
    assert r1.status_code == 204
    assert r2.status_code == 204
    verified = [e for e in await trail(client, auth, CASE0) if e["kind"] == "media_verified"]
    assert "bodycam_late" not in verified[0]["flags"]
    assert "bodycam_late" in verified[1]["flags"]
    assert verified[1]["payload"]["bodycam"]["device_id"] == "DSJ-0042"
    assert 30 * 3600 - 60 < verified[1]["payload"]["bodycam"]["upload_lag_seconds"] < 30 * 3600 + 60
    from sqlalchemy import select

    async with direct.session() as session:
        rows = list(await session.scalars(select(MediaIngest).order_by(MediaIngest.id)))  # type: ignore[arg-type]
    assert [r.bodycam_late for r in rows] == [False, True]
    assert rows[0].upload_lag_seconds is not None
    assert 7100 < rows[0].upload_lag_seconds < 7300


async def test_thumbnail_is_rotated_and_generated_off_the_request(client: Client, photos: Path) -> None:
    from io import BytesIO

    from PIL import Image

    auth = await login(client, "officer1")
    data = (photos / "landscape_6.jpg").read_bytes()
    assert (await upload(client, auth, data, filename="landscape_6.jpg")).status_code == 204
    for _ in range(100):
        thumb = await client.get(f"/api/media/{sha(data)}/thumb", headers=auth)
        if thumb.status_code == 200:
            break
        await asyncio.sleep(0.05)
    assert thumb.status_code == 200
    assert thumb.headers["content-type"] == "image/jpeg"
    image = Image.open(BytesIO(thumb.content))
    assert image.size == (320, 240)  # stored portrait, orientation 6 → shown landscape
    assert not image.getexif()
    original = await client.get(f"/api/media/{sha(data)}", headers=auth)
    assert original.content == data


async def test_upload_state_survives_a_restart(settings: Settings, direct: Database) -> None:
    data = os.urandom(200_000)
    app1 = create_app(settings)
    async with AsyncTestClient(app=app1, base_url="https://testserver.local") as c1:
        auth = await login(c1, "officer1")
        location = (await create(c1, auth, data)).headers["location"]
        assert (await patch(c1, auth, location, 0, data[:120_000])).status_code == 204
    # A new process: no in-memory hash state, bytes past the committed offset (a crash mid-write).
    part = next((settings.data_dir / "uploads").glob("*.part"))
    with part.open("ab") as f:
        f.write(b"garbage written before the crash")
    app2 = create_app(settings)
    async with AsyncTestClient(app=app2, base_url="https://testserver.local") as c2:
        auth = await login(c2, "officer1")
        head = await c2.head(location, headers={**TUS, **auth})
        assert head.headers["upload-offset"] == "120000"
        done = await patch(c2, auth, location, 120_000, data[120_000:])
        assert done.status_code == 204, done.text
        assert (await c2.get(f"/api/media/{sha(data)}", headers=auth)).content == data


async def test_unfinished_uploads_expire(settings: Settings, direct: Database) -> None:
    from datetime import UTC, datetime

    from backend.clock import FixedClock

    clock = FixedClock(datetime.now(UTC))
    app = create_app(settings, clock=clock)
    async with AsyncTestClient(app=app, base_url="https://testserver.local") as c:
        auth = await login(c, "officer1")
        created = await create(c, auth, b"0123456789")
        assert "upload-expires" in created.headers
        location = created.headers["location"]
        clock.advance(days=8)
        auth = await login(c, "officer1")
        assert (await c.head(location, headers={**TUS, **auth})).status_code == 410
    async with direct.session() as session:
        assert await session.get(MediaUpload, location.rsplit("/", 1)[1]) is None
    assert _files(settings.data_dir / "uploads") == []


async def test_uploads_and_ranges_work_with_the_s3_store(
    settings: Settings, s3_endpoint: str, s3_bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LIUHEN_S3_ENDPOINT_URL", s3_endpoint)
    monkeypatch.setenv("LIUHEN_S3_ACCESS_KEY", "test")
    monkeypatch.setenv("LIUHEN_S3_SECRET_KEY", "test")
    app = create_app(replace(settings, media_url=f"s3://{s3_bucket}/evidence"))
    data = os.urandom(9 * 1024 * 1024 + 3)  # multipart on the way in
    async with AsyncTestClient(app=app, base_url="https://testserver.local") as c:
        auth = await login(c, "officer1")
        assert (
            await upload(c, auth, data, chunk=4 * 1024 * 1024, content_type="video/mp4")
        ).status_code == 204
        part = await c.get(f"/api/media/{sha(data)}", headers={**auth, "Range": "bytes=5000000-5000099"})
        assert part.status_code == 206
        assert part.content == data[5_000_000:5_000_100]
    assert not (settings.data_dir / "media" / "originals").exists()  # nothing on local disk
    assert _files(settings.data_dir / "uploads") == []
