"""media capability tables (blobs, uploads, derivatives)

Revision ID: 0003_media
Revises: 0002_sync
"""

from __future__ import annotations

revision = "0003_media"
down_revision = "0002_sync"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
