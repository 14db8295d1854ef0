"""EXIF reading (piexif, read only — never written back) and comparison with the device's own fix and time.

Only a bounded header (≤ 64 KiB APP1 for JPEG, ≤ 1 MiB for HEIC) ever reaches the parser, and every failure
becomes a flag, so a broken file can neither crash nor hang a request.
"""

from __future__ import annotations

import math
import struct
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import piexif

HEAD_SCAN_BYTES = 512 * 1024
MAX_HEIF_EXIF = 1024 * 1024

FLAG_MISSING = "exif_missing"
FLAG_UNREADABLE = "exif_unreadable"
FLAG_BAD_GPS = "exif_gps_invalid"
FLAG_BAD_TIME = "exif_time_invalid"
FLAG_GPS_MISMATCH = "exif_gps_mismatch"
FLAG_TIME_SKEW = "exif_time_skew"


@dataclass(slots=True)
class ExifInfo:
    """What the evidence record keeps from a photo's EXIF."""

    datetime_original: str | None = None
    """``YYYY-MM-DDTHH:MM:SS`` as the camera wrote it, plus ``±HH:MM`` when OffsetTimeOriginal is present."""
    lat: float | None = None
    lon: float | None = None
    lat_ref: str | None = None
    lon_ref: str | None = None
    altitude: float | None = None
    """Metres; negative below sea level (GPSAltitudeRef = 1)."""
    make: str | None = None
    model: str | None = None
    orientation: int | None = None
    flags: list[str] = field(default_factory=list)

    def to_payload(self) -> dict[str, Any]:
        """JSON-ready dict without empty fields (flags go on the entry, not here)."""
        return {k: v for k, v in asdict(self).items() if v is not None and k != "flags"}


def _jpeg_exif_segment(head: bytes) -> bytes | None:
    """The ``Exif\\0\\0…`` APP1 payload of a JPEG header, found by walking the segment markers."""
    if head[:2] != b"\xff\xd8":
        return None
    i = 2
    while i + 4 <= len(head):
        if head[i] != 0xFF:
            raise ValueError("JPEG segment marker expected")
        marker = head[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker in (0xDA, 0xD9):  # start of scan / end of image: no more metadata
            return None
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:
            i += 2
            continue
        (length,) = struct.unpack(">H", head[i + 2 : i + 4])
        if length < 2:
            raise ValueError("bad JPEG segment length")
        payload = head[i + 4 : i + 2 + length]
        if marker == 0xE1 and payload.startswith(b"Exif\x00\x00"):
            if len(payload) < length - 2:
                raise ValueError("truncated EXIF segment")
            return payload
        i += 2 + length
    return None


def _heif_exif(path: Path) -> bytes | None:
    import pillow_heif

    heif = pillow_heif.open_heif(str(path), convert_hdr_to_8bit=False)
    raw = heif.info.get("exif")
    if not raw:
        return None
    if len(raw) > MAX_HEIF_EXIF:
        raise ValueError("EXIF block too large")
    data = bytes(raw)
    return data if data.startswith(b"Exif\x00\x00") else b"Exif\x00\x00" + data


def _text(value: Any) -> str | None:
    if isinstance(value, bytes):
        value = value.split(b"\x00", 1)[0].decode("utf-8", "replace")
    if not isinstance(value, str):
        return None
    value = value.strip()
    return value[:128] or None


def _ratio(value: Any) -> float:
    num, den = value
    if den == 0:
        raise ZeroDivisionError("zero denominator")
    return float(num) / float(den)


def _dms(value: Any, ref: str | None, positive: str, negative: str, limit: float) -> float:
    if ref not in (positive, negative) or not isinstance(value, tuple) or len(value) != 3:
        raise ValueError("bad GPS coordinate")
    deg = _ratio(value[0]) + _ratio(value[1]) / 60.0 + _ratio(value[2]) / 3600.0
    if not math.isfinite(deg) or deg > limit:
        raise ValueError("GPS coordinate out of range")
    return -deg if ref == negative else deg


def _datetime(raw: Any, offset: Any) -> str | None:
    text = _text(raw)
    if text is None:
        return None
    parsed = datetime.strptime(text, "%Y:%m:%d %H:%M:%S")
    out = parsed.strftime("%Y-%m-%dT%H:%M:%S")
    off = _text(offset)
    if off and len(off) == 6 and off[0] in "+-" and off[3] == ":":
        out += off
    return out


def parse_exif_block(block: bytes) -> ExifInfo:
    """Interpret one raw ``Exif\\0\\0`` block; partial results plus flags for anything invalid."""
    info = ExifInfo()
    data = piexif.load(block)
    zeroth, exif, gps = data.get("0th", {}), data.get("Exif", {}), data.get("GPS", {})
    if not (zeroth or exif or gps):
        info.flags.append(FLAG_MISSING)
        return info
    info.make = _text(zeroth.get(piexif.ImageIFD.Make))
    info.model = _text(zeroth.get(piexif.ImageIFD.Model))
    orientation = zeroth.get(piexif.ImageIFD.Orientation)
    if isinstance(orientation, int) and 1 <= orientation <= 8:
        info.orientation = orientation
    try:
        info.datetime_original = _datetime(
            exif.get(piexif.ExifIFD.DateTimeOriginal), exif.get(piexif.ExifIFD.OffsetTimeOriginal)
        )
    except (ValueError, TypeError):
        info.flags.append(FLAG_BAD_TIME)
    if piexif.GPSIFD.GPSLatitude in gps or piexif.GPSIFD.GPSLongitude in gps:
        try:
            lat_ref = _text(gps.get(piexif.GPSIFD.GPSLatitudeRef))
            lon_ref = _text(gps.get(piexif.GPSIFD.GPSLongitudeRef))
            lat = _dms(gps.get(piexif.GPSIFD.GPSLatitude), lat_ref, "N", "S", 90.0)
            lon = _dms(gps.get(piexif.GPSIFD.GPSLongitude), lon_ref, "E", "W", 180.0)
            info.lat, info.lon, info.lat_ref, info.lon_ref = lat, lon, lat_ref, lon_ref
        except (ValueError, TypeError, ZeroDivisionError):
            info.flags.append(FLAG_BAD_GPS)
    if piexif.GPSIFD.GPSAltitude in gps:
        try:
            alt = _ratio(gps[piexif.GPSIFD.GPSAltitude])
            info.altitude = -alt if gps.get(piexif.GPSIFD.GPSAltitudeRef) == 1 else alt
        except (ValueError, TypeError, ZeroDivisionError):
            info.flags.append(FLAG_BAD_GPS)
    return info


def read_exif(path: Path, content_type: str) -> ExifInfo:
    """EXIF of a stored file (JPEG or HEIC); never raises — problems come back as flags."""
    ctype = content_type.lower()
    try:
        if ctype in ("image/heic", "image/heif", "image/heic-sequence", "image/heif-sequence"):
            block = _heif_exif(path)
        else:
            with path.open("rb") as f:
                head = f.read(HEAD_SCAN_BYTES)
            if head[:2] != b"\xff\xd8":
                if ctype.startswith("image/jpeg"):
                    return ExifInfo(flags=[FLAG_UNREADABLE])
                return ExifInfo()  # not a format that carries EXIF here (video, PNG, audio…)
            block = _jpeg_exif_segment(head)
        if block is None:
            return ExifInfo(flags=[FLAG_MISSING])
        return parse_exif_block(block)
    except Exception:
        return ExifInfo(flags=[FLAG_UNREADABLE])


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine, mean Earth radius)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(min(1.0, math.sqrt(a)))


def _parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


@dataclass(slots=True)
class Comparison:
    """EXIF vs. the op's device fix and time."""

    distance_m: float | None = None
    time_skew_s: float | None = None
    flags: list[str] = field(default_factory=list)


def compare_with_device(
    info: ExifInfo,
    *,
    device_lat: float | None,
    device_lon: float | None,
    device_time: str | None,
    max_distance_m: float,
    max_skew_s: float,
) -> Comparison:
    """Distance and time skew between the photo's EXIF and the device's fix/time; beyond limits → flags.

    A camera time without an offset is read in the device time's own UTC offset.
    """
    out = Comparison()
    if info.lat is not None and info.lon is not None and device_lat is not None and device_lon is not None:
        out.distance_m = round(distance_m(info.lat, info.lon, device_lat, device_lon), 1)
        if out.distance_m > max_distance_m:
            out.flags.append(FLAG_GPS_MISMATCH)
    if info.datetime_original and device_time:
        try:
            dev = _parse_time(device_time)
            cam = _parse_time(info.datetime_original)
            if cam.tzinfo is None:
                cam = cam.replace(tzinfo=dev.tzinfo or UTC)
            if dev.tzinfo is None:
                dev = dev.replace(tzinfo=UTC)
            out.time_skew_s = round((cam - dev) / timedelta(seconds=1), 1)
            if abs(out.time_skew_s) > max_skew_s:
                out.flags.append(FLAG_TIME_SKEW)
        except ValueError:
            out.flags.append(FLAG_BAD_TIME)
    return out
