"""The fast canonical-JSON path gives exactly the bytes of the RFC 8785 reference implementation."""

from __future__ import annotations

from typing import Any

import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from sync.canonical import canonical_json

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53), max_value=2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=8), children, max_size=5)
    ),
    max_leaves=30,
)


@settings(max_examples=400, deadline=None)
@given(json_values)
def test_fast_path_matches_rfc8785_reference(value: Any) -> None:
    try:
        expected = rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, ValueError, TypeError):
        return
    assert canonical_json(value) == expected


def test_known_differences_between_python_and_jcs_are_handled() -> None:
    cases = {
        "integral float": {"lat": 30.0},
        "tiny float": {"x": 1.5e-7},
        "huge float": {"x": 1e21},
        "astral key order": {"\U0001f600": 1, "\ufb01": 2},
        "control chars": {"t": 'a\u0001\n\t"\\'},
        "gps": {"lat": 30.754321, "lon": 120.758812, "accuracy": 12.5},
        "2**53 as float": [9007199254740992.0, 2.0**53 - 1, 5.213146674506711e16],
        "boundaries": [1e-4, 9.999e-5, 1e16, 9999999999999998.0, 0.5e16],
    }
    for name, value in cases.items():
        assert canonical_json(value) == rfc8785.dumps(value), name
