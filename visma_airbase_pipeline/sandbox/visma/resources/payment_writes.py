"""Applying a supplier-payment write DTO and checking its applications against the open documents.

Visma's sign rule: applying a credit note (CreditAdj) *reduces* what the payment pays, so the
applied total is invoices and debit adjustments minus credit notes. Over-payment (more than a
document's balance, or applications beyond ``paymentAmount``) and lines on unknown, foreign or
closed documents are 400s naming the field.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from visma_airbase_pipeline.sandbox.seed.reference import PAYMENT_METHODS
from visma_airbase_pipeline.sandbox.visma.dto import UNSET, Dto, invalid
from visma_airbase_pipeline.sandbox.visma.posting import money
from visma_airbase_pipeline.sandbox.visma.resources.invoice_writes import (
    DOCUMENT_TYPES,
    account_ref,
    supplier_ref,
)
from visma_airbase_pipeline.sandbox.visma.store import VismaStore

PAYMENT_TYPES = ("Payment", "DebitAdj", "Prepayment", "Refund", "VoidPayment", "VoidRefund")
_ZERO = Decimal("0.00")
_CASH_ACCOUNTS = {"SEK": "1930", "EUR": "1940", "USD": "1941"}


def line_sign(doc_type: Any) -> Decimal:
    """+1 for documents the payment settles, -1 for credit notes that reduce what is paid."""
    return Decimal(-1) if doc_type == "CreditAdj" else Decimal(1)


def applied_total(lines: list[dict[str, Any]]) -> Decimal:
    """The net amount the lines apply (credit notes subtract)."""
    return sum((line_sign(ln.get("docType")) * Decimal(ln.get("amountPaid") or 0) for ln in lines), _ZERO)


def open_document_problem(store: VismaStore, doc_type: str, number: str, supplier: Any) -> str | None:
    """Why a document cannot take a payment application now, or None when it can."""
    entry = store["supplierInvoice"].get(number)
    if entry is None or entry.data.get("documentType") != doc_type:
        return f"Document {doc_type} {number} does not exist."
    if (entry.data.get("supplier") or {}).get("number") != supplier:
        return f"Document {doc_type} {number} belongs to another supplier."
    if entry.data.get("status") != "Open" or not entry.data.get("released"):
        return f"Document {doc_type} {number} has status {entry.data.get('status')} and cannot be paid."
    return None


def _apply_line(store: VismaStore, line: dict[str, Any], dto: Dto, supplier: Any, inserting: bool) -> None:
    doc_type = dto.choice("documentType", DOCUMENT_TYPES) if dto.has("documentType") else UNSET
    if doc_type is not UNSET:
        line["docType"] = doc_type or "Invoice"
    ref = dto.text("refNbr", required=inserting)
    if ref is not UNSET and ref is not None:
        line["invoiceRefNbr"] = ref
    problem = open_document_problem(store, line["docType"], line["invoiceRefNbr"], supplier)
    if problem:
        raise invalid(dto.name("refNbr"), problem)
    balance = Decimal(store["supplierInvoice"].entries[line["invoiceRefNbr"]].data.get("balance") or 0)
    paid = dto.decimal("amountPaid")
    if paid is not UNSET and paid is not None:
        line["amountPaid"] = money(paid)
    elif inserting:
        line["amountPaid"] = balance
    if Decimal(line["amountPaid"]) <= 0:
        raise invalid(dto.name("amountPaid"), "must be greater than zero.")
    if Decimal(line["amountPaid"]) > balance:
        raise invalid(
            dto.name("amountPaid"),
            f"Over-payment: {line['amountPaid']} exceeds the balance {balance} of document "
            f"{line['docType']} {line['invoiceRefNbr']}.",
        )
    line["balance"] = balance - Decimal(line["amountPaid"])


def apply_payment_lines(store: VismaStore, data: dict[str, Any], dtos: list[Dto]) -> None:
    """Insert/Update/Delete application lines (by ``lineNumber``, or by ``refNbr`` when absent)."""
    lines = [dict(ln) for ln in data.get("paymentLines") or []]
    supplier = (data.get("supplier") or {}).get("number")
    for dto in dtos:
        operation = dto.operation()
        number = dto.line_number(required=False)
        ref = dto.body.get("refNbr", {}).get("value") if isinstance(dto.body.get("refNbr"), dict) else None
        index = next(
            (
                i
                for i, ln in enumerate(lines)
                if (number is not None and ln.get("lineNumber") == number)
                or (number is None and ref is not None and ln.get("invoiceRefNbr") == ref)
            ),
            None,
        )
        if operation == "Insert":
            if index is not None:
                raise invalid(dto.name("refNbr"), f"Document {ref} is already applied by this payment.")
            line = {"lineNumber": max((ln.get("lineNumber") or 0 for ln in lines), default=0) + 1}
            line["docType"] = "Invoice"
            _apply_line(store, line, dto, supplier, inserting=True)
            lines.append(line)
        elif index is None:
            raise invalid(dto.name("lineNumber"), "No such payment line.")
        elif operation == "Delete":
            del lines[index]
        else:
            _apply_line(store, lines[index], dto, supplier, inserting=False)
    data["paymentLines"] = lines


def apply_payment(store: VismaStore, data: dict[str, Any], dto: Dto, *, creating: bool) -> None:
    """Copy a payment write DTO onto a read-shape record and check the applied amounts."""
    kind = dto.choice("type", PAYMENT_TYPES)
    if kind is not UNSET and kind is not None and not creating and kind != data.get("type"):
        raise invalid("type", "cannot change on an existing payment.")
    supplier_number = dto.text("supplier", required=creating)
    if supplier_number is not UNSET and supplier_number is not None:
        if not creating and data.get("paymentLines") and supplier_number != data["supplier"]["number"]:
            raise invalid("supplier", "cannot change while documents are applied.")
        data["supplier"] = supplier_ref(store, supplier_number, "supplier")
    supplier = store["supplier"].get(data["supplier"]["number"])
    method = dto.text("paymentMethod")
    if method is not UNSET:
        if method is not None and method not in PAYMENT_METHODS:
            raise invalid("paymentMethod", f"Payment method '{method}' does not exist.")
        data["paymentMethod"] = {"id": method} if method else None
    cash = dto.text("cashAccount")
    if cash is not UNSET:
        data["cashAccount"] = account_ref(store, cash, "cashAccount")["number"] if cash else None
    currency = dto.currency("currency")
    if currency is not UNSET:
        data["currency"] = currency
    if not data.get("currency"):
        data["currency"] = (supplier.data.get("currencyId") if supplier else None) or store.base_currency
    if creating:
        # What a clerk's screen fills in: the supplier's method and the bank account of the currency.
        if "paymentMethod" not in data and supplier is not None:
            data["paymentMethod"] = {"id": (supplier.data.get("paymentMethod") or {}).get("id")}
        default_cash = _CASH_ACCOUNTS.get(str(data["currency"]))
        if not data.get("cashAccount") and default_cash in store["account"].entries:
            data["cashAccount"] = default_cash
    when = dto.date("applicationDate")
    if when is not UNSET:
        data["applicationDate"] = when
    if not data.get("applicationDate"):
        data["applicationDate"] = store.clock.now().date().isoformat() + "T00:00:00"
    data["financialPeriod"] = str(data["applicationDate"])[:4] + str(data["applicationDate"])[5:7]
    for field in ("paymentRef", "description"):
        value = dto.text(field, max_len=255)
        if value is not UNSET:
            data[field] = value
    before = applied_total(data.get("paymentLines") or [])
    lines = dto.items("paymentLines")
    if lines is not UNSET:
        apply_payment_lines(store, data, lines)
    applied = applied_total(data.get("paymentLines") or [])
    if applied < 0:
        raise invalid("paymentLines", f"The applications total {applied}: a payment cannot be negative.")
    amount = dto.decimal("paymentAmount", minimum=_ZERO)
    if amount is not UNSET and amount is not None:
        data["paymentAmount"] = money(amount)
    elif creating or amount is None or Decimal(data.get("paymentAmount") or 0) == before:
        # Not given (or cleared): the amount follows the applications, as when keyed in the ERP.
        data["paymentAmount"] = applied
    if applied > Decimal(data["paymentAmount"]):
        raise invalid(
            "paymentAmount",
            f"Over-payment: the applications total {applied}, more than {data['paymentAmount']}.",
        )
    data["unappliedBalance"] = Decimal(data["paymentAmount"]) - applied
