"""HTTP endpoints of the sync capability."""

from __future__ import annotations

from typing import Any

ROUTES: list[Any] = []
