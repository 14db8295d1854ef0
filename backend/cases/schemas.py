"""API schemas for cases; never table rows."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from backend.procedures.templates import PROCEDURE_TYPES

ProcedureType = Literal[
    "administrative_penalty",
    "administrative_coercion",
    "administrative_levy",
    "administrative_licensing",
    "administrative_confirmation",
    "administrative_adjudication",
]
assert set(ProcedureType.__args__) == set(PROCEDURE_TYPES)  # type: ignore[attr-defined]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Party(Strict):
    """当事人."""

    type: Literal["person", "organisation"]
    name: str = Field(min_length=1, max_length=200)
    id_no: str | None = Field(default=None, max_length=64)
    address: str | None = Field(default=None, max_length=500)
    contact: str | None = Field(default=None, max_length=100)


class CaseCreate(Strict):
    """Open a case; the id is generated on the device so it can be opened offline."""

    id: uuid.UUID
    procedure_type: ProcedureType
    cause: str = Field(min_length=1, max_length=1000)
    party: Party
    officer_ids: list[uuid.UUID] = Field(default_factory=list, max_length=20)
    is_major: bool = False


class EntryCreate(Strict):
    """Append one entry online (API clients); the same rules as a synced op."""

    kind: str = Field(min_length=1, max_length=64)
    payload: dict[str, Any] = Field(default_factory=dict)
    media: list[str] = Field(default_factory=list, max_length=100)
    location: dict[str, Any] | None = None
    base_seq: int | None = Field(default=None, ge=0)


class LoginRequest(Strict):
    username: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=1, max_length=1000)
