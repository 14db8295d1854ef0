"""Liuhen (留痕) backend: the system of record for case trails."""
