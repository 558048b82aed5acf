"""``/v1/supplierPayment``: lists, single GETs (``/{number}`` and ``/{paymentType}/{number}``),
create with ``paymentLines``, update, and ``action/release`` (api/visma.md section 5).

Release re-checks every application, lowers each document's ``balance`` (closing it at zero,
which is an AP Invoice status change and so a webhook) and posts the GL batch; payments
themselves never send webhooks.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from starlette.responses import Response

from visma_airbase_pipeline.sandbox.framework import ApiError
from visma_airbase_pipeline.sandbox.visma.dto import UNSET, invalid
from visma_airbase_pipeline.sandbox.visma.posting import post_payment
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
from visma_airbase_pipeline.sandbox.visma.resources.invoices import STATUSES as INVOICE_STATUSES
from visma_airbase_pipeline.sandbox.visma.resources.invoices import change as change_invoice
from visma_airbase_pipeline.sandbox.visma.resources.payment_writes import (
    PAYMENT_TYPES,
    apply_payment,
    open_document_problem,
)
from visma_airbase_pipeline.sandbox.visma.store import Entry, record_time

STATUSES = (*INVOICE_STATUSES, "PendingApproval", "Rejected", "PendingPrint")
_EDITABLE_RELEASED = frozenset({"paymentRef", "description"})
_WRITABLE = frozenset(
    {"type", "supplier", "paymentMethod", "cashAccount", "currency", "applicationDate", "paymentRef",
     "description", "paymentAmount", "hold", "paymentLines"}
)  # fmt: skip

SPEC = ListSpec(
    "supplierPayment",
    (
        Filter("supplier", "text", lambda e: (e.data.get("supplier") or {}).get("number")),
        Filter("paymentType", "choice", lambda e: e.data.get("type"), PAYMENT_TYPES),
        Filter("status", "choice", lambda e: e.data.get("status"), STATUSES),
        Filter(
            "invoiceRefNbr",
            "member",
            lambda e: [ln.get("invoiceRefNbr") for ln in e.data.get("paymentLines") or []],
        ),
        Filter("docDate", "date", lambda e: record_time(e.data.get("applicationDate"))),
        *DELTA_FILTERS,
    ),
)


def _find(call: Call) -> Entry:
    number = call.key("number")
    entry = call.store["supplierPayment"].get(number)
    params = call.request.path_params
    kind = call.key("paymentType") if "paymentType" in params else None
    if entry is None or (kind is not None and str(entry.data.get("type")).casefold() != kind.casefold()):
        raise not_found(f"Supplier payment {number}")
    return entry


async def list_payments(call: Call) -> Response:
    """``GET /v1/supplierPayment``."""
    col = call.store["supplierPayment"]
    return list_response(call, SPEC, lambda: col, col.version)


async def get_payment(call: Call) -> Response:
    """``GET /v1/supplierPayment/{number}`` with its ETag."""
    entry = _find(call)
    return single(entry.read(), entry)


async def create_payment(call: Call) -> Response:
    """``POST /v1/supplierPayment``: validated applications; ``Balanced`` (or ``Hold``) until released."""
    dto = await call.body()
    store = call.store
    kind = dto.choice("type", PAYMENT_TYPES) or "Payment"
    hold = dto.boolean("hold")
    data: dict[str, Any] = {"type": kind, "refNbr": "", "released": False, "paymentLines": []}
    apply_payment(store, data, dto, creating=True)
    data["hold"] = hold is True
    data["status"] = "Hold" if hold is True else "Balanced"
    data["refNbr"] = store.series["supplierPayment"].next()
    entry = store["supplierPayment"].add(data, store.clock)
    return created(call, f"supplierPayment/{entry.key}", entry)


async def update_payment(call: Call) -> Response:
    """``PUT``: unreleased payments change freely; released ones only their reference texts."""
    entry = _find(call)
    check_if_match(call, entry)
    dto = await call.body()
    data = dict(entry.data)
    if data.get("released"):
        fixed = sorted((set(dto.body) & _WRITABLE) - _EDITABLE_RELEASED)
        if fixed:
            raise invalid(fixed[0], "cannot change: the payment is released.")
    apply_payment(call.store, data, dto, creating=False)
    hold = dto.boolean("hold")
    if hold is None:
        raise invalid("hold", "cannot be null.")
    if hold is not UNSET and not data.get("released"):
        data["hold"], data["status"] = hold, "Hold" if hold else "Balanced"
    entry.data = data
    call.store["supplierPayment"].touch(entry, call.store.clock)
    return updated(entry)


def _release(call: Call, entry: Entry) -> str | None:
    data = dict(entry.data)
    if data.get("hold") or data.get("status") == "Hold":
        return "The payment is on hold and cannot be released. Remove the hold first."
    if data.get("released"):
        return "The payment is already released."
    store = call.store
    supplier = (data.get("supplier") or {}).get("number")
    for line in data.get("paymentLines") or []:
        ref, paid = str(line.get("invoiceRefNbr")), Decimal(line.get("amountPaid") or 0)
        problem = open_document_problem(store, str(line.get("docType") or "Invoice"), ref, supplier)
        if problem is None:
            balance = Decimal(store["supplierInvoice"].entries[ref].data.get("balance") or 0)
            if paid > balance:
                problem = f"Over-payment: document {ref} has only {balance} left to pay."
        if problem:
            return problem
    lines, rate = [], Decimal(1)
    for line in data.get("paymentLines") or []:
        doc = store["supplierInvoice"].entries[str(line.get("invoiceRefNbr"))]
        rate = Decimal(doc.data.get("exchangeRate") or rate)
        balance = Decimal(doc.data.get("balance") or 0) - Decimal(line.get("amountPaid") or 0)
        change_invoice(
            call, doc, {**doc.data, "balance": balance, "status": "Closed" if not balance else "Open"}
        )
        lines.append({**line, "balance": balance})
    data["paymentLines"] = lines
    data["released"] = True
    data["status"] = "Open" if Decimal(data.get("unappliedBalance") or 0) else "Closed"
    post_payment(store, data, rate)
    entry.data = data
    store["supplierPayment"].touch(entry, store.clock)
    return None


async def payment_action(call: Call) -> Response:
    """``POST /v1/supplierPayment/{number}/action/release`` with body ``{"type":{"value":"Payment"}}``."""
    entry = _find(call)
    if str(call.request.path_params["action"]).casefold() != "release":
        raise ApiError(404, f"The action '{call.request.path_params['action']}' does not exist.")
    check_if_match(call, entry, action=True)
    dto = await call.optional_body()
    if dto is not None:
        kind = dto.choice("type", PAYMENT_TYPES)
        if kind is not UNSET and kind != entry.data.get("type"):
            raise invalid("type", f"The payment {entry.key} is of type {entry.data.get('type')}, not {kind}.")
    return action_result(entry, _release(call, entry))


ROUTES = [
    ApiRoute("/supplierPayment", "GET", list_payments),
    ApiRoute("/supplierPayment", "POST", create_payment, "create"),
    ApiRoute("/supplierPayment/{number}", "GET", get_payment),
    ApiRoute("/supplierPayment/{number}", "PUT", update_payment, "update"),
    ApiRoute("/supplierPayment/{number}/action/{action}", "POST", payment_action, "update"),
    ApiRoute("/supplierPayment/{paymentType}/{number}", "GET", get_payment),
    ApiRoute("/supplierPayment/{paymentType}/{number}", "PUT", update_payment, "update"),
    ApiRoute("/supplierPayment/{paymentType}/{number}/action/{action}", "POST", payment_action, "update"),
]
