"""Purchase orders and their receipts -> Airbase purchase orders with ordered and received
quantities per line (received = released receipts only; Airbase has no receipt resource).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from visma_airbase_pipeline.mapping.checks import clean_text, require_date
from visma_airbase_pipeline.mapping.errors import MappingError
from visma_airbase_pipeline.mapping.money import (
    exact_amount,
    money_str,
    require_amount,
    require_currency,
    to_minor,
)
from visma_airbase_pipeline.mapping.reference import Company, cost_center_tag_id
from visma_airbase_pipeline.visma.documents import PurchaseOrder, PurchaseReceipt

_STATUS = {"Closed": "closed", "Cancelled": "cancelled", "Voided": "cancelled"}


def received_quantities(order_nbr: str, receipts: Iterable[PurchaseReceipt]) -> dict[int, Decimal]:
    """Quantity received per PO line, from the *released* receipts of that order."""
    received: dict[int, Decimal] = defaultdict(Decimal)
    for receipt in receipts:
        if receipt.status != "Released":
            continue
        for line in receipt.lines:
            if line.po_order_nbr == order_nbr and line.po_order_line_nbr is not None:
                where = f"receipt {receipt.receipt_nbr} line {line.line_nbr}"
                quantity = (
                    require_amount(line.receipt_qty, f"{where} quantity") if line.receipt_qty else Decimal(0)
                )
                if quantity < 0:
                    raise MappingError(f"{where}: received quantity {quantity} is negative")
                received[line.po_order_line_nbr] += quantity
    return dict(received)


def order_to_airbase(
    order: PurchaseOrder,
    receipts: Iterable[PurchaseReceipt],
    company: Company,
    *,
    vendors: set[str],
) -> dict[str, Any]:
    """The Airbase purchase-order bulk-upsert item for a Visma order and its receipts."""
    number = clean_text(order.order_nbr, "the purchase order number")
    if not number:
        raise MappingError("the purchase order has no number")
    supplier = order.supplier.number if order.supplier else None
    if not supplier:
        raise MappingError(f"purchase order {number} has no supplier")
    if supplier not in vendors:
        raise MappingError(f"supplier {supplier} has no vendor in Airbase")
    currency = require_currency(order.currency or company.base_currency, f"purchase order {number}")
    if order.date is None:
        raise MappingError(f"purchase order {number} has no order date")
    order_date = require_date(order.date, f"the order date of purchase order {number}")
    received = received_quantities(number, receipts)
    lines = []
    total = Decimal(0)
    for line in order.lines:
        where = f"purchase order {number} line {line.line_nbr}"
        if line.line_nbr is None:
            raise MappingError(f"purchase order {number} has a line without a number")
        quantity = require_amount(line.order_qty, f"{where} quantity")
        if quantity <= 0:
            raise MappingError(f"{where}: quantity {quantity} is not positive")
        unit_price = require_amount(line.unit_cost, f"{where} unit cost")
        if unit_price < 0:
            raise MappingError(f"{where}: unit cost {unit_price} is negative")
        # A stated line amount is source money (exact); quantity x unit cost is ours to round.
        amount = (
            exact_amount(line.amount, f"{where} amount", currency)
            if line.amount is not None
            else to_minor(quantity * unit_price, currency)
        )
        if require_amount(amount, f"{where} amount") < 0:
            raise MappingError(f"{where}: amount {amount} is negative")
        got = received.get(line.line_nbr, Decimal(0))
        if got > quantity:
            raise MappingError(f"{where}: received {got} is more than the {quantity} ordered")
        warehouse = line.warehouse.id if line.warehouse else None
        segment = next((s.segment_value for s in (line.subaccount.segments if line.subaccount else [])), None)
        description = clean_text(
            line.line_description or (line.inventory.description if line.inventory else None),
            f"{where} description",
        )
        lines.append(
            {
                "line_number": line.line_nbr,
                "erp_reference_id": f"{number}/{line.line_nbr}",
                "description": f"{description} [{warehouse}]" if warehouse else description,
                "erp_warehouse_reference_id": warehouse,
                "quantity": f"{quantity:f}",
                "unit_price": f"{unit_price:f}",
                "amount": money_str(amount, currency),
                "received_quantity": f"{got:f}",
                "erp_account_reference_id": line.account.number if line.account else None,
                "erp_tag_reference_ids": [cost_center_tag_id(segment)] if segment else [],
            }
        )
        total += amount
    if not lines:
        raise MappingError(f"purchase order {number} has no lines")
    return {
        "erp_reference_id": number,
        "po_number": number,
        "erp_vendor_reference_id": supplier,
        "erp_subsidiary_reference_id": company.subsidiary_id,
        "erp_currency_reference_id": currency,
        "order_date": order_date.isoformat(),
        "status": _STATUS.get(order.status or "", "open"),
        "total_amount": money_str(total, currency),
        "lines": lines,
    }
