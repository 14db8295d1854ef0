"""The sync protocol as pure Python: op schema, canonical form, signatures, HLC, merge and push rules."""
