"""Airbase bill payments -> Visma supplier payments (pure: the caller supplies the invoices)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from visma_airbase_pipeline.mapping.errors import MappingError
from visma_airbase_pipeline.mapping.money import to_minor
from visma_airbase_pipeline.visma.writes import SupplierPaymentLineWrite, SupplierPaymentWrite


@dataclass(frozen=True)
class PayableInvoice:
    """What a payment needs to know of a Visma invoice it pays."""

    document_type: str
    number: str
    supplier: str
    currency: str
    balance: Decimal
    status: str
    payment_method: str | None = None


@dataclass(frozen=True)
class PaymentRequest:
    """An Airbase bill payment, reduced to what Visma needs."""

    airbase_payment_id: str
    amount: Decimal | None
    currency: str | None
    bank_account: str | None
    paid_on: date | None


def split_amount(total: Decimal, invoices: list[PayableInvoice], currency: str) -> list[Decimal]:
    """How a payment over several invoices is applied: each invoice's balance in turn, the
    remainder (a partial payment) on the last one reached."""
    left = total
    parts = []
    for invoice in invoices:
        part = min(left, invoice.balance)
        parts.append(to_minor(part, currency))
        left -= part
    if left > 0:
        raise MappingError(f"payment {total} {currency} is more than the invoices' open balance")
    return parts


def payment_to_visma(request: PaymentRequest, invoices: list[PayableInvoice]) -> SupplierPaymentWrite:
    """The Visma SupplierPayment for one Airbase payment: applied to its invoices, from the bank
    (cash) account the money left, carrying the Airbase payment id in ``paymentRef``."""
    if not invoices:
        raise MappingError("the payment is not applied to any known bill")
    amount = request.amount
    if amount is None or not amount.is_finite() or amount <= 0:
        raise MappingError(f"the payment amount {amount} is not a positive amount")
    currency = (request.currency or "").upper()
    suppliers = {i.supplier for i in invoices}
    if len(suppliers) != 1:
        raise MappingError(f"the payment covers bills of several suppliers ({', '.join(sorted(suppliers))})")
    for invoice in invoices:
        if invoice.currency != currency:
            raise MappingError(
                f"the payment is in {currency or 'no currency'} "
                f"but invoice {invoice.number} is in {invoice.currency}"
            )
        if invoice.document_type != "Invoice":
            raise MappingError(
                f"{invoice.document_type} {invoice.number} cannot be paid with a supplier payment"
            )
    if not request.bank_account:
        raise MappingError("the payment has no bank account (the GL cash account the money left)")
    parts = split_amount(amount, invoices, currency)
    return SupplierPaymentWrite(
        type="Payment",
        supplier=suppliers.pop(),
        payment_method=invoices[0].payment_method,
        cash_account=request.bank_account,
        currency=currency,
        application_date=request.paid_on,
        payment_ref=request.airbase_payment_id,
        payment_amount=to_minor(amount, currency),
        hold=False,
        description=f"Airbase payment {request.airbase_payment_id}",
        payment_lines=[
            SupplierPaymentLineWrite(document_type=i.document_type, ref_nbr=i.number, amount_paid=part)
            for i, part in zip(invoices, parts, strict=True)
            if part > 0
        ],
    )
