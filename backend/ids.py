"""The one id generator: UUIDv7 (time-ordered), as the PWA generates them."""

from __future__ import annotations

import uuid

import uuid_utils


def uuid7() -> uuid.UUID:
    """A new time-ordered UUID."""
    return uuid.UUID(str(uuid_utils.uuid7()))
