"""RFC 8785 (JCS) canonical JSON: the exact bytes that are signed and hashed."""

from __future__ import annotations

from typing import Any

import rfc8785


class CanonicalError(ValueError):
    """The value cannot be canonicalised (NaN, infinity, integer beyond 2**53, non-JSON type)."""


def canonical_json(value: Any) -> bytes:
    """The RFC 8785 canonical UTF-8 bytes of a JSON value."""
    try:
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as exc:
        raise CanonicalError(str(exc)) from exc
