"""The case trail: append-only, hash-chained entries."""
