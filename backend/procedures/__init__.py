"""Procedure templates (data) and the pure rules that validate stage transitions and records."""
