"""Check of the payment side: every acknowledged Airbase payment is exactly one released Visma
payment of the same amount and currency."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from visma_airbase_pipeline.ledger import LedgerStore, journal
from visma_airbase_pipeline.visma.client import VismaClient
from visma_airbase_pipeline.visma.documents import SupplierPayment


@dataclass
class PaymentReconciliation:
    """Acknowledged payments checked, and every problem found."""

    checked: int = 0
    problems: list[str] = field(default_factory=list)


def reconcile_payments(visma: VismaClient, store: LedgerStore) -> PaymentReconciliation:
    """Read Visma's payments per supplier once and match them to the journal by ``paymentRef``."""
    result = PaymentReconciliation()
    acknowledged = journal.entries(store.engine, "acknowledged")
    by_supplier: dict[str, list[SupplierPayment]] = {}
    for row in acknowledged:
        if row.supplier not in by_supplier:
            by_supplier[row.supplier] = list(visma.iter_supplier_payments(supplier=row.supplier))
    refs: dict[str, list[SupplierPayment]] = defaultdict(list)
    for payments in by_supplier.values():
        for payment in payments:
            if payment.payment_ref:
                refs[payment.payment_ref].append(payment)
    for row in acknowledged:
        result.checked += 1
        found = refs.get(row.airbase_payment_id, [])
        if len(found) != 1:
            result.problems.append(f"{row.airbase_payment_id}: {len(found)} Visma payments carry its id")
            continue
        payment = found[0]
        if not payment.released:
            result.problems.append(
                f"{row.airbase_payment_id}: Visma payment {payment.ref_nbr} is not released"
            )
        if payment.payment_amount != row.amount or (payment.currency or row.currency) != row.currency:
            result.problems.append(
                f"{row.airbase_payment_id}: Visma {payment.payment_amount} {payment.currency}, "
                f"Airbase {row.amount} {row.currency}"
            )
    return result
