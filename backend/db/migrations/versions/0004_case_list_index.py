"""Index for the case list: cases of a department, most recently changed first.

Revision ID: 0004_case_list_index
Revises: 0003_media
"""

from __future__ import annotations

from alembic import op

revision = "0004_case_list_index"
down_revision = "0003_media"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_case_department_updated", "enforcement_case", ["department_id", "updated_at"])


def downgrade() -> None:
    op.drop_index("ix_case_department_updated", table_name="enforcement_case")
