"""EXIF reading against Debian's exiftool, broken files, device comparison, thumbnails."""

from __future__ import annotations

import io
import json
import shutil
import struct
import subprocess
import time
from datetime import datetime
from pathlib import Path

import pytest
from PIL import Image

from media.derivatives import make_thumbnail
from media.exif import (
    FLAG_GPS_MISMATCH,
    FLAG_MISSING,
    FLAG_TIME_SKEW,
    FLAG_UNREADABLE,
    compare_with_device,
    distance_m,
    read_exif,
)

EXIFTOOL = shutil.which("exiftool")


def _exiftool(path: Path) -> dict[str, object]:
    assert EXIFTOOL is not None
    out = subprocess.run(
        [
            EXIFTOOL,
            "-json",
            "-n",
            "-GPSLatitude",
            "-GPSLongitude",
            "-GPSAltitude",
            "-DateTimeOriginal",
            "-Make",
            "-Model",
            "-Orientation",
            str(path),
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    result: dict[str, object] = json.loads(out)[0]
    return result


@pytest.mark.skipif(EXIFTOOL is None, reason="Debian exiftool not installed")
def test_gps_photos_match_exiftool(photos: Path) -> None:
    files = sorted((photos / "gps").glob("*.jpg"))
    assert len(files) == 5
    for f in files:
        ref = _exiftool(f)
        info = read_exif(f, "image/jpeg")
        assert info.flags == []
        assert info.lat == pytest.approx(float(ref["GPSLatitude"]), abs=1e-9)  # type: ignore[arg-type]
        assert info.lon == pytest.approx(float(ref["GPSLongitude"]), abs=1e-9)  # type: ignore[arg-type]
        assert (info.lat_ref, info.lon_ref) == ("N", "E")
        if "GPSAltitude" in ref:
            assert info.altitude == pytest.approx(float(ref["GPSAltitude"]), abs=1e-6)  # type: ignore[arg-type]
        assert info.datetime_original is not None
        expect = datetime.strptime(str(ref["DateTimeOriginal"]), "%Y:%m:%d %H:%M:%S")
        assert datetime.fromisoformat(info.datetime_original) == expect
        assert info.make == ref["Make"]
        assert info.model == ref["Model"]
        assert info.orientation == ref.get("Orientation", None)


def test_photo_without_gps_has_time_and_camera_but_no_position(photos: Path) -> None:
    info = read_exif(photos / "Canon_40D.jpg", "image/jpeg")
    assert info.lat is None
    assert info.lon is None
    assert info.datetime_original == "2008-05-30T15:56:01"
    assert (info.make, info.model) == ("Canon", "Canon EOS 40D")


def test_invalid_fixture_photos_are_flagged_not_crashing(photos: Path) -> None:
    for f in sorted((photos / "invalid").glob("*.jpg")):
        info = read_exif(f, "image/jpeg")
        assert info.flags, f.name
        assert info.flags[0] in (FLAG_MISSING, FLAG_UNREADABLE), f.name
        assert info.lat is None


def _jpeg_with_app1(payload: bytes) -> bytes:
    img = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(img, "JPEG")
    body = img.getvalue()
    return body[:2] + b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload + body[2:]


@pytest.mark.parametrize(
    "payload",
    [
        b"Exif\x00\x00II*\x00\xff\xff\xff\x7f",  # IFD offset far outside the block
        b"Exif\x00\x00MM\x00*\x00\x00\x00\x08\xff\xff" + b"\x00" * 20,  # 65535 entries claimed
        b"Exif\x00\x00XX",  # truncated TIFF header
        b"Exif\x00\x00II*\x00\x08\x00\x00\x00\x01\x00\x25\x88\x04\x00\x01\x00\x00\x00\x1a\x00\x00\x00"
        + b"\x00" * 4
        + b"\x02\x00\x02\x00\x05\x00\x03\x00\x00\x00\xff\xff\x00\x00",  # GPS IFD, bad pointers
    ],
)
def test_hostile_exif_is_flagged_quickly(tmp_path: Path, payload: bytes) -> None:
    f = tmp_path / "bad.jpg"
    f.write_bytes(_jpeg_with_app1(payload))
    t0 = time.monotonic()
    info = read_exif(f, "image/jpeg")
    assert time.monotonic() - t0 < 1.0
    assert info.flags
    assert info.lat is None


def test_truncated_file_and_garbage_are_flagged(tmp_path: Path, photos: Path) -> None:
    data = (photos / "gps" / "DSCN0010.jpg").read_bytes()
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(data[:3000])  # EXIF segment cut in the middle
    assert FLAG_UNREADABLE in read_exif(cut, "image/jpeg").flags
    junk = tmp_path / "junk.jpg"
    junk.write_bytes(b"\x00" * 100)
    assert read_exif(junk, "image/jpeg").flags == [FLAG_UNREADABLE]
    video = tmp_path / "v.mp4"
    video.write_bytes(b"\x00\x00\x00\x18ftypmp42")
    assert read_exif(video, "video/mp4").flags == []


def test_device_fix_and_time_comparison_flags_mismatch(photos: Path) -> None:
    info = read_exif(photos / "gps" / "DSCN0010.jpg", "image/jpeg")
    assert info.lat is not None
    assert info.lon is not None
    near = compare_with_device(
        info,
        device_lat=info.lat + 0.0002,
        device_lon=info.lon,
        device_time="2008-10-22T16:30:00+02:00",
        max_distance_m=200,
        max_skew_s=600,
    )
    assert near.flags == []
    assert near.distance_m == pytest.approx(22.2, abs=0.5)
    assert near.time_skew_s == pytest.approx(-81)
    far = compare_with_device(
        info,
        device_lat=30.0,
        device_lon=120.0,
        device_time="2008-10-22T18:30:00+02:00",
        max_distance_m=200,
        max_skew_s=600,
    )
    assert far.flags == [FLAG_GPS_MISMATCH, FLAG_TIME_SKEW]


def test_distance_is_haversine() -> None:
    # Beijing Tiananmen → Shanghai People's Square ≈ 1067 km
    assert distance_m(39.9087, 116.3975, 31.2323, 121.4691) == pytest.approx(1_067_000, rel=0.01)


def test_landscape_6_thumbnail_is_rotated_and_stripped(photos: Path) -> None:
    src = photos / "landscape_6.jpg"
    before = src.read_bytes()
    with Image.open(src) as im:
        stored_w, stored_h = im.size  # stored portrait 450 x 600, displayed rotated 90° as landscape
        corner = im.convert("RGB").resize((4, 4)).getpixel((0, 0))
    assert (stored_w, stored_h) == (450, 600)
    thumb = Image.open(io.BytesIO(make_thumbnail(src, 320)))
    assert thumb.size == (320, 240)  # landscape after applying orientation 6
    assert not thumb.getexif()
    assert "exif" not in thumb.info
    # Orientation 6 = rotate 90° clockwise for display: the stored top-left ends up top-right.
    small = thumb.convert("RGB").resize((4, 4))
    got = small.getpixel((3, 0))
    assert isinstance(got, tuple)
    assert isinstance(corner, tuple)
    assert sum(abs(a - b) for a, b in zip(got, corner, strict=True)) < 60
    assert src.read_bytes() == before


def test_heic_original_is_read_through_pillow_heif(tmp_path: Path) -> None:
    """No HEIC fixture ships with shared/, so libheif (inside pillow-heif) encodes a real one here."""
    import piexif
    import pillow_heif
    from PIL import Image

    from media.derivatives import can_thumbnail, make_thumbnail

    pillow_heif.register_heif_opener()
    exif = piexif.dump(
        {
            "0th": {piexif.ImageIFD.Make: b"HUAWEI", piexif.ImageIFD.Orientation: 6},
            "Exif": {piexif.ExifIFD.DateTimeOriginal: b"2026:11:20 09:30:00"},
            "GPS": {
                piexif.GPSIFD.GPSLatitudeRef: b"N",
                piexif.GPSIFD.GPSLatitude: ((30, 1), (45, 1), (36, 1)),
                piexif.GPSIFD.GPSLongitudeRef: b"E",
                piexif.GPSIFD.GPSLongitude: ((120, 1), (45, 1), (0, 1)),
            },
        }
    )
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buf, format="HEIF", exif=exif)
    path = tmp_path / "photo.heic"
    path.write_bytes(buf.getvalue())
    assert path.read_bytes()[4:12] == b"ftypheic"
    info = read_exif(path, "image/heic")
    assert info.flags == []
    assert info.datetime_original == "2026-11-20T09:30:00"
    assert info.lat == pytest.approx(30.76) and info.lon == pytest.approx(120.75)
    assert (info.make, info.orientation) == ("HUAWEI", 6)
    assert can_thumbnail("image/heic")
    thumb = Image.open(io.BytesIO(make_thumbnail(path)))
    assert thumb.format == "JPEG" and thumb.width < thumb.height  # orientation 6 applied: portrait
    assert "exif" not in thumb.info
