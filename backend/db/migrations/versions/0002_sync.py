"""sync capability tables (devices, their keys, per-op answers, quarantine chains)

Revision ID: 0002_sync
Revises: 0001_foundation
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_sync"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_device",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=True),
        sa.Column("registered_at", sa.String(), nullable=False),
        sa.Column("last_acked_seq", sa.Integer(), nullable=False),
        sa.Column("last_push_at", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_sync_device_user_id", "sync_device", ["user_id"])
    op.create_table(
        "sync_device_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.String(length=36), nullable=False),
        sa.Column("public_key", sa.Text(), nullable=False),
        sa.Column("registered_at", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(["device_id"], ["sync_device.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("device_id", "public_key", name="uq_sync_device_key"),
    )
    op.create_index("ix_sync_device_key_device_id", "sync_device_key", ["device_id"])
    op.create_table(
        "sync_op_result",
        sa.Column("device_id", sa.String(length=36), nullable=False),
        sa.Column("device_seq", sa.Integer(), nullable=False),
        sa.Column("op_id", sa.String(length=36), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("case_seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(), nullable=True),
        sa.Column("code", sa.String(), nullable=True),
        sa.Column("answered_at", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("device_id", "device_seq"),
    )
    op.create_index("ix_sync_op_result_op_id", "sync_op_result", ["op_id"])
    op.create_table(
        "sync_quarantine",
        sa.Column("chain_id", sa.String(length=36), nullable=False),
        sa.Column("device_id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(), nullable=False),
        sa.Column("department_id", sa.String(length=36), nullable=False),
        sa.Column("trail_length", sa.Integer(), nullable=False),
        sa.Column("trail_head", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(["device_id"], ["sync_device.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("chain_id"),
        sa.UniqueConstraint("device_id"),
    )
    op.create_index("ix_sync_quarantine_user_id", "sync_quarantine", ["user_id"])
    op.create_index("ix_sync_quarantine_department_id", "sync_quarantine", ["department_id"])


def downgrade() -> None:
    op.drop_table("sync_quarantine")
    op.drop_table("sync_op_result")
    op.drop_table("sync_device_key")
    op.drop_table("sync_device")
