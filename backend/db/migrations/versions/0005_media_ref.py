"""Index of media hashes referenced by each chain (replaces scanning trail bodies), backfilled.

Revision ID: 0005_media_ref
Revises: 0004_case_list_index
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0005_media_ref"
down_revision = "0004_case_list_index"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "media_ref",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("first_seq", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("sha256", "case_id"),
    )
    op.create_index("ix_media_ref_case_id", "media_ref", ["case_id"])
    bind = op.get_bind()
    seen: set[tuple[str, str]] = set()
    rows = bind.execute(sa.text("SELECT seq, case_id, body FROM trail_entry ORDER BY seq"))
    refs = []
    for seq, case_id, body in rows:
        for digest in json.loads(body).get("media") or []:
            if (digest, case_id) not in seen:
                seen.add((digest, case_id))
                refs.append({"sha256": digest, "case_id": case_id, "first_seq": seq})
    if refs:
        bind.execute(
            sa.text("INSERT INTO media_ref (sha256, case_id, first_seq) VALUES (:sha256, :case_id, :first_seq)"),
            refs,
        )


def downgrade() -> None:
    op.drop_index("ix_media_ref_case_id", table_name="media_ref")
    op.drop_table("media_ref")
