"""A short, human summary of what a running sandbox pair holds: what `make demo` prints first."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any

from visma_airbase_pipeline.sandbox.admin_client import SandboxAdmin


def _state(base_url: str, collection: str) -> list[dict[str, Any]]:
    with SandboxAdmin(base_url) as admin:
        return admin.state(collection)


def _counts(records: list[dict[str, Any]], key: str) -> str:
    tally = Counter(str(r.get(key)) for r in records)
    return ", ".join(f"{name} {count}" for name, count in tally.most_common())


def summarize(visma_url: str, airbase_url: str) -> list[tuple[str, str]]:
    """(label, figures) rows describing the seeded company on both sides, read over HTTP."""
    suppliers = _state(visma_url, "supplier")
    invoices = _state(visma_url, "supplierInvoice")
    orders = _state(visma_url, "purchaseorder")
    receipts = _state(visma_url, "PurchaseReceipt")
    accounts = _state(visma_url, "account")
    subaccounts = _state(visma_url, "subaccount")
    open_ap: dict[str, Decimal] = {}
    for invoice in invoices:
        if invoice.get("status") == "Open":
            currency = str(invoice.get("currencyId"))
            open_ap[currency] = open_ap.get(currency, Decimal(0)) + Decimal(invoice.get("balance") or 0)
    vendors = _state(airbase_url, "vendors")
    bills = _state(airbase_url, "bills")
    entries = _state(airbase_url, "ledger_entries")
    return [
        ("Visma suppliers", f"{len(suppliers)} ({_counts(suppliers, 'currencyId')})"),
        ("Visma supplier invoices", f"{len(invoices)} ({_counts(invoices, 'status')})"),
        ("  by document type", _counts(invoices, "documentType")),
        ("  open AP balance", ", ".join(f"{c} {v:,.2f}" for c, v in sorted(open_ap.items()))),
        ("Visma purchase orders", f"{len(orders)} ({_counts(orders, 'status')})"),
        ("Visma purchase receipts", f"{len(receipts)} ({_counts(receipts, 'status')})"),
        ("Visma GL accounts", f"{len(accounts)} ({_counts(accounts, 'type')})"),
        ("Visma cost centres", str(len(subaccounts))),
        (
            "Airbase vendors",
            f"{len(vendors)} ({sum(1 for v in vendors if not v.get('erp_reference_id'))} without ERP id)",
        ),
        ("Airbase bills", str(len(bills))),
        ("Airbase ledger entries", f"{len(entries)} ({_counts(entries, 'type')})"),
    ]
