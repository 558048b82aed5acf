"""Paid bills back to Visma, exactly once.

Each Airbase bill payment moves through the payment journal: ``pending`` (intent written before
any Visma write) -> ``posted`` (the Visma payment exists; its number kept) -> ``released`` ->
``acknowledged`` (the Airbase entry is ``sync_complete`` with the Visma number). Before posting,
Visma is always searched for a payment carrying the Airbase id in ``paymentRef``, so a crash or a
lost answer at any point resumes the same payment instead of creating a second one.
"""

from __future__ import annotations

from decimal import Decimal

from visma_airbase_pipeline.airbase.client import AirbaseClient
from visma_airbase_pipeline.airbase.models import LedgerEntry
from visma_airbase_pipeline.errors import AuthError, Conflict, RateLimited, RemoteError, refused_the_record
from visma_airbase_pipeline.ledger import LedgerStore, Transition, journal
from visma_airbase_pipeline.ledger.journal import JournalEntry
from visma_airbase_pipeline.mapping import MappingError
from visma_airbase_pipeline.mapping.payments import PayableInvoice, PaymentRequest, payment_to_visma
from visma_airbase_pipeline.sync.approvals import split_bill_reference
from visma_airbase_pipeline.sync.context import RunContext
from visma_airbase_pipeline.sync.push import quarantine
from visma_airbase_pipeline.sync.report import SyncReport
from visma_airbase_pipeline.visma.client import VismaClient
from visma_airbase_pipeline.visma.writes import SupplierPaymentWrite

PAYMENT = "payment"


class _Waiting(Exception):
    """The payment cannot be posted yet (e.g. its invoice's approval has not reached Visma)."""


class PaymentSync:
    """One pass over the payment queue with the clients, the ledger and a report."""

    def __init__(
        self, airbase: AirbaseClient, visma: VismaClient, store: LedgerStore, ctx: RunContext
    ) -> None:
        self.airbase, self.visma, self.store, self.ctx = airbase, visma, store, ctx
        self.report = SyncReport("visma/supplier_payments")
        self._bill_entries: dict[str, LedgerEntry | None] = {}

    def run(self) -> SyncReport:
        """Settle every ready payment, and any journal row an earlier run left unfinished.

        A payment that meets a remote failure (a 5xx on its POST or release, which are never
        replayed blind; retries run out) stays where the journal has it and does not hold up the
        others; the run still fails at the end, so the scheduler runs it again. Credential and
        rate-limit failures stop the run at once: no other payment would get through either.
        """
        ready = [e.airbase_id for e in self.airbase.list_ledger_entries("sync_ready", types=["bill_payment"])]
        unfinished = [
            j.airbase_payment_id for j in journal.entries(self.store.engine) if j.state != "acknowledged"
        ]
        failed: list[RemoteError] = []
        for payment_id in dict.fromkeys([*filter(None, ready), *unfinished]):
            self.report.read += 1
            try:
                self.settle(payment_id)
            except (AuthError, RateLimited):
                raise
            except RemoteError as error:
                failed.append(error)
                self.report.stages["failed"] += 1
                self.report.notes.append(f"payment {payment_id} failed, left for the next run: {error}")
        if failed:
            raise failed[0]
        return self.report

    def settle(self, payment_id: str) -> None:
        """Take one payment as far as it can go now."""
        entry = self.airbase.get_ledger_entry(payment_id)
        row = journal.get(self.store.engine, payment_id)
        if entry is None:
            self.report.notes.append(f"payment {payment_id} no longer exists in Airbase")
            return
        if entry.status == "sync_complete":
            if row is not None and row.state != "acknowledged":
                journal.advance(self.store.engine, payment_id, "acknowledged")  # crashed after the PATCH
            self.report.unchanged += 1
            return
        try:
            write = None
            if row is None:
                write = self._payment(entry)
                row = journal.record_intent(self.store.engine, self._intent(entry, write), self.ctx.run_id)
            self._post(entry, row, write)
        except MappingError as error:
            self._reject(entry, error.reason)
        except _Waiting as waiting:
            self.report.skipped["waiting for the invoice approval to reach Visma"] += 1
            self.report.notes.append(f"payment {payment_id}: {waiting}")

    # -- the steps ----------------------------------------------------------------------------------

    def _post(self, entry: LedgerEntry, row: JournalEntry, write: SupplierPaymentWrite | None) -> None:
        engine, pid = self.store.engine, row.airbase_payment_id
        number = row.visma_payment_nbr
        if row.state == "pending":
            number = self._find_posted(row)
            if number is None:
                payload = (write or self._payment(entry)).to_payload()
                try:
                    number = self.visma.create_supplier_payment(payload).number
                except RemoteError as error:
                    if refused_the_record(error):
                        raise MappingError(f"Visma refused the payment: {error}") from None
                    # The answer was lost: the payment may exist. Look before anything else.
                    number = self._find_posted(row)
                    if number is None:
                        journal.note_error(engine, pid, f"post failed, will retry: {error}")
                        raise
            journal.advance(engine, pid, "posted", visma_payment_nbr=number)
            self._transition(row, "posted", number, "SupplierPayment created in Visma")
        assert number is not None
        if row.state in ("pending", "posted"):
            current = self.visma.get_supplier_payment(number)
            if current is None:
                raise RemoteError(f"Visma payment {number} disappeared after it was posted")
            if not current.record.released:
                self.visma.release_supplier_payment(number, if_match=current.etag)
            journal.advance(engine, pid, "released")
            self._transition(row, "released", number, "released in Visma")
        try:
            self.airbase.mark_ledger_entry_synced(pid, number)
        except Conflict as error:
            raise MappingError(f"Airbase says the entry is synced to another payment: {error}") from None
        journal.advance(engine, pid, "acknowledged")
        self._transition(row, "acknowledged", number, "Airbase entry marked sync_complete")
        self.report.created += 1
        self.report.add_sum(self.report.target_sums, row.currency, row.amount)

    def _find_posted(self, row: JournalEntry) -> str | None:
        """The Visma payment already carrying this Airbase id, if any (the exactly-once lookup)."""
        first_invoice = row.invoices.split(",")[0].split("/")[-1]
        for payment in self.visma.iter_supplier_payments(supplier=row.supplier, invoiceRefNbr=first_invoice):
            if payment.payment_ref == row.airbase_payment_id and payment.ref_nbr:
                return payment.ref_nbr
        return None

    def _payment(self, entry: LedgerEntry) -> SupplierPaymentWrite:
        invoices = [self._invoice(applied.airbase_id or applied.id or "") for applied in entry.applied_to]
        for invoice in invoices:
            if invoice.status in ("Hold", "Balanced"):
                raise _Waiting(f"invoice {invoice.number} is {invoice.status} in Visma")
        request = PaymentRequest(
            airbase_payment_id=entry.airbase_id or "",
            amount=entry.total_amount,
            currency=entry.currency.iso_code if entry.currency else None,
            bank_account=entry.bank_account.erp_reference_id if entry.bank_account else None,
            paid_on=entry.payment_entry_date.date() if entry.payment_entry_date else None,
        )
        write = payment_to_visma(request, invoices)
        self.report.add_sum(self.report.source_sums, write.currency or "", write.payment_amount or Decimal(0))
        return write

    def _invoice(self, bill_entry_id: str) -> PayableInvoice:
        if bill_entry_id not in self._bill_entries:
            self._bill_entries[bill_entry_id] = self.airbase.get_ledger_entry(bill_entry_id)
        bill_entry = self._bill_entries[bill_entry_id]
        reference = split_bill_reference(bill_entry.erp_reference_id if bill_entry else None)
        if reference is None:
            raise MappingError(f"the paid bill {bill_entry_id} is unknown or has no Visma invoice")
        assert bill_entry is not None
        if bill_entry.status != "sync_complete":
            # The approval never reached Visma (not yet, or refused: e.g. the invoice changed there
            # after approval). Paying the invoice now would pay what nobody approved.
            why = f": {bill_entry.error_message}" if bill_entry.error_message else ""
            raise _Waiting(
                f"the approval of bill {bill_entry.erp_reference_id} is not in Visma "
                f"({bill_entry.status}{why})"
            )
        found = self.visma.get_supplier_invoice(*reference)
        if found is None:
            raise MappingError(f"Visma has no invoice {reference[0]} {reference[1]}")
        invoice = found.record
        return PayableInvoice(
            document_type=invoice.document_type or reference[0],
            number=invoice.reference_number or reference[1],
            supplier=invoice.supplier.number if invoice.supplier and invoice.supplier.number else "",
            currency=(invoice.currency_id or "").upper(),
            balance=invoice.balance if invoice.balance is not None else Decimal(0),
            status=invoice.status or "",
            payment_method=_payment_method(invoice.model_extra),
        )

    def _intent(self, entry: LedgerEntry, write: SupplierPaymentWrite) -> JournalEntry:
        return JournalEntry(
            airbase_payment_id=entry.airbase_id or "",
            state="pending",
            supplier=write.supplier,
            currency=write.currency or "",
            amount=write.payment_amount or Decimal(0),
            invoices=",".join(f"{line.document_type}/{line.ref_nbr}" for line in write.payment_lines),
        )

    def _reject(self, entry: LedgerEntry, reason: str) -> None:
        pid = entry.airbase_id or ""
        quarantine(PAYMENT, pid, entry.model_dump(mode="json"), reason, self.store, self.ctx, self.report)
        self.airbase.mark_ledger_entry_error(pid, f"Visma: {reason}")

    def _transition(self, row: JournalEntry, state: str, number: str | None, reason: str) -> None:
        transition = Transition(
            PAYMENT,
            state,
            visma_id=number,
            airbase_id=row.airbase_payment_id,
            from_state=row.state,
            run_id=self.ctx.run_id,
            partition=self.ctx.partition,
            reason=f"{reason}: {row.amount} {row.currency} on {row.invoices}",
        )
        with self.store.transaction() as tx:
            tx.record_transitions([transition])
        self.report.transitions.append(transition)
        self.report.stages[state] += 1
        row.state = state


def _payment_method(extra: dict[str, object] | None) -> str | None:
    """The invoice's payment method id (``paymentMethod: {id}``), which the payment reuses."""
    method = (extra or {}).get("paymentMethod")
    value = method.get("id") if isinstance(method, dict) else method
    return str(value) if value else None


def sync_payments(
    airbase: AirbaseClient, visma: VismaClient, store: LedgerStore, ctx: RunContext
) -> SyncReport:
    """Post every ready Airbase bill payment to Visma exactly once, and acknowledge it in Airbase."""
    return PaymentSync(airbase, visma, store, ctx).run()
