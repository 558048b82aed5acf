"""``/v1/purchaseorder`` and ``/v1|v2/PurchaseReceipt``: read-only lists and single GETs
(api/visma.md section 5). Both versions of the receipt endpoint serve one DTO; max page 500.
"""

from __future__ import annotations

from starlette.responses import Response

from visma_airbase_pipeline.sandbox.visma.query import DELTA_FILTERS, Filter, ListSpec
from visma_airbase_pipeline.sandbox.visma.resources.common import (
    ApiRoute,
    Call,
    list_response,
    not_found,
    single,
)
from visma_airbase_pipeline.sandbox.visma.store import record_time

ORDER_STATUSES = (
    "Hold", "Balanced", "Open", "Closed", "Cancelled", "Voided", "Printed", "PendingPrint", "PendingEmail",
)  # fmt: skip
ORDER_TYPES = ("RegularOrder", "DropShip", "Blanket", "StandardBlanket")
RECEIPT_STATUSES = ("Hold", "Balanced", "Released", "Cancelled")
RECEIPT_TYPES = ("PoReceipt", "PoReturn", "TransferReceipt")


def _supplier(e: object) -> object:
    return (getattr(e, "data", {}).get("supplier") or {}).get("number")


ORDER_SPEC = ListSpec(
    "purchaseorder",
    (
        Filter("orderStatus", "choice", lambda e: e.data.get("status"), ORDER_STATUSES),
        Filter("orderType", "choice", lambda e: e.data.get("orderType"), ORDER_TYPES),
        Filter("supplier", "text", _supplier),
        Filter("orderDate", "date", lambda e: record_time(e.data.get("date"))),
        *DELTA_FILTERS,
    ),
)
RECEIPT_SPEC = ListSpec(
    "PurchaseReceipt",
    (
        Filter("status", "choice", lambda e: e.data.get("status"), RECEIPT_STATUSES),
        Filter("receiptType", "choice", lambda e: e.data.get("receiptType"), RECEIPT_TYPES),
        Filter("supplier", "text", _supplier),
        Filter("poOrderNbr", "member", lambda e: [ln.get("poOrderNbr") for ln in e.data.get("lines") or []]),
        *DELTA_FILTERS,
    ),
)


async def list_orders(call: Call) -> Response:
    """``GET /v1/purchaseorder``."""
    col = call.store["purchaseorder"]
    return list_response(call, ORDER_SPEC, lambda: col, col.version)


async def get_order(call: Call) -> Response:
    """``GET /v1/purchaseorder/{orderNbr}`` with its ETag."""
    number = call.key("number")
    entry = call.store["purchaseorder"].get(number)
    if entry is None:
        raise not_found(f"Purchase order {number}")
    return single(entry.read(), entry)


async def list_receipts(call: Call) -> Response:
    """``GET /v1/PurchaseReceipt`` and ``/v2/PurchaseReceipt``."""
    col = call.store["PurchaseReceipt"]
    return list_response(call, RECEIPT_SPEC, lambda: col, col.version)


async def get_receipt(call: Call) -> Response:
    """``GET /v1/PurchaseReceipt/{receiptNumber}`` with its ETag."""
    number = call.key("number")
    entry = call.store["PurchaseReceipt"].get(number)
    if entry is None:
        raise not_found(f"Purchase receipt {number}")
    return single(entry.read(), entry)


ROUTES = [
    ApiRoute("/purchaseorder", "GET", list_orders),
    ApiRoute("/purchaseorder/{number}", "GET", get_order),
    ApiRoute("/PurchaseReceipt", "GET", list_receipts),
    ApiRoute("/PurchaseReceipt/{number}", "GET", get_receipt),
]
