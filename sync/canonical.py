"""RFC 8785 (JCS) canonical JSON: the exact bytes that are signed and hashed.

The reference implementation (``rfc8785``) is pure Python and was the largest single cost of sync ingest.
For the values Liuhen actually hashes, the C JSON encoder with sorted keys produces the same bytes, so a
fast path uses it whenever that is provably so, and falls back to ``rfc8785`` otherwise:

* floats: ES6 ``Number.toString`` and Python ``repr`` agree for 1e-4 ≤ |x| < 1e16 (both shortest
  round-trip, fixed notation); integral floats below 2**53 print like integers in JCS, so they are
  converted to int;
* keys: JCS sorts by UTF-16 code units, Python by code points — they differ only when a key holds a
  character at or above U+D800, which sends the value down the fallback;
* strings: both escape ``"``, ``\\`` and control characters the same way (short forms, lowercase ``\\u00xx``).

A property test (tests/sync/test_sync_canonical.py) checks the two paths give identical bytes.
"""

from __future__ import annotations

import json
import re
from typing import Any

import rfc8785

_MAX_SAFE = 2**53
_AT_OR_ABOVE_D800 = re.compile("[\ud800-\U0010ffff]")
_encode = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False).encode


class CanonicalError(ValueError):
    """The value cannot be canonicalised (NaN, infinity, integer beyond 2**53, non-JSON type)."""


class _Fallback(Exception):
    pass


def _prepare(value: Any) -> Any:
    """A copy safe for the C encoder, or raise _Fallback."""
    if isinstance(value, str) or value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        if -_MAX_SAFE <= value <= _MAX_SAFE:
            return value
        raise _Fallback
    if isinstance(value, float):
        if value.is_integer():
            # Below 2**53 the shortest round-trip digits are the integer's own; above, JCS pads
            # shortest digits with zeros, which the reference implementation handles.
            if abs(value) < _MAX_SAFE:
                return int(value)
            raise _Fallback
        if 1e-4 <= abs(value) < 1e16:
            return value
        raise _Fallback
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if not isinstance(key, str) or _AT_OR_ABOVE_D800.search(key):
                raise _Fallback
            out[key] = _prepare(item)
        return out
    if isinstance(value, list | tuple):
        return [_prepare(item) for item in value]
    raise _Fallback


def canonical_json(value: Any) -> bytes:
    """The RFC 8785 canonical UTF-8 bytes of a JSON value."""
    try:
        return _encode(_prepare(value)).encode("utf-8")
    except (_Fallback, UnicodeEncodeError, ValueError):
        pass
    try:
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as exc:
        raise CanonicalError(str(exc)) from exc
