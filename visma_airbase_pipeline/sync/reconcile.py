"""Reconcile a window: the bills Airbase actually holds against the Visma documents they mirror."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple

from visma_airbase_pipeline.airbase.client import AirbaseClient
from visma_airbase_pipeline.ledger import LedgerStore
from visma_airbase_pipeline.mapping import MappingError, Skip
from visma_airbase_pipeline.mapping.bills import invoice_to_bill
from visma_airbase_pipeline.mapping.records import read_record
from visma_airbase_pipeline.sync.bills import BILL, INVOICE, bill_references
from visma_airbase_pipeline.sync.context import RunContext, Window
from visma_airbase_pipeline.visma.documents import SupplierInvoice

_SHOWN = 50


@dataclass
class BillReconciliation:
    """Both sides of a window, per currency, and every difference with its reason."""

    visma_counts: dict[str, int] = field(default_factory=dict)
    visma_sums: dict[str, Decimal] = field(default_factory=dict)
    airbase_counts: dict[str, int] = field(default_factory=dict)
    airbase_sums: dict[str, Decimal] = field(default_factory=dict)
    quarantined: list[str] = field(default_factory=list)
    mismatches: list[str] = field(default_factory=list)
    missing_references: list[str] = field(default_factory=list)
    orphans: list[str] = field(default_factory=list)

    @property
    def amounts_match(self) -> bool:
        """Counts and sums equal per currency, no bill differing from its invoice."""
        return (
            self.visma_counts == self.airbase_counts
            and self.visma_sums == self.airbase_sums
            and not self.mismatches
        )

    def summary(self) -> dict[str, Any]:
        """Plain values for check metadata."""
        return {
            "visma_counts": self.visma_counts,
            "airbase_counts": self.airbase_counts,
            "visma_sums": {c: f"{v:f}" for c, v in sorted(self.visma_sums.items())},
            "airbase_sums": {c: f"{v:f}" for c, v in sorted(self.airbase_sums.items())},
            "quarantined": len(self.quarantined),
            "quarantined_ids": self.quarantined[:_SHOWN],
            "mismatches": self.mismatches[:_SHOWN],
            "missing_references": self.missing_references[:_SHOWN],
            "orphans": self.orphans[:_SHOWN],
        }


class _BillSeen(NamedTuple):
    total_amount: Decimal | None
    erp_currency_reference_id: str | None
    erp_vendor_reference_id: str | None


def _add(counts: dict[str, int], sums: dict[str, Decimal], currency: str, amount: Decimal) -> None:
    counts[currency] = counts.get(currency, 0) + 1
    sums[currency] = sums.get(currency, Decimal(0)) + amount


def reconcile_bills(
    airbase: AirbaseClient, store: LedgerStore, window: Window, ctx: RunContext
) -> BillReconciliation:
    """Read Airbase's bills, vendors, accounts and tags and compare with the window's invoices."""
    result = BillReconciliation()
    # Three fields a bill, not the bill: a window of 100,000 bills must fit in memory.
    bills = {
        b.erp_reference_id: _BillSeen(b.total_amount, b.erp_currency_reference_id, b.erp_vendor_reference_id)
        for b in airbase.iter_bills()
        if b.erp_reference_id
    }
    vendors = {v.erp_reference_id for v in airbase.iter_vendors() if v.erp_reference_id}
    accounts = {a.erp_reference_id for a in airbase.iter_accounts() if a.erp_reference_id}
    tags = {t.erp_reference_id for t in airbase.iter_tags() if t.erp_reference_id}
    open_quarantine = {item.record_key for item in store.quarantined(BILL)}
    refs = bill_references(store)
    for snap in store.snapshots(INVOICE, first_day=window.first_day, last_day=window.last_day):
        try:
            expected = invoice_to_bill(
                read_record(SupplierInvoice, snap.payload, "supplier invoice"), refs, ctx.company
            )
        except Skip:
            continue
        except MappingError:
            result.quarantined.append(snap.visma_id)
            continue
        if snap.visma_id in open_quarantine:
            result.quarantined.append(snap.visma_id)
            continue
        currency = expected["erp_currency_reference_id"]
        _add(result.visma_counts, result.visma_sums, currency, Decimal(expected["total_amount"]))
        bill = bills.get(snap.visma_id)
        if bill is None:
            result.mismatches.append(f"{snap.visma_id}: no bill in Airbase")
            continue
        actual_currency = bill.erp_currency_reference_id or ""
        _add(result.airbase_counts, result.airbase_sums, actual_currency, bill.total_amount or Decimal(0))
        if bill.total_amount != Decimal(expected["total_amount"]) or actual_currency != currency:
            result.mismatches.append(
                f"{snap.visma_id}: Airbase {bill.total_amount} {actual_currency}, "
                f"Visma {expected['total_amount']} {currency}"
            )
        if bill.erp_vendor_reference_id not in vendors:
            result.missing_references.append(f"{snap.visma_id}: vendor {bill.erp_vendor_reference_id}")
        for line in expected["lines"]:
            if line["erp_account_reference_id"] not in accounts:
                result.missing_references.append(
                    f"{snap.visma_id}: account {line['erp_account_reference_id']}"
                )
            result.missing_references.extend(
                f"{snap.visma_id}: tag {tag}" for tag in line["erp_tag_reference_ids"] if tag not in tags
            )
    known = set(store.source_hashes(INVOICE, bills.keys()))
    result.orphans = sorted(ref for ref in bills if ref not in known)
    return result
