"""The two halves of a seeded company: what Visma holds and what Airbase holds before any sync.

Records are plain dicts in each API's *read* shape (Visma camelCase with ``Decimal`` numbers,
Airbase snake_case with decimal strings), so a sandbox server can store and serve them as they
are; server-side bookkeeping (``timeStamp``, ``metadata``) is added by the server's store.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

Record = dict[str, Any]


@dataclass
class VismaSeed:
    """The Visma.net ERP company: reference data, suppliers and the purchasing/AP documents."""

    company_id: str
    tenant_id: str
    company_name: str
    base_currency: str
    accounts: list[Record]
    dimensions: list[Record]
    subaccounts: list[Record]
    vat_codes: list[Record]
    warehouses: list[Record]
    suppliers: list[Record]
    purchase_orders: list[Record]
    purchase_receipts: list[Record]
    supplier_invoices: list[Record]


@dataclass
class AirbaseSeed:
    """Airbase's initial state: the subsidiary, currencies and what users created in Airbase."""

    subsidiaries: list[Record]
    currencies: list[Record]
    vendors: list[Record]
    tags: list[Record]
    employees: list[Record]
    ledger_entries: list[Record]
