"""Purchase orders and receipts -> Airbase purchase orders, for a window of days."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

from visma_airbase_pipeline.airbase.client import AirbaseClient
from visma_airbase_pipeline.ledger import LedgerStore
from visma_airbase_pipeline.ledger.snapshots import Snapshot
from visma_airbase_pipeline.mapping import MappingError
from visma_airbase_pipeline.mapping.purchase_orders import order_to_airbase
from visma_airbase_pipeline.mapping.records import read_record
from visma_airbase_pipeline.sync.context import RunContext, Window
from visma_airbase_pipeline.sync.pull import pull
from visma_airbase_pipeline.sync.push import BULK_SIZE, Candidate, PushPipeline, push, quarantine
from visma_airbase_pipeline.sync.read_marks import mark_read, read_since
from visma_airbase_pipeline.sync.report import SyncReport
from visma_airbase_pipeline.sync.vendors import SUPPLIER
from visma_airbase_pipeline.visma.client import VismaClient
from visma_airbase_pipeline.visma.documents import PurchaseOrder, PurchaseReceipt

ORDER = "purchase_order"
RECEIPT = "purchase_receipt"
#: Orders mapped and pushed together: one bulk upsert's worth, so the next batch is mapped while
#: Airbase stores this one, and a backfill of any size runs in the memory of a batch.
_PUSH_BATCH = BULK_SIZE


def pull_purchase_orders(
    visma: VismaClient, store: LedgerStore, ctx: RunContext, window: Window
) -> SyncReport:
    """Snapshot purchase orders changed in the window."""
    report = SyncReport("visma/purchase_orders", window=window.label())
    started, since = datetime.now(UTC), read_since(store, ORDER, window, report)
    records = visma.iter_purchase_orders(since=since, until=window.end, read_ahead=True)
    pull(ORDER, records, lambda o: o.order_nbr, store, ctx, report, floor_day=window.first_day)
    mark_read(store, ORDER, window, started)
    return report


def pull_purchase_receipts(
    visma: VismaClient, store: LedgerStore, ctx: RunContext, window: Window
) -> SyncReport:
    """Snapshot purchase receipts changed in the window."""
    report = SyncReport("visma/purchase_receipts", window=window.label())
    started, since = datetime.now(UTC), read_since(store, RECEIPT, window, report)
    records = visma.iter_purchase_receipts(since=since, until=window.end, read_ahead=True)
    pull(RECEIPT, records, lambda r: r.receipt_nbr, store, ctx, report, floor_day=window.first_day)
    mark_read(store, RECEIPT, window, started)
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
    receipt_ids: dict[str, list[str]] = {}
    for snap in store.snapshots(RECEIPT):
        for nbr in {str(line.get("poOrderNbr")) for line in snap.payload.get("lines", [])} & wanted:
            receipt_ids.setdefault(nbr, []).append(snap.visma_id)
    vendors = {k for k, row in store.crosswalk(SUPPLIER).items() if row.airbase_id}
    found: set[str] = set()
    orders = store.snapshots(ORDER, visma_ids=wanted)
    with PushPipeline() as pipeline:
        while batch := tuple(itertools.islice(orders, _PUSH_BATCH)):
            found.update(snap.visma_id for snap in batch)
            receipts, unreadable = _receipts_of(store, batch, receipt_ids)
            candidates = []
            for snap in batch:
                report.read += 1
                try:
                    if snap.visma_id in unreadable:
                        raise MappingError(unreadable[snap.visma_id])
                    payload = order_to_airbase(
                        read_record(PurchaseOrder, snap.payload, "purchase order"),
                        receipts.get(snap.visma_id, []),
                        ctx.company,
                        vendors=vendors,
                    )
                except MappingError as error:
                    quarantine(ORDER, snap.visma_id, snap.payload, error.reason, store, ctx, report)
                    continue
                candidates.append(Candidate(snap.visma_id, payload, snap.source_modified))
            push(ORDER, candidates, airbase.upsert_purchase_orders, store, ctx, report, pipeline=pipeline)
    for nbr in sorted(wanted - found):
        report.notes.append(f"receipt names purchase order {nbr}, which has not been pulled yet")
    return report


def _receipts_of(
    store: LedgerStore, orders: tuple[Snapshot, ...], receipt_ids: dict[str, list[str]]
) -> tuple[dict[str, list[PurchaseReceipt]], dict[str, str]]:
    """The receipts of a batch of orders, read; and, per order, why one of its receipts cannot be
    (that order waits, quarantined, until the receipt is fixed)."""
    numbers = {snap.visma_id for snap in orders}
    ids = {rid for nbr in numbers for rid in receipt_ids.get(nbr, [])}
    receipts: dict[str, list[PurchaseReceipt]] = {}
    unreadable: dict[str, str] = {}
    for snap in store.snapshots(RECEIPT, visma_ids=sorted(ids)) if ids else ():
        mine = {str(line.get("poOrderNbr")) for line in snap.payload.get("lines", [])} & numbers
        try:
            receipt = read_record(PurchaseReceipt, snap.payload, f"purchase receipt {snap.visma_id}")
        except MappingError as error:
            unreadable.update(dict.fromkeys(mine, error.reason))
            continue
        for nbr in mine:
            receipts.setdefault(nbr, []).append(receipt)
    return receipts, unreadable
