"""What a case command did."""

from __future__ import annotations

from dataclasses import dataclass

from backend.db.models import Case, TrailEntry


@dataclass
class CommandResult:
    """What a command did: ``applied``, ``merged`` or ``conflict``, and the entry it appended."""

    status: str
    entry: TrailEntry
    case: Case
