"""Write DTO builders: the ``{"value": ...}`` wrapped shape Visma POST/PUT expect.

Rules of visma.md section 4: every scalar is wrapped; a field left unset is omitted (= unchanged);
a field explicitly set to ``None`` is sent as ``{"value": null}`` (= clear). Exceptions: line arrays
are plain lists of objects carrying an unwrapped ``operation``; a line's ``subaccount`` is an
unwrapped ``[{"segmentId", "segmentValue"}]``; a segment value's ``value`` is a plain string.
Amounts are rounded half-even to the currency's minor unit here, at the edge, and nowhere else.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

Operation = Literal["Insert", "Update", "Delete"]
_MINOR_UNITS = {
    "JPY": 0,
    "KRW": 0,
    "ISK": 0,
    "CLP": 0,
    "VND": 0,
    "BHD": 3,
    "KWD": 3,
    "JOD": 3,
    "OMR": 3,
    "TND": 3,
}


def wrap(value: Any) -> dict[str, Any]:
    """``{"value": value}``, with dates as ``yyyy-MM-dd``."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        value = value.isoformat()
    return {"value": value}


def round_money(amount: Decimal, currency: str | None) -> Decimal:
    """Round half-even to the currency's minor unit (2 decimals unless ISO 4217 says otherwise)."""
    places = _MINOR_UNITS.get((currency or "").upper(), 2)
    return amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)


class WriteModel(BaseModel):
    """Base of write DTOs; ``to_payload()`` renders the wrapped wire shape."""

    model_config = ConfigDict(extra="forbid")
    _unwrapped: ClassVar[frozenset[str]] = frozenset({"operation"})

    def _render(self, name: str, value: Any) -> Any:
        if isinstance(value, list):
            return [item.to_payload() if isinstance(item, WriteModel) else item for item in value]
        if isinstance(value, WriteModel):
            return {"value": value.to_payload()}
        if name in self._unwrapped:
            return value
        return wrap(value)

    def to_payload(self) -> dict[str, Any]:
        """The JSON body Visma expects (omitted = unchanged, explicit None = clear)."""
        payload: dict[str, Any] = {}
        for name in type(self).model_fields:
            value = getattr(self, name)
            if value is None and name not in self.model_fields_set:
                continue
            payload[to_camel(name)] = self._render(name, value)
        return payload


class AddressWrite(WriteModel):
    """``mainAddress`` of a supplier: a wrapped object of wrapped scalars."""

    address_line1: str | None = None
    address_line2: str | None = None
    postal_code: str | None = None
    city: str | None = None
    country_id: str | None = None


class SupplierWrite(WriteModel):
    """Create or update a supplier (``supplierClassId``, ``creditTermsId``: ids, not objects)."""

    name: str | None = None
    status: str | None = None
    supplier_class_id: str | None = None
    currency_id: str | None = None
    credit_terms_id: str | None = None
    payment_method_id: str | None = None
    vat_registration_id: str | None = None
    corporate_id: str | None = None
    main_address: AddressWrite | None = None


class SubaccountSegment(BaseModel):
    """One segment of a line's subaccount, sent unwrapped."""

    segment_id: int
    segment_value: str


class SupplierInvoiceLineWrite(WriteModel):
    """An invoice line operation; existing lines are addressed by ``line_number``."""

    operation: Operation = "Insert"
    line_number: int | None = None
    transaction_description: str | None = None
    quantity: Decimal | None = None
    unit_cost_in_currency: Decimal | None = None
    account_number: str | None = None
    subaccount: list[SubaccountSegment] | None = None
    vat_code_id: str | None = None

    def _render(self, name: str, value: Any) -> Any:
        if name == "subaccount" and value is not None:
            return [{"segmentId": s.segment_id, "segmentValue": s.segment_value} for s in value]
        return super()._render(name, value)


class SupplierInvoiceWrite(WriteModel):
    """Create or update a supplier invoice; for approvals usually just ``hold``."""

    document_type: str | None = None
    supplier_number: str | None = None
    supplier_reference: str | None = None
    date: dt.date | None = None
    due_date: dt.date | None = None
    currency_id: str | None = None
    hold: bool | None = None
    description: str | None = None
    invoice_lines: list[SupplierInvoiceLineWrite] | None = None


class SupplierPaymentLineWrite(WriteModel):
    """The amount of a payment applied to one document."""

    operation: Operation = "Insert"
    document_type: str = "Invoice"
    ref_nbr: str
    amount_paid: Decimal


class SupplierPaymentWrite(WriteModel):
    """A supplier payment; ``payment_ref`` carries the Airbase payment id for the exactly-once lookup."""

    type: str = "Payment"
    supplier: str
    payment_method: str | None = None
    cash_account: str | None = None
    currency: str | None = None
    application_date: dt.date | None = None
    payment_ref: str | None = None
    payment_amount: Decimal | None = None
    hold: bool | None = None
    description: str | None = None
    payment_lines: list[SupplierPaymentLineWrite] = []

    def to_payload(self) -> dict[str, Any]:
        """Wrapped payload with amounts rounded to the payment currency."""
        payload = super().to_payload()
        payload["type"] = wrap(self.type)
        payload["supplier"] = wrap(self.supplier)
        if self.payment_amount is not None:
            payload["paymentAmount"] = wrap(round_money(self.payment_amount, self.currency))
        payload["paymentLines"] = [
            {**line.to_payload(), "amountPaid": wrap(round_money(line.amount_paid, self.currency))}
            for line in self.payment_lines
        ]
        return payload


class SegmentValueWrite(WriteModel):
    """Insert or update one segment value (a cost centre); ``value`` is sent unwrapped."""

    _unwrapped: ClassVar[frozenset[str]] = frozenset({"operation", "value"})

    operation: Operation = "Insert"
    value: str
    description: str | None = None
    active: bool | None = None


def segment_values_payload(values: list[SegmentValueWrite]) -> dict[str, Any]:
    """Body of ``PUT /v1/dimension/{dimensionId}/{segmentId}``."""
    return {"segmentValues": [value.to_payload() for value in values]}
