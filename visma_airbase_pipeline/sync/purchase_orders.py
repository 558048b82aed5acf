"""Purchase orders and receipts -> Airbase purchase orders, for a window of days."""

from __future__ import annotations

from visma_airbase_pipeline.airbase.client import AirbaseClient
from visma_airbase_pipeline.ledger import LedgerStore
from visma_airbase_pipeline.mapping import MappingError
from visma_airbase_pipeline.mapping.purchase_orders import order_to_airbase
from visma_airbase_pipeline.mapping.records import read_record
from visma_airbase_pipeline.sync.context import RunContext, Window
from visma_airbase_pipeline.sync.pull import pull
from visma_airbase_pipeline.sync.push import Candidate, push, quarantine
from visma_airbase_pipeline.sync.report import SyncReport
from visma_airbase_pipeline.sync.vendors import SUPPLIER
from visma_airbase_pipeline.visma.client import VismaClient
from visma_airbase_pipeline.visma.documents import PurchaseOrder, PurchaseReceipt

ORDER = "purchase_order"
RECEIPT = "purchase_receipt"
#: Orders mapped and pushed together.
_PUSH_BATCH = 2000


def pull_purchase_orders(
    visma: VismaClient, store: LedgerStore, ctx: RunContext, window: Window
) -> SyncReport:
    """Snapshot purchase orders changed in the window."""
    report = SyncReport("visma/purchase_orders", window=window.label())
    records = visma.iter_purchase_orders(since=window.pull_since, until=window.end)
    pull(ORDER, records, lambda o: o.order_nbr, store, ctx, report, floor_day=window.first_day)
    return report


def pull_purchase_receipts(
    visma: VismaClient, store: LedgerStore, ctx: RunContext, window: Window
) -> SyncReport:
    """Snapshot purchase receipts changed in the window."""
    report = SyncReport("visma/purchase_receipts", window=window.label())
    records = visma.iter_purchase_receipts(since=window.pull_since, until=window.end)
    pull(RECEIPT, records, lambda r: r.receipt_nbr, store, ctx, report, floor_day=window.first_day)
    return report


def push_purchase_orders(
    airbase: AirbaseClient, store: LedgerStore, ctx: RunContext, window: Window
) -> SyncReport:
    """Orders changed in the window, and orders whose receipts changed in it, with received quantities."""
    report = SyncReport("airbase/purchase_orders", window=window.label())
    wanted = {
        s.visma_id for s in store.snapshots(ORDER, first_day=window.first_day, last_day=window.last_day)
    }
    for snap in store.snapshots(RECEIPT, first_day=window.first_day, last_day=window.last_day):
        wanted.update(
            str(line["poOrderNbr"]) for line in snap.payload.get("lines", []) if line.get("poOrderNbr")
        )
    receipts: dict[str, list[PurchaseReceipt]] = {nbr: [] for nbr in wanted}
    unreadable: dict[str, str] = {}
    for snap in store.snapshots(RECEIPT):
        orders = {str(line.get("poOrderNbr")) for line in snap.payload.get("lines", [])} & wanted
        if orders:
            try:
                receipt = read_record(PurchaseReceipt, snap.payload, f"purchase receipt {snap.visma_id}")
            except MappingError as error:  # its orders wait (quarantined below) until it is fixed
                for nbr in orders:
                    unreadable[nbr] = error.reason
                continue
            for nbr in orders:
                receipts[nbr].append(receipt)
    vendors = {k for k, row in store.crosswalk(SUPPLIER).items() if row.airbase_id}
    candidates = []
    found = set()
    for snap in store.snapshots(ORDER, visma_ids=wanted):
        found.add(snap.visma_id)
        report.read += 1
        try:
            if snap.visma_id in unreadable:
                raise MappingError(unreadable[snap.visma_id])
            payload = order_to_airbase(
                read_record(PurchaseOrder, snap.payload, "purchase order"),
                receipts[snap.visma_id],
                ctx.company,
                vendors=vendors,
            )
        except MappingError as error:
            quarantine(ORDER, snap.visma_id, snap.payload, error.reason, store, ctx, report)
            continue
        candidates.append(Candidate(snap.visma_id, payload, snap.source_modified))
        if len(candidates) >= _PUSH_BATCH:  # a backfill of any size pushes in the memory of a batch
            push(ORDER, candidates, airbase.upsert_purchase_orders, store, ctx, report)
            candidates = []
    push(ORDER, candidates, airbase.upsert_purchase_orders, store, ctx, report)
    for nbr in sorted(wanted - found):
        report.notes.append(f"receipt names purchase order {nbr}, which has not been pulled yet")
    return report
