"""Deterministic demo-data generator writing the raw-data contract (events, users, items)."""
