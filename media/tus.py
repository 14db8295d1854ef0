"""tus 1.0 protocol rules (core, creation, checksum, termination, expiration) as plain functions.

No HTTP framework here: the handlers pass header values in and turn ``TusError`` into responses.
"""

from __future__ import annotations

import base64
import binascii
import re
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime

TUS_VERSION = "1.0.0"
TUS_EXTENSIONS = "creation,checksum,termination,expiration"
CHECKSUM_ALGORITHMS = "sha256,sha1"
_DIGEST_SIZES = {"sha256": 32, "sha1": 20}  # sha1: the one algorithm tus requires servers to support
OFFSET_CONTENT_TYPE = "application/offset+octet-stream"

_SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")
_META_KEY = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")
_CTYPE = re.compile(r"^[a-z0-9][a-z0-9.+\-]*/[a-z0-9][a-z0-9.+\-]*$")
_ID = re.compile(r"^[0-9a-f]{32}$")
MAX_METADATA_HEADER = 8 * 1024


class TusError(Exception):
    """A protocol-level refusal with its HTTP status and a stable code."""

    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail


def check_version(value: str | None) -> None:
    """Every request but OPTIONS must carry ``Tus-Resumable: 1.0.0`` (412 otherwise)."""
    if value != TUS_VERSION:
        raise TusError(412, "tus_version", f"Tus-Resumable {TUS_VERSION} required")


def parse_metadata(header: str | None) -> dict[str, str]:
    """``Upload-Metadata``: comma-separated ``key base64value`` pairs (value may be absent)."""
    if not header:
        return {}
    if len(header) > MAX_METADATA_HEADER:
        raise TusError(400, "metadata_too_large", "Upload-Metadata too large")
    out: dict[str, str] = {}
    for pair in header.split(","):
        parts = pair.strip().split(" ")
        if not parts[0] or len(parts) > 2 or not _META_KEY.match(parts[0]):
            raise TusError(400, "metadata_invalid", "malformed Upload-Metadata")
        key = parts[0]
        if key in out:
            raise TusError(400, "metadata_invalid", f"duplicate metadata key {key!r}")
        try:
            value = base64.b64decode(parts[1], validate=True).decode("utf-8") if len(parts) == 2 else ""
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise TusError(400, "metadata_invalid", f"metadata {key!r} is not base64 UTF-8") from exc
        out[key] = value
    return out


@dataclass(frozen=True, slots=True)
class Checksum:
    """A per-PATCH ``Upload-Checksum`` (transport integrity; the content itself is identified by SHA-256)."""

    algorithm: str
    digest: bytes


def parse_checksum(header: str | None) -> Checksum | None:
    """``Upload-Checksum: <sha256|sha1> <base64 digest>``; other algorithms are a 400 (tus checksum)."""
    if header is None:
        return None
    algo, _, b64 = header.strip().partition(" ")
    algo = algo.lower()
    if algo not in _DIGEST_SIZES:
        raise TusError(400, "checksum_algorithm", f"checksum algorithms supported: {CHECKSUM_ALGORITHMS}")
    try:
        digest = base64.b64decode(b64.strip(), validate=True)
    except binascii.Error as exc:
        raise TusError(400, "checksum_invalid", "Upload-Checksum is not base64") from exc
    if len(digest) != _DIGEST_SIZES[algo]:
        raise TusError(400, "checksum_invalid", f"{algo} digest must be {_DIGEST_SIZES[algo]} bytes")
    return Checksum(algo, digest)


def parse_non_negative_int(value: str | None, name: str) -> int:
    """Header integers (Upload-Length, Upload-Offset): digits only."""
    if value is None or not value.isdigit() or len(value) > 19:
        raise TusError(400, "header_invalid", f"{name} must be a non-negative integer")
    return int(value)


def sanitize_filename(name: str) -> str:
    """A display-only filename: last path component, no control or separator characters, bounded length.

    Storage is by hash only; this name is shown to people and put in Content-Disposition.
    """
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C" and ch not in '<>:"|?*')
    name = name.strip(" .")
    if len(name) > 200:
        stem, dot, ext = name.rpartition(".")
        name = (stem[:190] + dot + ext[:9]) if dot and len(ext) <= 9 else name[:200]
    return name or "evidence"


@dataclass(frozen=True, slots=True)
class UploadRequest:
    """What a valid tus creation request declares."""

    length: int
    sha256: str
    filename: str
    content_type: str
    case_id: uuid.UUID
    bodycam_id: str | None
    recording_ended_at: datetime | None


def parse_creation(
    *, upload_length: str | None, defer_length: str | None, metadata: str | None, max_size: int
) -> UploadRequest:
    """Validate a creation POST: length within the limit (413), the metadata keys we need (400)."""
    if defer_length is not None:
        raise TusError(400, "defer_length_unsupported", "Upload-Defer-Length is not supported")
    length = parse_non_negative_int(upload_length, "Upload-Length")
    if length > max_size:
        raise TusError(413, "upload_too_large", f"upload of {length} bytes exceeds the limit of {max_size}")
    meta = parse_metadata(metadata)
    sha = meta.get("sha256", "").strip().lower()
    if not _SHA256_HEX.match(sha):
        raise TusError(400, "sha256_required", "Upload-Metadata sha256 must be a hex SHA-256")
    try:
        case_id = uuid.UUID(meta.get("case_id", ""))
    except ValueError as exc:
        raise TusError(400, "case_id_required", "Upload-Metadata case_id must be a UUID") from exc
    ctype = meta.get("content_type", "application/octet-stream").strip().lower() or "application/octet-stream"
    if not _CTYPE.match(ctype) or len(ctype) > 100:
        raise TusError(400, "content_type_invalid", "Upload-Metadata content_type is not a media type")
    bodycam = meta.get("bodycam_id", "").strip() or None
    if bodycam is not None and (len(bodycam) > 64 or not bodycam.isprintable()):
        raise TusError(400, "bodycam_id_invalid", "bodycam_id must be printable and at most 64 characters")
    ended: datetime | None = None
    if meta.get("recording_ended_at"):
        try:
            ended = datetime.fromisoformat(meta["recording_ended_at"].replace("Z", "+00:00"))
        except ValueError as exc:
            raise TusError(400, "recording_ended_at_invalid", "recording_ended_at must be RFC 3339") from exc
        if ended.tzinfo is None:
            raise TusError(400, "recording_ended_at_invalid", "recording_ended_at needs a UTC offset")
    if (bodycam is None) != (ended is None):
        raise TusError(400, "bodycam_incomplete", "bodycam_id and recording_ended_at go together")
    return UploadRequest(
        length=length,
        sha256=sha,
        filename=sanitize_filename(meta.get("filename", "")),
        content_type=ctype,
        case_id=case_id,
        bodycam_id=bodycam,
        recording_ended_at=ended,
    )


def check_upload_id(value: str) -> str:
    """Upload ids are server-made 32-hex strings; anything else is simply not found."""
    if not _ID.match(value):
        raise TusError(404, "upload_not_found", "no such upload")
    return value


def new_upload_id() -> str:
    """A fresh unguessable upload id."""
    return uuid.uuid4().hex


def http_date(moment: datetime) -> str:
    """RFC 9110 date, as tus wants for ``Upload-Expires``."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return format_datetime(moment.astimezone(UTC), usegmt=True)
