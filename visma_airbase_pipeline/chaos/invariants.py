"""The end state a soak must reach, whatever was injected: read from what Visma and Airbase hold
(the sandboxes' admin state) and from the ledger, never from the connector's own account of itself.

- every Visma AP document is billed exactly once with its amount and description, or skipped by
  rule (prepayments, voided), or quarantined with a reason (which also explains a bill that could
  not take the document's latest change); no bill without its document;
- every approval reached Visma (the invoice is off hold);
- every Airbase payment is exactly one released Visma payment of the same amount carrying its id,
  and Airbase knows it synced; no Visma payment carries an id Airbase does not know;
- every webhook event was processed; every quarantined item says why.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from visma_airbase_pipeline.chaos.workload import invoice_key
from visma_airbase_pipeline.ledger import LedgerStore, inbox
from visma_airbase_pipeline.sandbox.admin_client import SandboxAdmin

_SIGN = {"Invoice": 1, "DebitAdj": 1, "CreditAdj": -1}
_NEVER_BILLED = {"Voided"}
_CENT = Decimal("0.01")


@dataclass
class EndState:
    """The verdict: figures per invariant and every violation found (empty when all hold)."""

    figures: dict[str, int] = field(default_factory=dict)
    violations: list[str] = field(default_factory=list)

    @property
    def holds(self) -> bool:
        """True when every invariant holds."""
        return not self.violations

    def fail(self, message: str) -> None:
        """Record one violation (the report lists them all)."""
        self.violations.append(message)


def check_end_state(visma: SandboxAdmin, airbase: SandboxAdmin, store: LedgerStore) -> EndState:
    """Every invariant of the module docstring, against the systems as they are now."""
    result = EndState()
    invoices = {invoice_key(i): i for i in visma.state("supplierInvoice")}
    bills = airbase.state("bills")
    quarantined = {item.record_key: item for item in store.quarantined("bill")}
    _check_bills(invoices, bills, quarantined, result)
    _check_approvals(invoices, bills, result)
    _check_payments(visma.state("supplierPayment"), airbase.state("ledger_entries"), result)
    pending = [e for e in inbox.events(store.engine) if e.processed_at is None]
    result.figures["webhook events"] = len(inbox.events(store.engine))
    result.figures["webhook events pending"] = len(pending)
    for event in pending[:20]:
        result.fail(f"webhook event {event.source}/{event.event_id} was never processed")
    open_items = store.quarantined()
    result.figures["quarantined"] = len(open_items)
    for item in open_items:
        if not (item.error or "").strip():
            result.fail(f"quarantined {item.kind} {item.record_key} gives no reason")
    return result


def _check_bills(
    invoices: dict[str, dict[str, Any]],
    bills: list[dict[str, Any]],
    quarantined: dict[str, Any],
    result: EndState,
) -> None:
    per_key = Counter(str(b["erp_reference_id"]) for b in bills)
    by_key = {str(b["erp_reference_id"]): b for b in bills}
    for key, count in per_key.items():
        if count > 1:
            result.fail(f"{count} bills for {key}")
        if key not in invoices:
            result.fail(f"bill {key} has no Visma document")
    billed = skipped = held = 0
    for key, invoice in invoices.items():
        doc_type, status = invoice["documentType"], invoice["status"]
        bill = by_key.get(key)
        if doc_type not in _SIGN or (status in _NEVER_BILLED and bill is None):
            skipped += 1
            continue
        if bill is None:
            if key in quarantined:
                held += 1
            elif status == "Closed":
                skipped += 1  # paid in full before the connector first saw it: nothing to approve
            else:
                result.fail(f"{key} ({status}) has no bill and is not quarantined")
            continue
        billed += 1
        if key in quarantined:
            continue  # a later change Airbase refused (say, the bill is locked after approval): explained
        expected = _SIGN[doc_type] * Decimal(invoice["amount"]).quantize(_CENT)
        if Decimal(bill["total_amount"]) != expected:
            result.fail(f"bill {key} is {bill['total_amount']}, the document {expected}")
        if status not in ("Voided", "Closed") and (bill.get("memo") or "") != (
            invoice.get("description") or ""
        ):
            result.fail(f"bill {key} says {bill.get('memo')!r}, the document {invoice.get('description')!r}")
    result.figures.update(
        {"documents": len(invoices), "billed": billed, "skipped by rule": skipped, "quarantined bills": held}
    )


def _check_approvals(
    invoices: dict[str, dict[str, Any]], bills: list[dict[str, Any]], result: EndState
) -> None:
    approved = 0
    for bill in bills:
        if bill["approval_status"] != "approved":
            continue
        approved += 1
        invoice = invoices.get(str(bill["erp_reference_id"]))
        if invoice is not None and (invoice.get("hold") or invoice["status"] == "Hold"):
            result.fail(f"{bill['erp_reference_id']} is approved in Airbase but still on hold in Visma")
    result.figures["approved bills"] = approved


def _check_payments(
    visma_payments: list[dict[str, Any]], entries: list[dict[str, Any]], result: EndState
) -> None:
    paid = {str(e["airbase_id"]): e for e in entries if e.get("type") == "bill_payment"}
    carrying: dict[str, list[dict[str, Any]]] = {}
    for payment in visma_payments:
        if payment.get("paymentRef"):
            carrying.setdefault(str(payment["paymentRef"]), []).append(payment)
    for ref in carrying.keys() - paid.keys():
        result.fail(f"Visma payment(s) {[p['refNbr'] for p in carrying[ref]]} carry unknown Airbase id {ref}")
    for airbase_id, entry in paid.items():
        posted = carrying.get(airbase_id, [])
        if len(posted) != 1:
            result.fail(f"Airbase payment {airbase_id} is {len(posted)} Visma payments")
            continue
        payment = posted[0]
        if Decimal(payment["paymentAmount"]) != Decimal(entry["total_amount"]):
            result.fail(
                f"Airbase payment {airbase_id} is {entry['total_amount']}, Visma's {payment['paymentAmount']}"
            )
        if not payment.get("released"):
            result.fail(f"Visma payment {payment['refNbr']} for {airbase_id} is not released")
        if entry.get("status") != "sync_complete":
            result.fail(f"Airbase payment {airbase_id} is {entry.get('status')}, not sync_complete")
    result.figures["Airbase payments"] = len(paid)
    result.figures["Visma payments posted"] = sum(len(v) for v in carrying.values())
