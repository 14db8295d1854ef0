"""Tables of the sync capability: devices, their keys, per-op answers and quarantine chains."""

from __future__ import annotations

from sqlalchemy import Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


class Device(SQLModel, table=True):
    """A phone or tablet that pushes ops for one user; ``last_acked_seq`` is its answered prefix."""

    __tablename__ = "sync_device"

    id: str = Field(primary_key=True, max_length=36)
    user_id: str = Field(foreign_key="app_user.id", index=True)
    label: str | None = Field(default=None, max_length=200)
    registered_at: str
    last_acked_seq: int = 0
    last_push_at: str | None = None


class DeviceKey(SQLModel, table=True):
    """A public key registered for a device (re-login may add a key; old ops still verify)."""

    __tablename__ = "sync_device_key"
    __table_args__ = (UniqueConstraint("device_id", "public_key", name="uq_sync_device_key"),)

    id: int | None = Field(default=None, primary_key=True)
    device_id: str = Field(foreign_key="sync_device.id", index=True, max_length=36)
    public_key: str = Field(sa_type=Text)
    """Base64 SPKI DER of the ECDSA P-256 key, as registered."""
    registered_at: str


class SyncOpResult(SQLModel, table=True):
    """The stored answer for one device sequence: retries get exactly this back."""

    __tablename__ = "sync_op_result"
    __table_args__ = (Index("ix_sync_op_result_op_id", "op_id"),)

    device_id: str = Field(primary_key=True, max_length=36)
    device_seq: int = Field(primary_key=True)
    op_id: str = Field(max_length=36)
    status: str
    seq: int
    """Global sequence of the trail entry holding the op."""
    case_id: str = Field(max_length=36)
    """Chain of that entry: the op's case, or the device's quarantine chain."""
    case_seq: int
    hash: str = Field(max_length=64)
    reason: str | None = None
    code: str | None = None
    answered_at: str


class QuarantineChain(SQLModel, table=True):
    """A per-device chain for rejected ops whose case the pusher may not see (or that does not exist).

    Its entries live in ``trail_entry`` like any case's, under ``chain_id``; this row holds the head.
    """

    __tablename__ = "sync_quarantine"

    chain_id: str = Field(primary_key=True, max_length=36)
    device_id: str = Field(foreign_key="sync_device.id", unique=True, max_length=36)
    user_id: str = Field(foreign_key="app_user.id", index=True)
    department_id: str = Field(max_length=36, index=True)
    trail_length: int = 0
    trail_head: str = Field(default="0" * 64, max_length=64)
    created_at: str
