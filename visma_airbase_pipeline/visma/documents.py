"""Read DTOs of Visma documents: supplier invoices, purchase orders and receipts, payments, journals.

Same tolerance rules as ``models.py``: optional fields, unknown fields kept, nulls to defaults,
money and quantities as ``Decimal``. Business dates become ``date``; ``lastModifiedDateTime`` stays
the server's opaque string because it is the delta watermark.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import AliasChoices, Field, field_validator

from visma_airbase_pipeline.visma.models import (
    IdRef,
    NullList,
    Ref,
    SubaccountRef,
    Tracked,
    VismaDate,
    VismaModel,
)


class SupplierInvoiceLine(VismaModel):
    """One line of a supplier invoice: GL account, cost centre (subaccount segment), amount."""

    line_number: int | None = None
    transaction_description: str | None = None
    quantity: Decimal | None = None
    unit_cost: Decimal | None = None
    unit_cost_in_currency: Decimal | None = None
    cost: Decimal | None = None
    cost_in_currency: Decimal | None = None
    amount: Decimal | None = None
    account: Ref | None = None
    subaccount: SubaccountRef | None = None
    vat_code: IdRef | None = None


class SupplierInvoice(Tracked):
    """An AP document (Invoice, CreditAdj, DebitAdj, Prepayment); becomes an Airbase bill."""

    document_type: str | None = None
    reference_number: str | None = None
    supplier_reference: str | None = None
    status: str | None = None
    hold: bool | None = None
    released: bool | None = None
    date: VismaDate = None
    due_date: VismaDate = None
    currency_id: str | None = None
    amount: Decimal | None = None
    balance: Decimal | None = None
    vat_total: Decimal | None = None
    description: str | None = None
    supplier: Ref | None = None
    invoice_lines: NullList[SupplierInvoiceLine] = []


class PurchaseOrderLine(VismaModel):
    """One PO line: what was ordered and how much has been received so far."""

    line_nbr: int | None = Field(default=None, validation_alias=AliasChoices("lineNbr", "lineNumber"))
    inventory: Ref | None = None
    warehouse: IdRef | None = None
    line_description: str | None = None
    order_qty: Decimal | None = None
    unit_cost: Decimal | None = None
    amount: Decimal | None = None
    qty_on_receipts: Decimal | None = None
    completed: bool | None = None
    canceled: bool | None = None
    account: Ref | None = None
    subaccount: SubaccountRef | None = None


class ReceiptRef(VismaModel):
    """A receipt listed on a purchase order."""

    receipt_number: str | None = Field(
        default=None, validation_alias=AliasChoices("receiptNumber", "receiptNbr")
    )
    status: str | None = None


class PurchaseOrder(Tracked):
    """A Visma purchase order; becomes an Airbase purchase order."""

    order_nbr: str | None = Field(default=None, validation_alias=AliasChoices("orderNbr", "orderNumber"))
    order_type: str | None = None
    status: str | None = None
    date: VismaDate = None
    currency: str | None = None
    supplier: Ref | None = None
    order_total: Decimal | None = None
    lines: NullList[PurchaseOrderLine] = []
    purchase_receipts: NullList[ReceiptRef] = []


class PurchaseReceiptLine(VismaModel):
    """One receipt line, pointing back at its PO line."""

    line_nbr: int | None = Field(default=None, validation_alias=AliasChoices("lineNbr", "lineNumber"))
    inventory: Ref | None = None
    warehouse: IdRef | None = None
    receipt_qty: Decimal | None = None
    unit_cost: Decimal | None = None
    po_order_nbr: str | None = None
    po_order_line_nbr: int | None = None


class PurchaseReceipt(Tracked):
    """A goods receipt; raises the received quantity of PO lines."""

    receipt_nbr: str | None = Field(
        default=None, validation_alias=AliasChoices("receiptNbr", "receiptNumber")
    )
    receipt_type: str | None = None
    status: str | None = None
    date: VismaDate = None
    supplier: Ref | None = None
    lines: NullList[PurchaseReceiptLine] = []


class SupplierPaymentLine(VismaModel):
    """The part of a payment applied to one document."""

    doc_type: str | None = Field(default=None, validation_alias=AliasChoices("docType", "documentType"))
    invoice_ref_nbr: str | None = Field(
        default=None, validation_alias=AliasChoices("invoiceRefNbr", "refNbr")
    )
    amount_paid: Decimal | None = None
    balance: Decimal | None = None


class SupplierPayment(Tracked):
    """A supplier payment; ``paymentRef`` carries the Airbase payment id (exactly-once lookup)."""

    type: str | None = None
    ref_nbr: str | None = None
    status: str | None = None
    released: bool | None = None
    hold: bool | None = None
    payment_ref: str | None = None
    supplier: Ref | None = None
    cash_account: str | None = None
    payment_method: str | None = None
    currency: str | None = None
    application_date: VismaDate = None
    payment_amount: Decimal | None = None
    payment_lines: NullList[SupplierPaymentLine] = []

    @field_validator("cash_account", "payment_method", "currency", mode="before")
    @classmethod
    def _flatten_ref(cls, value: Any) -> Any:
        # Documented as plain strings, but other Visma DTOs use {number}/{id} objects: accept both.
        if isinstance(value, dict):
            return value.get("number") or value.get("id") or value.get("value")
        return value


class JournalTransactionLine(VismaModel):
    """One GL line of a journal transaction."""

    line_number: int | None = None
    account_number: str | None = None
    account: Ref | None = None
    subaccount: SubaccountRef | None = None
    debit_amount: Decimal | None = None
    credit_amount: Decimal | None = None
    transaction_description: str | None = None
    reference_number: str | None = None


class JournalTransaction(Tracked):
    """A GL batch; lines of one batch may span pages and are merged by ``batchNumber``."""

    batch_number: str | None = None
    module: str | None = None
    status: str | None = None
    transaction_date: VismaDate = None
    post_period: str | None = None
    financial_period: str | None = None
    description: str | None = None
    currency_id: str | None = None
    journal_transaction_lines: NullList[JournalTransactionLine] = Field(
        default=[], validation_alias=AliasChoices("journalTransactionLines", "transactionLines", "lines")
    )


class ActionResult(VismaModel):
    """The answer of an action endpoint (release, ...)."""

    action_id: str | None = None
    action_result: str | None = None
    error_info: Any = None
