"""``/v1/supplierInvoice``: lists, single GETs (``/{documentType}/{number}`` and ``/{number}`` for
type Invoice), create, update (including ``hold``) and the actions ``release``, ``prebook`` and
``voidinvoice`` (api/visma.md sections 5 and 7).

Status rules: a new document is ``Balanced`` (``Hold`` when created on hold); release takes
``Balanced``/``Prebooked`` to ``Open`` and posts a GL batch; a document on hold cannot be
released (200 with ``actionResult: Failed``). Only real status changes send a webhook.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from starlette.responses import Response

from visma_airbase_pipeline.sandbox.framework import ApiError
from visma_airbase_pipeline.sandbox.visma import webhooks
from visma_airbase_pipeline.sandbox.visma.dto import UNSET, invalid
from visma_airbase_pipeline.sandbox.visma.posting import post_invoice
from visma_airbase_pipeline.sandbox.visma.query import DELTA_FILTERS, Filter, ListSpec
from visma_airbase_pipeline.sandbox.visma.resources.common import (
    ApiRoute,
    Call,
    action_result,
    check_if_match,
    created,
    list_response,
    not_found,
    single,
    updated,
)
from visma_airbase_pipeline.sandbox.visma.resources.invoice_writes import DOCUMENT_TYPES, apply_invoice
from visma_airbase_pipeline.sandbox.visma.store import Entry, record_time

STATUSES = ("Hold", "Balanced", "Open", "Closed", "Voided", "Scheduled", "Prebooked", "Printed", "Reserved")

SPEC = ListSpec(
    "supplierInvoice",
    (
        Filter("supplier", "text", lambda e: (e.data.get("supplier") or {}).get("number")),
        Filter("documentType", "choice", lambda e: e.data.get("documentType"), DOCUMENT_TYPES),
        Filter("status", "choice", lambda e: e.data.get("status"), STATUSES),
        Filter("released", "bool", lambda e: e.data.get("released")),
        Filter("docDate", "date", lambda e: record_time(e.data.get("date"))),
        Filter("dueDate", "date", lambda e: record_time(e.data.get("dueDate"))),
        *DELTA_FILTERS,
    ),
)


def find_invoice(call: Call) -> Entry:
    """The document addressed by the path; ``/{number}`` alone only finds type Invoice."""
    number = call.key("number")
    params = call.request.path_params
    doc_type = call.key("documentType") if "documentType" in params else "Invoice"
    entry = call.store["supplierInvoice"].get(number)
    if entry is None or str(entry.data.get("documentType")).casefold() != doc_type.casefold():
        raise not_found(f"Supplier invoice {doc_type} {number}")
    return entry


def change(call: Call, entry: Entry, data: dict[str, Any]) -> None:
    """Store new data: bump version and timestamp; a changed status sends AP Invoice Status Changed."""
    old_status = entry.data.get("status")
    entry.data = data
    call.store["supplierInvoice"].touch(entry, call.store.clock)
    if data.get("status") != old_status:
        call.sb.notify(webhooks.AP_INVOICE, webhooks.STATUS_CHANGED, entry.key, str(data.get("documentType")))


async def list_invoices(call: Call) -> Response:
    """``GET /v1/supplierInvoice``."""
    col = call.store["supplierInvoice"]
    return list_response(call, SPEC, lambda: col, col.version)


async def get_invoice(call: Call) -> Response:
    """``GET /v1/supplierInvoice/{documentType}/{number}`` (or ``/{number}``) with its ETag."""
    entry = find_invoice(call)
    return single(entry.read(), entry)


async def create_invoice(call: Call) -> Response:
    """``POST /v1/supplierInvoice``: validated, totals computed, numbered across AP document types."""
    dto = await call.body()
    store = call.store
    col = store["supplierInvoice"]
    doc_type = dto.choice("documentType", DOCUMENT_TYPES) or "Invoice"
    number = dto.key("referenceNumber", max_len=15)
    if number is not None and col.get(number) is not None:
        raise invalid("referenceNumber", f"Document {number} already exists.")
    hold = dto.boolean("hold")
    data: dict[str, Any] = {"documentType": doc_type, "referenceNumber": "", "invoiceLines": []}
    apply_invoice(store, data, dto, creating=True)
    supplier = store["supplier"].get(data["supplier"]["number"])
    for ref in ("creditTerms", "paymentMethod"):
        data.setdefault(ref, {"id": ((supplier.data.get(ref) or {}) if supplier else {}).get("id")})
    data.update({"location": {"id": "MAIN"}, "branchNumber": {"number": "1"}, "released": False})
    data["hold"] = hold is True
    data["status"] = "Hold" if hold is True else "Balanced"
    series = store.series["supplierInvoice"]
    data["referenceNumber"] = number or series.next()
    series.seen(data["referenceNumber"])
    entry = col.add(data, store.clock)
    return created(call, f"supplierInvoice/{doc_type}/{entry.key}", entry)


async def update_invoice(call: Call) -> Response:
    """``PUT``: header, lines and ``hold`` (Hold <-> Balanced); released documents keep their amounts."""
    entry = find_invoice(call)
    check_if_match(call, entry)
    dto = await call.body()
    data = dict(entry.data)
    apply_invoice(call.store, data, dto, creating=False)
    hold = dto.boolean("hold")
    if hold is None:
        raise invalid("hold", "cannot be null.")
    if hold is not UNSET and hold != bool(data.get("hold")):
        if data.get("status") not in ("Hold", "Balanced"):
            raise invalid("hold", f"cannot change on a document with status {data.get('status')}.")
        data["hold"] = hold
        data["status"] = "Hold" if hold else "Balanced"
    change(call, entry, data)
    return updated(entry)


def _release(call: Call, entry: Entry) -> str | None:
    data = dict(entry.data)
    if data.get("hold") or data.get("status") == "Hold":
        return "The document is on hold and cannot be released. Remove the hold first."
    if data.get("status") not in ("Balanced", "Prebooked"):
        return f"The document has status {data.get('status')} and cannot be released."
    data["released"] = True
    data["balance"] = data.get("amount") or Decimal("0.00")
    data["status"] = "Open" if Decimal(data["balance"]) else "Closed"
    post_invoice(call.store, data)
    change(call, entry, data)
    return None


def _prebook(call: Call, entry: Entry) -> str | None:
    if entry.data.get("hold") or entry.data.get("status") != "Balanced":
        return f"Only a Balanced document not on hold can be prebooked (status {entry.data.get('status')})."
    change(call, entry, {**entry.data, "status": "Prebooked"})
    return None


def _void(call: Call, entry: Entry) -> str | None:
    if entry.data.get("status") != "Prebooked":
        return f"Only a prebooked document can be voided (status {entry.data.get('status')})."
    change(call, entry, {**entry.data, "status": "Voided", "balance": Decimal("0.00")})
    return None


ACTIONS: dict[str, Callable[[Call, Entry], str | None]] = {
    "release": _release,
    "prebook": _prebook,
    "voidinvoice": _void,
}


async def invoice_action(call: Call) -> Response:
    """``POST …/action/{action}``: 200 + action result; ``Failed`` with ``errorInfo`` when refused."""
    entry = find_invoice(call)
    action = ACTIONS.get(str(call.request.path_params["action"]).casefold())
    if action is None:
        raise ApiError(404, f"The action '{call.request.path_params['action']}' does not exist.")
    check_if_match(call, entry, action=True)
    await call.optional_body()
    return action_result(entry, action(call, entry))


ROUTES = [
    ApiRoute("/supplierInvoice", "GET", list_invoices),
    ApiRoute("/supplierInvoice", "POST", create_invoice, "create"),
    ApiRoute("/supplierInvoice/{number}", "GET", get_invoice),
    ApiRoute("/supplierInvoice/{number}", "PUT", update_invoice, "update"),
    ApiRoute("/supplierInvoice/{number}/action/{action}", "POST", invoice_action, "update"),
    ApiRoute("/supplierInvoice/{documentType}/{number}", "GET", get_invoice),
    ApiRoute("/supplierInvoice/{documentType}/{number}", "PUT", update_invoice, "update"),
    ApiRoute("/supplierInvoice/{documentType}/{number}/action/{action}", "POST", invoice_action, "update"),
]
