"""Table models of the foundation. API schemas live beside their domain, never here."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


class Region(SQLModel, table=True):
    """A node of the region tree (市 → 县/区)."""

    id: str = Field(primary_key=True, max_length=36)
    name: str
    parent_id: str | None = Field(default=None, foreign_key="region.id", index=True)


class Department(SQLModel, table=True):
    """An enforcement department (e.g. 嘉兴市市场监督管理局) in a region."""

    id: str = Field(primary_key=True, max_length=36)
    name: str
    case_prefix: str
    """Prefix of case numbers, e.g. 嘉市监罚 → 嘉市监罚〔2026〕17号."""
    system: str
    """Enforcement system (market, environment, transport, urban …): templates are shared per system."""
    region_id: str = Field(foreign_key="region.id", index=True)
    restrict_to_assigned: bool = False
    """Officers see only the cases they are assigned to."""


class User(SQLModel, table=True):
    """A person who signs in."""

    __tablename__ = "app_user"

    id: str = Field(primary_key=True, max_length=36)
    username: str = Field(unique=True, index=True)
    display_name: str
    password_hash: str
    role: str
    department_id: str = Field(foreign_key="department.id", index=True)
    certificate_no: str | None = None
    """Enforcement certificate number (执法证号); required for on-site acts."""
    legal_qualified: bool = False
    """Holds the national legal professional qualification (法律职业资格)."""
    active: bool = True
    created_at: str


class AuthSession(SQLModel, table=True):
    """A browser session or a bearer token; only the SHA-256 of the secret is stored."""

    token_hash: str = Field(primary_key=True, max_length=64)
    user_id: str = Field(foreign_key="app_user.id", index=True)
    kind: str
    """``cookie`` or ``bearer``."""
    csrf_token: str | None = None
    created_at: str
    expires_at: str


class AuditEvent(SQLModel, table=True):
    """Structured audit of logins, permission denials and refused sync operations."""

    id: int | None = Field(default=None, primary_key=True)
    at: str = Field(index=True)
    kind: str = Field(index=True)
    user_id: str | None = Field(default=None, index=True)
    username: str | None = Field(default=None, index=True)
    client: str | None = None
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class ProcedureTemplate(SQLModel, table=True):
    """Stages of one procedure type, shared by every department of a system."""

    id: str = Field(primary_key=True)
    """``{system}:{procedure_type}``."""
    system: str
    procedure_type: str
    kind: str
    stages: list[dict[str, Any]] = Field(sa_column=Column(JSON, nullable=False))


class DepartmentStage(SQLModel, table=True):
    """A stage a department adds to a shared template (it may add, never remove)."""

    id: str = Field(primary_key=True, max_length=36)
    department_id: str = Field(foreign_key="department.id", index=True)
    procedure_type: str
    after_stage: str
    code: str
    name: str
    required_records: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class Case(SQLModel, table=True):
    """Current state of a case: a projection of its trail, which stays the record."""

    __tablename__ = "enforcement_case"
    __table_args__ = (
        UniqueConstraint("department_id", "case_year", "case_serial", name="uq_case_number"),
        Index("ix_case_department_stage", "department_id", "stage"),
        Index("ix_case_department_updated", "department_id", "updated_at"),
    )

    id: str = Field(primary_key=True, max_length=36)
    department_id: str = Field(foreign_key="department.id", index=True)
    procedure_type: str
    procedure_kind: str
    case_no: str | None = None
    case_year: int | None = None
    case_serial: int | None = None
    cause: str
    party: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    party_text: str = ""
    """Party name and id number, for search."""
    officer_ids: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    stage: str
    is_major: bool = False
    has_unresolved_conflict: bool = False
    closed: bool = False
    records: dict[str, list[int]] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    """Form → case_seqs of the record entries present (for stage rules)."""
    field_versions: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    """Mutable field → {value, case_seq, hlc, author_id, device_time, op_id} of its last change."""
    review_approved: bool = False
    """The latest legal review opinion approves the decision (法制审核通过)."""
    open_conflicts: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    filed_at: str | None = None
    created_by: str
    created_at: str = Field(index=True)
    updated_at: str
    trail_length: int = 0
    trail_head: str = "0" * 64


class TrailEntry(SQLModel, table=True):
    """One append-only fact of a case. ``body`` is the exact RFC 8785 JSON that was hashed."""

    __tablename__ = "trail_entry"
    __table_args__ = (UniqueConstraint("case_id", "case_seq", name="uq_trail_case_seq"),)

    seq: int | None = Field(default=None, primary_key=True)
    """Global server sequence (pull cursor); equals commit order because appends are serialised."""
    case_id: str = Field(max_length=36, index=True)
    case_seq: int
    kind: str
    body: str = Field(sa_column=Column(Text, nullable=False))
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64, index=True)
    op_id: str | None = Field(default=None, max_length=36, index=True)
    device_id: str | None = Field(default=None, max_length=64)
    server_time: str


class MediaRef(SQLModel, table=True):
    """Which chains reference which media hash (filled by every append), so finding the cases of a blob
    is an index lookup, not a scan of every trail body."""

    __tablename__ = "media_ref"

    sha256: str = Field(primary_key=True, max_length=64)
    case_id: str = Field(primary_key=True, max_length=36, index=True)
    first_seq: int


# Capabilities keep their tables in their own modules; import them so metadata is complete.
from backend.db import models_media as _models_media  # noqa: E402,F401
from backend.db import models_sync as _models_sync  # noqa: E402,F401
