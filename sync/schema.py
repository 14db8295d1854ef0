"""Publish the op JSON Schema: ``python -m sync.schema`` rewrites ``sync/op.schema.json``."""

from __future__ import annotations

import json
from pathlib import Path

from sync.op import OP_SCHEMA

SCHEMA_PATH = Path(__file__).with_name("op.schema.json")


def render() -> str:
    """The schema file's text."""
    return json.dumps(OP_SCHEMA, indent=2, ensure_ascii=False) + "\n"


def main() -> None:
    SCHEMA_PATH.write_text(render(), encoding="utf-8")


if __name__ == "__main__":
    main()
