"""Reconcile a window: the bills Airbase actually holds against the Visma documents they mirror."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, NamedTuple

from visma_airbase_pipeline.airbase.client import AirbaseClient
from visma_airbase_pipeline.ledger import LedgerStore, Snapshot
from visma_airbase_pipeline.mapping import MappingError, Skip
from visma_airbase_pipeline.mapping.bills import invoice_to_bill
from visma_airbase_pipeline.mapping.records import read_record
from visma_airbase_pipeline.sync.bills import BILL, INVOICE, bill_references
from visma_airbase_pipeline.sync.context import RunContext, Window
from visma_airbase_pipeline.transport import ServerClock
from visma_airbase_pipeline.visma.documents import SupplierInvoice

_SHOWN = 50
_BATCH = 500
#: The ledger cursor: bills changed in Airbase before this instant were verified by a passing check.
CHECK_CURSOR = "bill_check.verified_until"
#: How far before Airbase's answer to a check's first page the next check looks again: a change it
#: stamped just before may commit just after that page was read.
LATE_WRITES = timedelta(seconds=5)
#: Without a ``Date`` header the next check starts from our own clock, this much earlier.
CLOCK_SKEW = timedelta(minutes=1)


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
    #: None: every bill was read; else only those Airbase changed at or after this instant.
    since: datetime | None = None
    compared: int = 0

    @property
    def passed(self) -> bool:
        """All three verdicts good: nothing left to look at again."""
        return self.amounts_match and not self.missing_references and not self.orphans

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
            "bills_read": "all" if self.since is None else f"changed since {self.since.isoformat()}",
            "documents_compared": self.compared,
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


def check_bills(
    airbase: AirbaseClient,
    store: LedgerStore,
    window: Window,
    ctx: RunContext,
    *,
    late_writes: timedelta = LATE_WRITES,
) -> BillReconciliation:
    """The bills asset's check after a run: every bill Airbase created or changed since the last
    check that passed, against its Visma document, and the window's documents the ledger has no bill
    for. A poll of an unchanged day then reads a page, not every bill; the first check (and any
    after a failed one) reads as far back as is unverified. ``vab reconcile`` compares everything.

    The next check starts from Airbase's clock (when it answered the first page), not ours: the
    bills this run has just written are read once, by this check, not again by the next."""
    started = datetime.now(UTC)
    verified_until = store.cursor(CHECK_CURSOR)
    since = datetime.fromisoformat(verified_until) if verified_until else None
    clock = ServerClock()
    result = reconcile_bills(airbase, store, window, ctx, since=since, clock=clock)
    if result.passed:
        until = clock.at - late_writes if clock.at else started - CLOCK_SKEW
        with store.transaction() as tx:
            tx.set_cursor(CHECK_CURSOR, until.isoformat())
    return result


def reconcile_bills(
    airbase: AirbaseClient,
    store: LedgerStore,
    window: Window,
    ctx: RunContext,
    *,
    since: datetime | None = None,
    clock: ServerClock | None = None,
) -> BillReconciliation:
    """Read Airbase's bills (all, or those changed ``since``), vendors, accounts and tags and compare
    them with their Visma documents: the window's, and any other whose bill was read. ``clock``
    learns when Airbase answered the first page of bills."""
    result = BillReconciliation(since=since)
    # Airbase stamps changes to the whole second: a finer instant would miss the rest of its second.
    filters = (
        {} if since is None else {"updated_since": since.astimezone(UTC).replace(microsecond=0).isoformat()}
    )
    # Three fields a bill, not the bill: a window of 100,000 bills must fit in memory.
    bills = {
        b.erp_reference_id: _BillSeen(b.total_amount, b.erp_currency_reference_id, b.erp_vendor_reference_id)
        for b in airbase.iter_bills(clock=clock, **filters)
        if b.erp_reference_id
    }
    vendors = {v.erp_reference_id for v in airbase.iter_vendors() if v.erp_reference_id}
    accounts = {a.erp_reference_id for a in airbase.iter_accounts() if a.erp_reference_id}
    tags = {t.erp_reference_id for t in airbase.iter_tags() if t.erp_reference_id}
    open_quarantine = {item.record_key for item in store.quarantined(BILL)}
    refs = bill_references(store)
    for snap in _documents(store, window, bills, whole_window=since is None):
        result.compared += 1
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


def _documents(
    store: LedgerStore, window: Window, bills: Mapping[str, object], *, whole_window: bool
) -> Iterator[Snapshot]:
    """The documents to compare: the whole window; or those whose bill was read, then the window's
    that have no bill in the ledger (a bill the ledger has was verified when it last changed)."""
    if whole_window:
        yield from store.snapshots(INVOICE, first_day=window.first_day, last_day=window.last_day)
        return
    yield from store.snapshots(INVOICE, visma_ids=sorted(bills))
    ids = store.snapshot_ids(INVOICE, first_day=window.first_day, last_day=window.last_day)
    while batch := [i for i in itertools.islice(ids, _BATCH) if i not in bills]:
        billed = store.crosswalk(BILL, batch)
        unbilled = [i for i in batch if not (i in billed and billed[i].airbase_id)]
        if unbilled:
            yield from store.snapshots(INVOICE, visma_ids=unbilled)
