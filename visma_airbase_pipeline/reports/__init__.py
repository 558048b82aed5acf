"""Operator reports built from both systems and the ledger (no Dagster)."""
