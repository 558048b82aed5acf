"""Dagster connector between Visma.net ERP and Airbase."""

__version__ = "0.1.0"
