"""Regenerate tests/fixtures/canonical_vectors.json with Python's rfc8785 (the server's canonicaliser).

Run: ../.venv/bin/python scripts/canonical_vectors.py  (from pwa/)
"""

import json
from pathlib import Path

import rfc8785

CASES = [
    '{"b": 1, "a": 2}',
    '{"lat": 30.7467, "lon": 120.75586944444444, "accuracy": 12.5, "altitude": -3.25}',
    '{"lat": 30.123456789012, "lon": 120.0, "accuracy": 5, "n": -0.0, "tiny": 5e-7, "big": 1e21}',
    '{"x": 0.1, "y": 0.30000000000000004, "z": 1e-7, "w": 123456.789, "v": 9007199254740991}',
    '{"cause": "销售过期食品\\u2028案", "esc": "\\"\\\\/\\b\\f\\n\\r\\t\\u0001\\u001f\\u007f", "emoji": "\\ud83d\\ude00"}',
    '{"\\u00e9": 1, "e": 2, "\\ud83d\\ude00": 3, "\\uff01": 4, "A": 5, "a": [null, true, false, [], {}]}',
    '{"op_id": "0190f0e0-0000-7000-8000-000000000000", "device_seq": 42, "base_seq": 0, '
    '"payload": {"fields": {"cause": "无证经营"}}, "media": [], "location": null, '
    '"hlc": "001767225600000:00003:dev"}',
    '{"strokes": [[[10, 20, 0], [11, 22, 16]], [[30, 40, 100]]], "signed_at": "2026-01-01T00:00:00.000Z"}',
    '[1.5, 2.25, 100, 1e+300, 4.35, 0.000001, 0.0000001, 1234567890123456]',
]

out = [{"input": c, "canonical": rfc8785.dumps(json.loads(c)).decode("utf-8")} for c in CASES]
path = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "canonical_vectors.json"
path.parent.mkdir(parents=True, exist_ok=True)
path.write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
print(f"wrote {len(out)} vectors to {path}")
