"""The people using Visma and Airbase while the soak runs: AP clerks put invoices on hold and take
them off, book new invoices and edit descriptions; approvers approve bills in Airbase while a clerk
edits the same invoice in Visma (so the connector's ETag write goes stale); payers pay approved
bills, some partially. Every choice comes from a seeded generator, so a soak can be repeated."""

from __future__ import annotations

import random
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from visma_airbase_pipeline.chaos.injections import Tally
from visma_airbase_pipeline.sandbox.admin_client import AdminError, SandboxAdmin, new_invoice_like


def invoice_key(invoice: dict[str, Any]) -> str:
    """The bill's ERP id for a Visma AP document: ``Invoice/000123``."""
    return f"{invoice['documentType']}/{invoice['referenceNumber']}"


@dataclass
class Workload:
    """One user action per ``act()`` call; bills it approved or paid are never edited again."""

    visma: SandboxAdmin
    airbase: SandboxAdmin
    tally: Tally
    rng: random.Random
    approved: set[str] = field(default_factory=set)
    paid: set[str] = field(default_factory=set)
    errors: list[str] = field(default_factory=list)
    _edits: int = 0
    _booked: Counter[str] = field(default_factory=Counter)
    _pending_edits: list[threading.Thread] = field(default_factory=list)

    def act(self, *, approvals_only: bool = False) -> None:
        """Do one thing a user of either system would do; ``approvals_only`` when the soak still
        waits for a stale ETag (only an approval makes the connector write with one)."""
        action = (
            self.approve
            if approvals_only
            else self.rng.choices(
                [self.toggle_hold, self.approve, self.pay, self.book_invoice, self.edit_description],
                weights=[4, 3, 3, 1, 1],
            )[0]
        )
        try:
            action()
        except AdminError as error:
            # A sandbox refusing an action is the workload's own mistake: kept for the report.
            self.errors.append(str(error))

    def finish(self) -> None:
        """Wait for the concurrent edits still under way."""
        for thread in self._pending_edits:
            thread.join(timeout=30)

    # ----- what there is to act on ----------------------------------------------------------------
    def _invoices(self) -> dict[str, dict[str, Any]]:
        return {invoice_key(i): i for i in self.visma.state("supplierInvoice")}

    def _bills(self, approval_status: str) -> list[tuple[dict[str, Any], dict[str, Any]]]:
        """(bill, invoice) pairs of plain invoices in Open or Hold whose bill is in this status."""
        invoices = self._invoices()
        pairs = []
        for bill in self.airbase.state("bills"):
            invoice = invoices.get(str(bill["erp_reference_id"]))
            if (
                invoice is not None
                and bill["approval_status"] == approval_status
                and invoice["documentType"] == "Invoice"
                and invoice["status"] in ("Open", "Hold")
                and Decimal(invoice["balance"]) == Decimal(invoice["amount"]) > 0
            ):
                pairs.append((bill, invoice))
        return pairs

    def _edited(self, invoice: dict[str, Any]) -> str:
        """The invoice's description with a fresh edit number (each edit really changes it)."""
        self._edits += 1
        return f"{invoice.get('description') or ''}".split(" [")[0] + f" [edit {self._edits}]"

    def _untouchable(self, bill: dict[str, Any]) -> bool:
        return bill["airbase_id"] in self.approved or bill["airbase_id"] in self.paid

    # ----- the actions ------------------------------------------------------------------------------
    def toggle_hold(self) -> None:
        """A clerk puts an invoice on hold or releases it (Visma sends a status-change webhook)."""
        pairs = [p for p in self._bills("pending_approval") if not self._untouchable(p[0])]
        if not pairs:
            return
        _, invoice = self.rng.choice(pairs)
        hold = invoice["status"] != "Hold"
        changes = {"status": "Hold" if hold else "Open", "hold": hold, "description": self._edited(invoice)}
        self.visma.patch("supplierInvoice", str(invoice["referenceNumber"]), changes)
        self.tally.actions["invoice hold toggled"] += 1

    def edit_description(self) -> None:
        """A clerk corrects a description (no webhook: only the poller can notice)."""
        pairs = [p for p in self._bills("pending_approval") if not self._untouchable(p[0])]
        if not pairs:
            return
        _, invoice = self.rng.choice(pairs)
        number = str(invoice["referenceNumber"])
        self.visma.patch("supplierInvoice", number, {"description": self._edited(invoice)})
        self.tally.actions["invoice description edited"] += 1

    def approve(self) -> None:
        """An approver approves a bill while a clerk keeps editing its invoice in Visma."""
        pairs = [p for p in self._bills("pending_approval") if not self._untouchable(p[0])]
        held = [p for p in pairs if p[1]["status"] == "Hold"]
        # Mostly invoices on hold: their approval is the connector's conditional write in Visma.
        pairs = held if held and self.rng.random() < 0.75 else pairs
        if not pairs:
            return
        bill, invoice = self.rng.choice(pairs)
        self.approved.add(bill["airbase_id"])
        self.airbase.post(f"bills/{bill['airbase_id']}/approve")
        self.tally.actions["bill approved"] += 1
        thread = threading.Thread(
            target=self._concurrent_edits, args=(str(invoice["referenceNumber"]),), daemon=True
        )
        thread.start()
        self._pending_edits.append(thread)

    def _concurrent_edits(self, number: str) -> None:
        """Edits of an invoice whose approval the connector is writing (each one bumps its ETag)."""
        stop = threading.Event()
        for n in range(4):
            if stop.wait(0.7 + self.rng.random()):
                return
            try:
                self.visma.patch("supplierInvoice", number, {"note": f"checked by AP clerk ({n + 1})"})
                self.tally.actions["concurrent edit during approval"] += 1
            except AdminError as error:
                self.errors.append(str(error))

    def pay(self) -> None:
        """A payer pays an approved bill: in full, or one time in four about half of it."""
        candidates = [
            bill for bill, _ in self._bills("approved") if bill["airbase_id"] in self.approved - self.paid
        ]
        if not candidates:
            return
        bill = self.rng.choice(candidates)
        body: dict[str, Any] = {}
        if self.rng.random() < 0.25:
            body["amount"] = (Decimal(bill["total_amount"]) / 2).quantize(Decimal("0.01"))
        self.paid.add(bill["airbase_id"])
        self.airbase.post(f"bills/{bill['airbase_id']}/pay", body)
        self.tally.actions["bill paid (partially)" if body else "bill paid"] += 1

    def book_invoice(self) -> None:
        """A clerk books a new invoice today, copied from an existing one (no webhook: the poller)."""
        templates = [
            i
            for i in self.visma.state("supplierInvoice")
            if i["documentType"] == "Invoice" and i["status"] == "Open" and Decimal(i["amount"]) > 0
        ]
        if not templates:
            return
        template = self.rng.choice(templates)
        number = sum(self._booked.values()) + 1
        invoice = new_invoice_like(
            template, datetime.now(UTC).date(), description=f"Booked during the soak ({number})"
        )
        # One booking in four repeats the supplier's invoice number: Airbase must refuse the
        # duplicate and the connector must quarantine it with that reason.
        duplicate = self.rng.random() < 0.25
        if not duplicate:
            invoice["supplierReference"] = f"SOAK-{self.rng.randrange(10**8):08d}"
        self.visma.post("records/supplierInvoice", invoice)
        kind = "duplicate invoice booked" if duplicate else "invoice booked"
        self._booked[kind] += 1
        self.tally.actions[kind] += 1
