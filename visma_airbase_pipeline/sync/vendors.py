"""Suppliers <-> vendors. Visma is the master: its suppliers go to Airbase; vendors created in
Airbase are created in Visma and linked back; an Airbase edit of a Visma-owned field is
overwritten and recorded as a conflict.
"""

from __future__ import annotations

from collections.abc import Iterable

from visma_airbase_pipeline.airbase.client import AirbaseClient
from visma_airbase_pipeline.airbase.models import Vendor
from visma_airbase_pipeline.ledger import CrosswalkRow, LedgerStore, Transition
from visma_airbase_pipeline.mapping import MappingError, content_hash
from visma_airbase_pipeline.mapping.records import read_record
from visma_airbase_pipeline.mapping.vendors import supplier_to_vendor, vendor_to_supplier_create
from visma_airbase_pipeline.sync.context import DELTA_OVERLAP, RunContext
from visma_airbase_pipeline.sync.creates import create_without_twin
from visma_airbase_pipeline.sync.pull import pull
from visma_airbase_pipeline.sync.push import Candidate, push, quarantine
from visma_airbase_pipeline.sync.report import SyncReport
from visma_airbase_pipeline.visma.client import VismaClient
from visma_airbase_pipeline.visma.models import Supplier
from visma_airbase_pipeline.visma.paging import overlap_window

SUPPLIER = "supplier"
_CURSOR = "visma/suppliers"
_COMPARED = ("name", "email", "is_active")


def pull_suppliers(
    visma: VismaClient, store: LedgerStore, ctx: RunContext, *, full: bool = False
) -> SyncReport:
    """Snapshot suppliers changed since the last pull (all of them the first time)."""
    report = SyncReport("visma/suppliers")
    watermark = None if full else store.cursor(_CURSOR)
    since = overlap_window(watermark, DELTA_OVERLAP) if watermark else None
    report.window = f">= {since}" if since else "full"
    suppliers = visma.iter_suppliers(since=since, read_ahead=True)
    newest = pull(SUPPLIER, suppliers, lambda s: s.number, store, ctx, report)
    if newest and (watermark is None or newest > watermark):
        with store.transaction() as tx:
            tx.set_cursor(_CURSOR, newest)
    return report


def pull_suppliers_by_number(
    visma: VismaClient, numbers: Iterable[str], store: LedgerStore, ctx: RunContext, report: SyncReport
) -> None:
    """Fetch and snapshot specific suppliers (an invoice names a supplier not seen yet)."""
    found = []
    for number in numbers:
        versioned = visma.get_supplier(number)
        if versioned is not None:
            found.append(versioned.record)
    pull(SUPPLIER, found, lambda s: s.number, store, ctx, report)


def push_vendors(
    airbase: AirbaseClient,
    visma: VismaClient,
    store: LedgerStore,
    ctx: RunContext,
    *,
    only: set[str] | None = None,
) -> SyncReport:
    """Link Airbase-born vendors to new Visma suppliers, then upsert changed suppliers as vendors."""
    report = SyncReport("airbase/vendors")
    if only is None:
        _link_airbase_born_vendors(airbase, visma, store, ctx, report)
    current = {v.erp_reference_id: v for v in airbase.iter_vendors() if v.is_linked and v.erp_reference_id}
    known = store.crosswalk(SUPPLIER)
    candidates = []
    for snap in store.snapshots(SUPPLIER, visma_ids=only):
        report.read += 1
        try:
            payload = supplier_to_vendor(read_record(Supplier, snap.payload, "supplier"), ctx.company)
        except MappingError as error:
            quarantine(SUPPLIER, snap.visma_id, snap.payload, error.reason, store, ctx, report)
            continue
        candidate = Candidate(snap.visma_id, payload, snap.source_modified)
        vendor = current.get(snap.visma_id)
        row = known.get(snap.visma_id)
        if vendor is not None and row is not None and row.content_hash == content_hash(payload):
            edited = [f for f in _COMPARED if f in payload and getattr(vendor, f) != payload[f]]
            if edited:
                candidate.force = True
                report.conflicts.append(
                    f"vendor {snap.visma_id}: Airbase edit of {', '.join(edited)} overwritten"
                )
        candidates.append(candidate)
    push(SUPPLIER, candidates, airbase.upsert_vendors, store, ctx, report)
    return report


def _link_airbase_born_vendors(
    airbase: AirbaseClient, visma: VismaClient, store: LedgerStore, ctx: RunContext, report: SyncReport
) -> None:
    for vendor in list(airbase.iter_unlinked_vendors()):
        if not vendor.airbase_id:
            continue
        key = f"airbase:{vendor.airbase_id}"
        try:
            number, created = _find_or_create_supplier(visma, vendor, ctx)
        except MappingError as error:
            quarantine(SUPPLIER, key, vendor.model_dump(), error.reason, store, ctx, report)
            continue
        link = {
            "airbase_id": vendor.airbase_id,
            "erp_reference_id": number,
            "name": (vendor.name or "").strip(),
        }
        result = airbase.upsert_vendors([link])
        if 0 not in result.stored_indexes:
            reason = f"Airbase did not accept the link to Visma supplier {number}: {result.errors_by_index()}"
            quarantine(SUPPLIER, key, link, reason, store, ctx, report)
            continue
        transition = Transition(
            SUPPLIER,
            "created_in_visma" if created else "linked",
            visma_id=number,
            airbase_id=vendor.airbase_id,
            run_id=ctx.run_id,
            partition=ctx.partition,
            reason=f"vendor {vendor.name!r} created in Airbase",
        )
        with store.transaction() as tx:
            tx.save_crosswalk([CrosswalkRow(SUPPLIER, number, vendor.airbase_id, None, state="linked")])
            tx.record_transitions([transition])
            tx.resolve_quarantine(SUPPLIER, [key])
        report.linked += 1
        report.transitions.append(transition)
        pull_suppliers_by_number(visma, [number], store, ctx, SyncReport("visma/suppliers"))


def _find_or_create_supplier(visma: VismaClient, vendor: Vendor, ctx: RunContext) -> tuple[str, bool]:
    """The Visma supplier for an Airbase-born vendor: an existing one of that exact name (a retry
    after a crash must not create a twin), else a new one."""
    name = (vendor.name or "").strip()
    payload = vendor_to_supplier_create(name, ctx.company, email=vendor.email)

    def find() -> str | None:
        for supplier in visma.iter_suppliers(name=name):
            if (supplier.name or "").strip() == name and supplier.number:
                return supplier.number
        return None

    return create_without_twin(find, lambda: visma.create_supplier(payload).number)
