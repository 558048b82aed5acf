"""``GET /v1/supplierdocument``: a read-only list of every AP document (invoices, credit and debit
adjustments, prepayments, and payments) in one common shape (api/visma.md section 5).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from starlette.responses import Response

from visma_airbase_pipeline.sandbox.visma.query import DELTA_FILTERS, Filter, ListSpec
from visma_airbase_pipeline.sandbox.visma.resources.common import ApiRoute, Call, list_response
from visma_airbase_pipeline.sandbox.visma.store import Entry, record_time

_COMMON = ("status", "hold", "released", "supplier", "description", "lastModifiedDateTime", "createdDateTime")
_TYPES = ("Invoice", "CreditAdj", "DebitAdj", "Prepayment", "Payment", "Refund", "VoidPayment", "VoidRefund")


def _doc_type(entry: Entry) -> Any:
    return entry.data.get("type") if entry.collection == "supplierPayment" else entry.data.get("documentType")


def render(entry: Entry) -> dict[str, Any]:
    """An invoice or payment in the supplier-document shape."""
    data = entry.data
    doc = {key: data.get(key) for key in _COMMON}
    if entry.collection == "supplierPayment":
        doc.update(
            documentType=data.get("type"),
            referenceNumber=data.get("refNbr"),
            date=data.get("applicationDate"),
            dueDate=None,
            currencyId=data.get("currency"),
            amount=data.get("paymentAmount"),
            balance=data.get("unappliedBalance"),
            supplierReference=data.get("paymentRef"),
        )
    else:
        for key in ("documentType", "referenceNumber", "date", "dueDate", "currencyId", "amount", "balance"):
            doc[key] = data.get(key)
        doc["supplierReference"] = data.get("supplierReference")
    doc["timeStamp"] = entry.etag
    return doc


SPEC = ListSpec(
    "supplierdocument",
    (
        Filter("supplier", "text", lambda e: (e.data.get("supplier") or {}).get("number")),
        Filter("documentType", "choice", _doc_type, _TYPES),
        Filter("status", "text", lambda e: e.data.get("status")),
        Filter("released", "bool", lambda e: e.data.get("released")),
        Filter(
            "docDate",
            "date",
            lambda e: record_time(
                e.data.get("applicationDate") if e.collection == "supplierPayment" else e.data.get("date")
            ),
        ),
        *DELTA_FILTERS,
    ),
)


async def list_documents(call: Call) -> Response:
    """``GET /v1/supplierdocument``."""
    invoices, payments = call.store["supplierInvoice"], call.store["supplierPayment"]

    def every() -> Iterator[Entry]:
        """Invoices first, then payments: one stable order for paging."""
        yield from invoices
        yield from payments

    return list_response(call, SPEC, every, (invoices.version, payments.version), render)


ROUTES = [ApiRoute("/supplierdocument", "GET", list_documents)]
