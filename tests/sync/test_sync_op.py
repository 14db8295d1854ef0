"""The op schema: validation, the published JSON Schema, and the canonical form."""

from __future__ import annotations

import copy
import json
from typing import Any

import jsonschema
import pytest
from synchelp import Device, new_uuid7

from sync.canonical import CanonicalError, canonical_json
from sync.op import OP_SCHEMA, OpInvalid, parse_op
from sync.schema import SCHEMA_PATH, render

CASE = "0197f000-0000-7000-8000-000000000001"


def good_op() -> dict[str, Any]:
    return Device().op(
        CASE,
        "note",
        {"text": "现场检查开始"},
        media=["a" * 64],
        location={"lat": 30.75, "lon": 120.76, "accuracy": 8.5, "source": "gps"},
    )


def test_published_schema_file_is_current() -> None:
    assert SCHEMA_PATH.read_text(encoding="utf-8") == render()
    jsonschema.Draft202012Validator.check_schema(OP_SCHEMA)


def test_valid_op_parses_and_matches_the_json_schema() -> None:
    raw = good_op()
    op = parse_op(raw)
    assert op.to_json() == raw
    jsonschema.validate(raw, OP_SCHEMA)


BAD: list[tuple[str, Any]] = [
    ("op_id", str(__import__("uuid").uuid4())),  # v4, not v7
    ("op_id", new_uuid7().upper()),
    ("device_id", "not-a-uuid"),
    ("device_seq", 0),
    ("device_seq", True),
    ("device_seq", 2**53),
    ("device_seq", 1.5),
    ("base_seq", -1),
    ("case_id", 7),
    ("kind", "Note"),
    ("kind", ""),
    ("payload", []),
    ("media", ["A" * 64]),
    ("media", ["a" * 64, "a" * 64]),
    ("media", "a" * 64),
    ("device_time", "2026-01-01 08:00:00"),
    ("device_time", "2026-01-01T08:00:00"),
    ("hlc", "12:3:x"),
    ("location", {"lat": 91, "lon": 0}),
    ("location", {"lat": 30}),
    ("location", {"lat": 30, "lon": 120, "accuracy": -1}),
    ("location", "here"),
    ("signature", "abc"),
]


@pytest.mark.parametrize(("field", "value"), BAD)
def test_schema_violations_are_refused_by_both_validators(field: str, value: Any) -> None:
    raw = good_op()
    raw[field] = value
    with pytest.raises(OpInvalid) as info:
        parse_op(raw)
    assert info.value.field == field
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(raw, OP_SCHEMA)


def test_integral_float_is_an_integer_as_in_json() -> None:
    raw = good_op()
    as_float = parse_op({**raw, "device_seq": 1.0})
    assert as_float.device_seq == 1
    assert as_float.signing_bytes() == parse_op(raw).signing_bytes()


def test_missing_and_unknown_members_are_refused() -> None:
    raw = good_op()
    del raw["hlc"]
    with pytest.raises(OpInvalid, match="hlc"):
        parse_op(raw)
    raw = good_op()
    raw["extra"] = 1
    with pytest.raises(OpInvalid, match="extra"):
        parse_op(raw)
    with pytest.raises(OpInvalid):
        parse_op([raw])


def test_payload_beyond_safe_integers_is_refused() -> None:
    raw = good_op()
    raw["payload"] = {"n": 2**60}
    with pytest.raises(OpInvalid, match="payload"):
        parse_op(raw)


def test_canonical_form_is_rfc8785() -> None:
    assert canonical_json({"b": 1.0, "a": ["中", 1e21, None]}) == '{"a":["中",1e+21,null],"b":1}'.encode()
    with pytest.raises(CanonicalError):
        canonical_json(float("nan"))


def test_signing_bytes_exclude_the_signature_and_ignore_member_order() -> None:
    raw = good_op()
    op = parse_op(raw)
    shuffled = dict(reversed(list(copy.deepcopy(raw).items())))
    assert parse_op(shuffled).signing_bytes() == op.signing_bytes()
    assert b"signature" not in op.signing_bytes()
    assert json.loads(op.signing_bytes()) == {k: v for k, v in raw.items() if k != "signature"}
