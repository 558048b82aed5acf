"""Approved bills back to Visma: the invoice is taken off hold (ETag-guarded) and released, so it
can be paid; a conflicting change in Visma is not overwritten but quarantined and reported."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from visma_airbase_pipeline.airbase.client import AirbaseClient
from visma_airbase_pipeline.airbase.models import LedgerEntry
from visma_airbase_pipeline.errors import AuthError, Conflict, RateLimited, RemoteError, refused_the_record
from visma_airbase_pipeline.ledger import LedgerStore, Transition
from visma_airbase_pipeline.sync.context import RunContext
from visma_airbase_pipeline.sync.push import quarantine
from visma_airbase_pipeline.sync.report import SyncReport
from visma_airbase_pipeline.visma.client import VismaClient
from visma_airbase_pipeline.visma.documents import SupplierInvoice
from visma_airbase_pipeline.visma.etag import UNCHANGED
from visma_airbase_pipeline.visma.writes import SupplierInvoiceWrite

APPROVAL = "bill_approval"
_SIGN = {"CreditAdj": -1}


def split_bill_reference(reference: str | None) -> tuple[str, str] | None:
    """``Invoice/000123`` -> (``Invoice``, ``000123``); None when it is not a Visma document id."""
    if not reference or "/" not in reference:
        return None
    document_type, number = reference.split("/", 1)
    return (document_type, number) if document_type and number else None


def _off_hold(expected: Decimal) -> Callable[[SupplierInvoice], dict[str, Any] | None]:
    """The ETag-guarded change: off hold, unless the invoice is no longer the one approved."""

    def change(invoice: SupplierInvoice) -> dict[str, Any] | None:
        if invoice.status in ("Closed", "Voided") or invoice.amount != expected:
            return None  # changed in Visma since approval: never overwrite, report instead
        if not invoice.hold:
            return UNCHANGED
        return SupplierInvoiceWrite(hold=False).to_payload()

    return change


def _reject(
    entry: LedgerEntry,
    reason: str,
    airbase: AirbaseClient,
    store: LedgerStore,
    ctx: RunContext,
    report: SyncReport,
) -> None:
    quarantine(APPROVAL, entry.airbase_id or "", entry.model_dump(mode="json"), reason, store, ctx, report)
    airbase.mark_ledger_entry_error(entry.airbase_id or "", f"Visma: {reason}")


def sync_bill_approvals(
    airbase: AirbaseClient, visma: VismaClient, store: LedgerStore, ctx: RunContext
) -> SyncReport:
    """Every approved bill waiting in Airbase (``bill`` entries in ``sync_ready``) reaches Visma.

    An approval that meets a remote failure (retries exhausted) is left for the next run and does
    not hold up the others; the run still fails at the end so it is retried. Credential and
    rate-limit failures stop the run at once.
    """
    report = SyncReport("visma/invoice_approvals")
    failed: list[RemoteError] = []
    for entry in airbase.list_ledger_entries("sync_ready", types=["bill"]):
        report.read += 1
        try:
            _approve(entry, airbase, visma, store, ctx, report)
        except (AuthError, RateLimited):
            raise
        except RemoteError as error:
            failed.append(error)
            report.notes.append(
                f"approval of {entry.erp_reference_id} failed, left for the next run: {error}"
            )
    _report_rejections(airbase, report)
    if failed:
        raise failed[0]
    return report


def _approve(
    entry: LedgerEntry,
    airbase: AirbaseClient,
    visma: VismaClient,
    store: LedgerStore,
    ctx: RunContext,
    report: SyncReport,
) -> None:
    fresh = airbase.get_ledger_entry(entry.airbase_id or "")
    if fresh is None or fresh.status == "sync_complete":
        report.unchanged += 1  # another run got there first
        return
    reference = split_bill_reference(entry.erp_reference_id)
    if reference is None:
        reason = f"bill {entry.erp_reference_id!r} was not created from a Visma invoice"
        _reject(entry, reason, airbase, store, ctx, report)
        return
    document_type, number = reference
    expected = (entry.total_amount or Decimal(0)) * _SIGN.get(document_type, 1)
    try:
        outcome = visma.update_supplier_invoice(document_type, number, _off_hold(expected))
        current = visma.get_supplier_invoice(document_type, number)
        if current is not None and current.record.status == "Balanced":
            visma.release_supplier_invoice(document_type, number, if_match=current.etag)
    except Conflict:
        current = visma.get_supplier_invoice(document_type, number)
        seen = f"{current.record.status} {current.record.amount}" if current else "gone"
        reason = f"invoice {number} changed in Visma since approval (approved {expected}, now {seen})"
        _reject(entry, reason, airbase, store, ctx, report)
        report.conflicts.append(reason)
        return
    except RemoteError as error:
        if refused_the_record(error):
            _reject(entry, f"invoice {number}: {error}", airbase, store, ctx, report)
            return
        raise
    airbase.mark_ledger_entry_synced(entry.airbase_id or "", entry.erp_reference_id or number)
    transition = Transition(
        APPROVAL,
        "released" if outcome.written else "acknowledged",
        visma_id=entry.erp_reference_id,
        airbase_id=entry.airbase_id,
        run_id=ctx.run_id,
        partition=ctx.partition,
        reason="approved in Airbase; taken off hold in Visma" if outcome.written else "approved in Airbase",
    )
    with store.transaction() as tx:
        tx.record_transitions([transition])
    report.transitions.append(transition)
    report.updated += 1


def _report_rejections(airbase: AirbaseClient, report: SyncReport) -> None:
    """Denied and sent-back bills are reported, never posted."""
    for status in ("denied", "sent_back"):
        for bill in airbase.iter_bills(approval_status=status):
            report.skipped[f"{status} in Airbase (not posted)"] += 1
            report.notes.append(
                f"bill {bill.erp_reference_id} {status.replace('_', ' ')}: not posted to Visma"
            )
