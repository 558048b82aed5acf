"""Read DTOs of Airbase objects: vendors, GL accounts, tags, bills, purchase orders, ledger entries.

Airbase sends money and quantities as decimal strings of varying precision (``"1250.00"``, ``"75"``)
and they become ``Decimal``, never float. ``null``/``""`` ERP ids both mean "not linked". Missing
objects are ``null`` and lists ``[]``; unknown fields are kept. Naive date-times are UTC.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, field_validator


def _utc(value: Any) -> Any:
    if isinstance(value, str) and value:
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def _date(value: Any) -> Any:
    if isinstance(value, str) and len(value) >= 10:
        return date.fromisoformat(value[:10])
    if isinstance(value, datetime):
        return value.date()
    return value


def _empty_if_null(value: Any) -> Any:
    return [] if value is None else value


T = TypeVar("T")
UtcDateTime = Annotated[datetime | None, BeforeValidator(_utc)]
CalendarDate = Annotated[date | None, BeforeValidator(_date)]
#: A list sent as ``null``: read as empty (every other field defaults to None, so this is the only
#: null that needs a default; cheaper than a before-validator on every model).
NullList = Annotated[list[T], BeforeValidator(_empty_if_null)]


class AirbaseModel(BaseModel):
    """Base of Airbase DTOs: tolerant of unknown fields and nulls."""

    model_config = ConfigDict(extra="allow", coerce_numbers_to_str=True)


class Linked(AirbaseModel):
    """Any object with Airbase and ERP ids."""

    id: str | None = None
    airbase_id: str | None = None
    erp_reference_id: str | None = None
    name: str | None = None

    @property
    def is_linked(self) -> bool:
        """True when the object carries an ERP id (``null`` and ``""`` both mean no)."""
        return bool(self.erp_reference_id)


class Currency(AirbaseModel):
    """``{erp_reference_id, iso_code}``; one ISO code may exist twice (ERP-pushed and auto-created)."""

    erp_reference_id: str | None = None
    iso_code: str | None = None


class Money(AirbaseModel):
    """An amount and its currency."""

    amount: Decimal | None = None
    currency: Currency | None = None


class Person(AirbaseModel):
    """An approver or spend owner."""

    name: str | None = None
    email: str | None = None


class Vendor(Linked):
    """An Airbase vendor (a Visma supplier once linked)."""

    subsidiary_reference_ids: NullList[Linked] = []
    erp_parent_reference_id: str | None = None
    is_active: bool | None = None
    email: str | None = None
    created_in_airbase: bool | None = None


class Account(Linked):
    """A GL account pushed from the ERP (read-only in Airbase)."""

    account_number: str | None = None
    type: str | None = None
    category: str | None = None
    subsidiary_reference_ids: NullList[Linked] = []
    erp_currency_reference_id: str | None = None
    is_active: bool | None = None


class Tag(Linked):
    """A tag value of a dimension (``type``: cost_center, department, project)."""

    type: str | None = None
    is_active: bool | None = None
    created_in_airbase: bool | None = None
    subsidiary_reference_ids: NullList[Linked] = []


class BillLine(AirbaseModel):
    """One line of a bill: GL account, tags, amount."""

    line_number: int | None = None
    description: str | None = None
    amount: Decimal | None = None
    erp_account_reference_id: str | None = None
    erp_tag_reference_ids: NullList[str] = []


class Approval(AirbaseModel):
    """One approval decision on a bill."""

    approver: Person | None = None
    decision: str | None = None
    decided_at: UtcDateTime = None
    comment: str | None = None


class Bill(Linked):
    """A bill (a Visma supplier invoice) with its approval and payment state."""

    invoice_number: str | None = None
    erp_vendor_reference_id: str | None = None
    erp_subsidiary_reference_id: str | None = None
    erp_currency_reference_id: str | None = None
    erp_ap_account_reference_id: str | None = None
    erp_purchase_order_reference_id: str | None = None
    invoice_date: CalendarDate = None
    due_date: CalendarDate = None
    total_amount: Decimal | None = None
    amount_paid: Decimal | None = None
    memo: str | None = None
    lines: NullList[BillLine] = []
    approval_status: str | None = None
    payment_status: str | None = None
    is_archived: bool | None = None
    airbase_url: str | None = None
    created_date: UtcDateTime = None
    updated_date: UtcDateTime = None
    approvals: NullList[Approval] = []


class PurchaseOrderLine(AirbaseModel):
    """One PO line; ``received_quantity`` rises with goods receipts."""

    line_number: int | None = None
    erp_reference_id: str | None = None
    description: str | None = None
    quantity: Decimal | None = None
    unit_price: Decimal | None = None
    amount: Decimal | None = None
    received_quantity: Decimal | None = None
    erp_account_reference_id: str | None = None
    erp_tag_reference_ids: NullList[str] = []


class PurchaseOrder(Linked):
    """A purchase order mirrored from Visma."""

    po_number: str | None = None
    erp_vendor_reference_id: str | None = None
    erp_subsidiary_reference_id: str | None = None
    erp_currency_reference_id: str | None = None
    order_date: CalendarDate = None
    status: str | None = None
    total_amount: Decimal | None = None
    lines: NullList[PurchaseOrderLine] = []


class TagRef(AirbaseModel):
    """A tag on an expense line."""

    erp_reference_id: str | None = None
    name: str | None = None
    type: str | None = None


class ExpenseLine(AirbaseModel):
    """One expense line of a ledger entry (``line_number`` is opaque, not 1..n)."""

    line_number: int | None = None
    account: Linked | None = None
    amount: Decimal | None = None
    tags: NullList[TagRef] = []
    description: str | None = None
    receipt_link: str | None = None


class Amounts(AirbaseModel):
    """Original, settled and subsidiary-currency amounts of a ledger entry."""

    amount: Money | None = None
    transaction_amount: Money | None = None
    settlement_amount: Money | None = None
    subsidiary_amount: Money | None = None


class AppliedTo(AirbaseModel):
    """The entry a payment applies to (a ``bill`` entry)."""

    id: str | None = None
    airbase_id: str | None = None
    transaction_type: str | None = None


class LedgerEntry(Linked):
    """An Airbase ledger entry to write to the ERP (bill approvals, bill payments, ...)."""

    type: str | None = None
    status: str | None = None
    error_message: str | None = None
    erp_url: str | None = None
    airbase_url: str | None = None
    url: str | None = None
    spend_owner: Person | None = None
    subsidiary: Linked | None = None
    vendor: Vendor | None = None
    employee: Any = None
    credit_mode: Any = None
    invoice_number: str | None = None
    bank_account: Linked | None = None
    ap_account: Linked | None = None
    applied_to: NullList[AppliedTo] = []
    receipt_link: str | None = None
    entry_date: UtcDateTime = None
    payment_entry_date: UtcDateTime = None
    currency: Currency | None = None
    total_amount: Decimal | None = None
    transaction_tags: NullList[Any] = []
    notes: str | None = None
    is_amortized: bool | None = None
    expense_list: NullList[ExpenseLine] = []
    amounts: Amounts | None = None
    payment_method: str | None = None
    payment_status: str | None = None

    @field_validator("applied_to", mode="before")
    @classmethod
    def _applied_to_list(cls, value: Any) -> Any:
        # Recorded as a list although one published schema says object: accept both.
        return [value] if isinstance(value, dict) else value
