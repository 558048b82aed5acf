"""Supplier invoices -> Airbase bills.

The bill mirrors the invoice to the minor unit: one bill line per invoice line (GL account and
cost-centre tag), plus the VAT as its own line on the input-VAT account, so the lines sum to the
invoice amount. A credit note becomes a vendor credit (negative amounts).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from visma_airbase_pipeline.mapping.checks import clean_text, require_date
from visma_airbase_pipeline.mapping.errors import MappingError, Skip
from visma_airbase_pipeline.mapping.money import exact_amount, money_str, require_currency
from visma_airbase_pipeline.mapping.reference import Company, cost_center_tag_id
from visma_airbase_pipeline.visma.documents import SupplierInvoice

#: Document types Airbase holds as bills, and the sign their amounts take there.
_BILLED_TYPES = {"Invoice": 1, "DebitAdj": 1, "CreditAdj": -1}
_SKIPPED_STATUSES = {"Voided": "voided in Visma", "Closed": "already closed (paid) in Visma"}


@dataclass
class BillReferences:
    """What must already exist in Airbase for a bill to be valid there."""

    vendors: set[str] = field(default_factory=set)
    accounts: set[str] = field(default_factory=set)
    cost_centers: set[str] = field(default_factory=set)
    currencies: set[str] = field(default_factory=set)
    #: Orders already in Airbase; a bill links only to those (None: link without checking).
    purchase_orders: set[str] | None = None


def bill_reference_id(document_type: str, reference_number: str) -> str:
    """The bill's ERP id, mirroring Visma's own path: ``Invoice/000123``."""
    return f"{document_type}/{reference_number}"


def invoice_to_bill(invoice: SupplierInvoice, refs: BillReferences, company: Company) -> dict[str, Any]:
    """The Airbase bill bulk-upsert item for a Visma AP document.

    Raises ``Skip`` for documents Airbase should not hold (prepayments, voided or closed ones)
    and ``MappingError`` for documents that cannot be billed as they are (quarantined).
    """
    doc_type = clean_text(invoice.document_type, "the documentType")
    number = clean_text(invoice.reference_number, "the referenceNumber")
    if not doc_type or not number:
        raise MappingError("the document has no documentType or referenceNumber")
    if doc_type == "Prepayment":
        raise Skip("prepayments are not billed")
    if doc_type not in _BILLED_TYPES:
        raise MappingError(f"unsupported document type {doc_type!r}")
    if invoice.status in _SKIPPED_STATUSES:
        raise Skip(_SKIPPED_STATUSES[invoice.status])
    sign = _BILLED_TYPES[doc_type]

    supplier = invoice.supplier.number if invoice.supplier else None
    if not supplier:
        raise MappingError("the invoice has no supplier")
    if supplier not in refs.vendors:
        raise MappingError(f"supplier {supplier} has no vendor in Airbase")
    currency = require_currency(invoice.currency_id, "the invoice (currencyId)")
    if refs.currencies and currency not in refs.currencies:
        raise MappingError(f"currency {currency} is not set up in Airbase")
    if invoice.date is None:
        raise MappingError("the invoice has no document date")
    invoice_date = require_date(invoice.date, "the invoice date")
    due = require_date(invoice.due_date, "the due date") if invoice.due_date else invoice_date
    if due < invoice_date:
        raise MappingError(f"due date {due} is before the invoice date {invoice_date}")
    amount = exact_amount(invoice.amount, "the invoice amount", currency)
    if amount <= 0:
        raise MappingError(f"the invoice amount {amount} is not positive")
    if not invoice.invoice_lines:
        raise MappingError("the invoice has no lines")

    lines, net = _lines(invoice, refs, currency, sign)
    vat_total = amount - net
    stated_vat = (
        exact_amount(invoice.vat_total, "the VAT total (vatTotal)", currency)
        if invoice.vat_total is not None
        else None
    )
    if stated_vat is not None and stated_vat != vat_total:
        raise MappingError(f"amount {amount} is not lines {net} plus VAT {stated_vat}")
    if vat_total < 0:
        raise MappingError(f"the invoice's VAT ({vat_total}) is negative")
    if vat_total:
        lines.append(
            {
                "line_number": len(lines) + 1,
                "description": "Ingående moms (VAT)",
                "amount": money_str(sign * vat_total, currency),
                "erp_account_reference_id": company.input_vat_account,
                "erp_tag_reference_ids": [],
            }
        )

    po_numbers = {
        str(line.model_extra["poNumber"])
        for line in invoice.invoice_lines
        if line.model_extra and line.model_extra.get("poNumber")
    }
    po_number = po_numbers.pop() if len(po_numbers) == 1 else None
    if po_number is not None and refs.purchase_orders is not None and po_number not in refs.purchase_orders:
        po_number = None
    return {
        "erp_reference_id": bill_reference_id(doc_type, number),
        "invoice_number": clean_text(invoice.supplier_reference, "the supplierReference") or number,
        "erp_vendor_reference_id": supplier,
        "erp_subsidiary_reference_id": company.subsidiary_id,
        "erp_currency_reference_id": currency,
        "erp_ap_account_reference_id": company.ap_account,
        "invoice_date": invoice_date.isoformat(),
        "due_date": due.isoformat(),
        "total_amount": money_str(sign * amount, currency),
        "memo": clean_text(invoice.description, "the description", multiline=True),
        "erp_purchase_order_reference_id": po_number,
        "lines": lines,
    }


def _lines(
    invoice: SupplierInvoice, refs: BillReferences, currency: str, sign: int
) -> tuple[list[dict[str, Any]], Decimal]:
    lines: list[dict[str, Any]] = []
    net = Decimal(0)
    for position, line in enumerate(invoice.invoice_lines, start=1):
        where = f"line {line.line_number or position}"
        cost = exact_amount(line.cost if line.cost is not None else line.amount, f"{where} amount", currency)
        account = line.account.number if line.account else None
        if not account:
            raise MappingError(f"{where} has no GL account")
        if account not in refs.accounts:
            raise MappingError(f"{where}: GL account {account} does not exist in Airbase (or is inactive)")
        tags = []
        segment = _cost_center(line.subaccount.segments if line.subaccount else [])
        if segment is not None:
            if segment not in refs.cost_centers:
                raise MappingError(f"{where}: cost centre {segment} does not exist in Airbase")
            tags.append(cost_center_tag_id(segment))
        net += cost
        lines.append(
            {
                "line_number": position,
                "description": clean_text(
                    line.transaction_description, f"{where} description", multiline=True
                ),
                "amount": money_str(sign * cost, currency),
                "erp_account_reference_id": account,
                "erp_tag_reference_ids": tags,
            }
        )
    return lines, net


def _cost_center(segments: list[Any]) -> str | None:
    for segment in segments:
        if segment.segment_id in (None, 1) and segment.segment_value:
            return str(segment.segment_value)
    return None
