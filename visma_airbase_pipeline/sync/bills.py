"""Supplier invoices -> Airbase bills, for a window of days (a partition or a backfilled range)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from visma_airbase_pipeline.airbase.client import AirbaseClient
from visma_airbase_pipeline.ledger import LedgerStore
from visma_airbase_pipeline.ledger.snapshots import Snapshot
from visma_airbase_pipeline.mapping import MappingError, Skip
from visma_airbase_pipeline.mapping.bills import BillReferences, bill_reference_id, invoice_to_bill
from visma_airbase_pipeline.mapping.records import read_record
from visma_airbase_pipeline.sync.context import RunContext, Window
from visma_airbase_pipeline.sync.pull import Unreadable, pull
from visma_airbase_pipeline.sync.purchase_orders import ORDER
from visma_airbase_pipeline.sync.push import BULK_SIZE, Candidate, PushPipeline, push, quarantine
from visma_airbase_pipeline.sync.read_marks import mark_read, read_since
from visma_airbase_pipeline.sync.reference import COST_CENTER, GL_ACCOUNT
from visma_airbase_pipeline.sync.report import SyncReport
from visma_airbase_pipeline.sync.vendors import SUPPLIER, pull_suppliers_by_number, push_vendors
from visma_airbase_pipeline.visma.client import VismaClient
from visma_airbase_pipeline.visma.documents import SupplierInvoice

INVOICE = "supplier_invoice"
BILL = "bill"
#: Documents mapped and pushed together: one bulk upsert's worth, so the next batch is mapped while
#: Airbase stores this one, and a window of any size runs in the memory of a batch.
_PUSH_BATCH = BULK_SIZE


def invoice_key(invoice: SupplierInvoice) -> str | None:
    """``Invoice/000123``: the id of an AP document across types, and its bill's ERP id."""
    if not invoice.document_type or not invoice.reference_number:
        return None
    return bill_reference_id(invoice.document_type, invoice.reference_number)


def raw_invoice_key(raw: dict[str, Any]) -> str | None:
    """:func:`invoice_key` of a record as read (one that does not fit the model)."""
    doc_type, number = raw.get("documentType"), raw.get("referenceNumber")
    if isinstance(number, int) and not isinstance(number, bool):
        number = str(number)
    if isinstance(doc_type, str) and isinstance(number, str) and doc_type.strip() and number.strip():
        return bill_reference_id(doc_type, number)
    return None


def pull_supplier_invoices(
    visma: VismaClient, store: LedgerStore, ctx: RunContext, window: Window
) -> SyncReport:
    """One delta read over the window (plus overlap), from where the last complete read of its days
    stopped; changed documents become snapshots."""
    report = SyncReport("visma/supplier_invoices", window=window.label())
    started, since = datetime.now(UTC), read_since(store, INVOICE, window, report)
    unreadable = Unreadable(raw_invoice_key)
    records = visma.iter_supplier_invoices(
        since=since, until=window.end, on_unreadable=unreadable, read_ahead=True
    )
    pull(INVOICE, records, invoice_key, store, ctx, report, floor_day=window.first_day, unreadable=unreadable)
    mark_read(store, INVOICE, window, started)
    return report


def bill_references(store: LedgerStore) -> BillReferences:
    """What Airbase holds now, by ERP id, per the ledger: vendors, active accounts and tags, orders."""
    linked = {
        kind: {k for k, row in store.crosswalk(kind).items() if row.airbase_id}
        for kind in (SUPPLIER, GL_ACCOUNT, COST_CENTER, ORDER)
    }
    active_accounts = {s.visma_id for s in store.snapshots(GL_ACCOUNT) if s.payload.get("active", True)}
    active_centres = {s.visma_id for s in store.snapshots(COST_CENTER) if s.payload.get("active", True)}
    return BillReferences(
        vendors=linked[SUPPLIER],
        accounts=linked[GL_ACCOUNT] & active_accounts,
        cost_centers=linked[COST_CENTER] & active_centres,
        purchase_orders=linked[ORDER],
    )


def pull_invoices_by_key(
    visma: VismaClient, keys: list[str], store: LedgerStore, ctx: RunContext, window: Window
) -> SyncReport:
    """Fetch just the named documents (``Invoice/000123``), as a webhook asks: no delta pull."""
    report = SyncReport("visma/supplier_invoices", window=f"{len(keys)} documents named by webhooks")
    found = []
    unreadable = Unreadable(raw_invoice_key)
    for key in keys:
        document_type, _, number = key.partition("/")
        before = len(unreadable.raws)
        versioned = (
            visma.get_supplier_invoice(document_type, number, on_unreadable=unreadable) if number else None
        )
        if versioned is None:
            if len(unreadable.raws) == before:
                report.notes.append(f"{key} not found in Visma")
            continue
        found.append(versioned.record)
    pull(INVOICE, found, invoice_key, store, ctx, report, floor_day=window.first_day, unreadable=unreadable)
    return report


def push_bills(
    airbase: AirbaseClient,
    visma: VismaClient,
    store: LedgerStore,
    ctx: RunContext,
    window: Window,
    *,
    only: list[str] | None = None,
) -> SyncReport:
    """Bills for the documents whose last change falls in the window (or just ``only`` those);
    missing vendors first. Documents are taken a batch at a time, so a backfill of any size runs
    in the memory of one batch."""
    report = SyncReport("airbase/bills", window=window.label())
    snapshots = (
        store.snapshots(INVOICE, visma_ids=only)
        if only
        else store.snapshots(INVOICE, first_day=window.first_day, last_day=window.last_day)
    )
    refs = bill_references(store)
    with PushPipeline() as pipeline:
        while batch := tuple(itertools.islice(snapshots, _PUSH_BATCH)):
            refs = _push_batch(batch, refs, airbase, visma, store, ctx, report, pipeline)
    return report


def _push_batch(
    batch: tuple[Snapshot, ...],
    refs: BillReferences,
    airbase: AirbaseClient,
    visma: VismaClient,
    store: LedgerStore,
    ctx: RunContext,
    report: SyncReport,
    pipeline: PushPipeline,
) -> BillReferences:
    invoices = []
    for snap in batch:
        try:
            invoices.append((snap, read_record(SupplierInvoice, snap.payload, "supplier invoice")))
        except MappingError as error:  # kept whole, with the fields that do not fit
            report.read += 1
            quarantine(BILL, snap.visma_id, snap.payload, error.reason, store, ctx, report)
    missing = {i.supplier.number for _, i in invoices if i.supplier and i.supplier.number} - refs.vendors
    if missing:
        pipeline.settle()  # the clients are used by one thread at a time
        pull_suppliers_by_number(visma, sorted(missing), store, ctx, SyncReport("visma/suppliers"))
        vendors = push_vendors(airbase, visma, store, ctx, only=missing)
        report.notes.append(f"{vendors.created} vendors created first for invoices naming new suppliers")
        report.transitions.extend(vendors.transitions)
        refs = bill_references(store)
    candidates = []
    for snap, invoice in invoices:
        report.read += 1
        try:
            payload = invoice_to_bill(invoice, refs, ctx.company)
        except Skip as skip:
            report.skipped[skip.reason] += 1
            continue
        except MappingError as error:
            quarantine(BILL, snap.visma_id, snap.payload, error.reason, store, ctx, report)
            continue
        candidates.append(Candidate(snap.visma_id, payload, snap.source_modified, source=invoice))
        currency = payload["erp_currency_reference_id"]
        report.add_sum(report.source_sums, currency, Decimal(payload["total_amount"]))

    def in_airbase(candidate: Candidate) -> None:
        payload = candidate.payload
        report.add_sum(
            report.target_sums, payload["erp_currency_reference_id"], Decimal(payload["total_amount"])
        )

    push(
        BILL,
        candidates,
        airbase.upsert_bills,
        store,
        ctx,
        report,
        on_in_airbase=in_airbase,
        pipeline=pipeline,
    )
    return refs
