"""Tables of the media capability: verified blobs, unfinished tus uploads, ingests (body-camera lag)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index
from sqlmodel import Field, SQLModel


class MediaBlob(SQLModel, table=True):
    """A verified original in the blob store (stored once per SHA-256, never changed)."""

    __tablename__ = "media_blob"

    sha256: str = Field(primary_key=True, max_length=64)
    size: int = Field(sa_column=Column(BigInteger, nullable=False))
    content_type: str = Field(max_length=100)
    filename: str = Field(max_length=255)
    """Sanitised display name of the first upload (storage is by hash only)."""
    exif: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    flags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_by: str = Field(max_length=36)
    created_at: str
    thumb: bool = False
    """A thumbnail derivative exists."""


class MediaUpload(SQLModel, table=True):
    """An unfinished tus upload; the bytes so far are in ``<data_dir>/uploads/<id>.part``."""

    __tablename__ = "media_upload"
    __table_args__ = (Index("ix_media_upload_expires", "expires_at"),)

    id: str = Field(primary_key=True, max_length=32)
    case_id: str = Field(max_length=36, index=True)
    user_id: str = Field(max_length=36, index=True)
    sha256: str = Field(max_length=64)
    filename: str = Field(max_length=255)
    content_type: str = Field(max_length=100)
    length: int = Field(sa_column=Column(BigInteger, nullable=False))
    offset: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    metadata_header: str = ""
    """The client's Upload-Metadata, echoed on HEAD."""
    bodycam_id: str | None = Field(default=None, max_length=64)
    recording_ended_at: str | None = None
    created_at: str
    updated_at: str
    expires_at: str


class MediaIngest(SQLModel, table=True):
    """One verified arrival of a blob for a case (who, when; body-camera lag for the compliance figures)."""

    __tablename__ = "media_ingest"
    __table_args__ = (Index("ix_media_ingest_sha_case", "sha256", "case_id"),)

    id: int | None = Field(default=None, primary_key=True)
    sha256: str = Field(max_length=64, index=True)
    case_id: str = Field(max_length=36, index=True)
    user_id: str = Field(max_length=36, index=True)
    uploaded_at: str
    entry_seq: int | None = None
    """Global seq of the ``media_verified`` entry."""
    bodycam_id: str | None = Field(default=None, max_length=64, index=True)
    recording_ended_at: str | None = None
    upload_lag_seconds: int | None = None
    """Seconds from the end of the recording to the verified upload (rule: ≤ 24 h)."""
    bodycam_late: bool = False
