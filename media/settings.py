"""Media settings, read from ``LIUHEN_*`` environment variables (one small dataclass for this area)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw not in (None, "") else default


def _env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    return float(raw) if raw not in (None, "") else default


@dataclass(frozen=True, slots=True)
class MediaSettings:
    """Everything the media layer needs to know; built by ``from_env`` or by tests directly."""

    data_dir: Path
    """Data directory; local blobs live under ``media/`` and partial uploads under ``uploads/``."""
    media_url: str = ""
    """``file://…`` (default: ``<data_dir>/media``) or ``s3://bucket/prefix``."""
    max_upload_bytes: int = 4 * 1024**3
    """Largest accepted upload (tus ``Tus-Max-Size``); larger is refused with 413."""
    upload_expiry_seconds: int = 7 * 24 * 3600
    """An unfinished upload untouched for this long expires (tus expiration extension)."""
    gps_mismatch_metres: float = 200.0
    """EXIF GPS farther than this from the op's device fix is flagged."""
    time_skew_seconds: float = 600.0
    """EXIF DateTimeOriginal further than this from the op's device time is flagged."""
    bodycam_max_lag_seconds: int = 24 * 3600
    """Body-camera footage must be uploaded within this long after the recording ended."""
    exif_timeout_seconds: float = 5.0
    """EXIF reading gives up after this long (broken files must never hang a request)."""
    thumb_size: int = 320
    """Longest edge of a thumbnail, in pixels."""
    s3_endpoint_url: str | None = None
    """S3-compatible endpoint (``LIUHEN_S3_ENDPOINT_URL``); None means AWS."""
    s3_access_key: str | None = field(default=None, repr=False)
    """``LIUHEN_S3_ACCESS_KEY``."""
    s3_secret_key: str | None = field(default=None, repr=False)
    """``LIUHEN_S3_SECRET_KEY``."""
    s3_region: str = "us-east-1"
    """``LIUHEN_S3_REGION``."""

    @property
    def uploads_dir(self) -> Path:
        """Where partial tus uploads live (always on the local disk of this instance)."""
        return self.data_dir / "uploads"

    @classmethod
    def from_env(
        cls, *, data_dir: Path, media_url: str = "", max_upload_bytes: int | None = None
    ) -> MediaSettings:
        """Read the media ``LIUHEN_*`` variables; data dir, media URL and size limit come from Settings."""
        return cls(
            data_dir=data_dir,
            media_url=media_url,
            max_upload_bytes=max_upload_bytes or _env_int("LIUHEN_MAX_UPLOAD_BYTES", 4 * 1024**3),
            upload_expiry_seconds=_env_int("LIUHEN_UPLOAD_EXPIRY_SECONDS", 7 * 24 * 3600),
            gps_mismatch_metres=_env_float("LIUHEN_GPS_MISMATCH_METRES", 200.0),
            time_skew_seconds=_env_float("LIUHEN_TIME_SKEW_SECONDS", 600.0),
            bodycam_max_lag_seconds=_env_int("LIUHEN_BODYCAM_MAX_LAG_SECONDS", 24 * 3600),
            s3_endpoint_url=os.environ.get("LIUHEN_S3_ENDPOINT_URL") or None,
            s3_access_key=os.environ.get("LIUHEN_S3_ACCESS_KEY") or None,
            s3_secret_key=os.environ.get("LIUHEN_S3_SECRET_KEY") or None,
            s3_region=os.environ.get("LIUHEN_S3_REGION") or "us-east-1",
        )
