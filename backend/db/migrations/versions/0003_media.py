"""media capability tables (blobs, uploads, ingests)

Revision ID: 0003_media
Revises: 0002_sync
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_media"
down_revision = "0002_sync"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "media_blob",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("exif", sa.JSON(), nullable=False),
        sa.Column("flags", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.String(), nullable=False),
        sa.Column("thumb", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("sha256"),
    )
    op.create_table(
        "media_upload",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("length", sa.BigInteger(), nullable=False),
        sa.Column("offset", sa.BigInteger(), nullable=False),
        sa.Column("metadata_header", sa.String(), nullable=False),
        sa.Column("bodycam_id", sa.String(length=64), nullable=True),
        sa.Column("recording_ended_at", sa.String(), nullable=True),
        sa.Column("created_at", sa.String(), nullable=False),
        sa.Column("updated_at", sa.String(), nullable=False),
        sa.Column("expires_at", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_media_upload_case_id", "media_upload", ["case_id"])
    op.create_index("ix_media_upload_user_id", "media_upload", ["user_id"])
    op.create_index("ix_media_upload_expires", "media_upload", ["expires_at"])
    op.create_table(
        "media_ingest",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("uploaded_at", sa.String(), nullable=False),
        sa.Column("entry_seq", sa.Integer(), nullable=True),
        sa.Column("bodycam_id", sa.String(length=64), nullable=True),
        sa.Column("recording_ended_at", sa.String(), nullable=True),
        sa.Column("upload_lag_seconds", sa.Integer(), nullable=True),
        sa.Column("bodycam_late", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_media_ingest_sha256", "media_ingest", ["sha256"])
    op.create_index("ix_media_ingest_case_id", "media_ingest", ["case_id"])
    op.create_index("ix_media_ingest_user_id", "media_ingest", ["user_id"])
    op.create_index("ix_media_ingest_bodycam_id", "media_ingest", ["bodycam_id"])
    op.create_index("ix_media_ingest_sha_case", "media_ingest", ["sha256", "case_id"])


def downgrade() -> None:
    op.drop_table("media_ingest")
    op.drop_table("media_upload")
    op.drop_table("media_blob")
