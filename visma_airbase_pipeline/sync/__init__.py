"""Sync steps: each asset calls one function here (Dagster-free; tested against the sandboxes)."""
