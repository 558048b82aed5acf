"""Deterministic seeded company for the local Visma and Airbase sandboxes.

``seed_company(seed, invoices, today)`` returns a ``VismaSeed`` (read-shape records of Nordic
Trade AB: chart of accounts, cost centres, VAT codes, warehouses, suppliers, purchase orders,
receipts and supplier invoices) and an ``AirbaseSeed`` (Airbase's state before the first sync).
"""

from .company import seed_company
from .model import AirbaseSeed, VismaSeed

__all__ = ["AirbaseSeed", "VismaSeed", "seed_company"]
