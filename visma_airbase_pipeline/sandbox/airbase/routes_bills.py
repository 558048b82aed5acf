"""Bill and purchase-order endpoints (``api/airbase.md`` section 5): filtered listings, one bill, and
``PATCH /bills/{id}/`` (edits while ``pending_approval`` or ``sent_back``; ``is_archived`` withdraws).
Their bulk upserts are routed with the other bulk calls in ``routes_reference``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from visma_airbase_pipeline.sandbox.airbase import wire
from visma_airbase_pipeline.sandbox.airbase.bills import LOCKED, READ_ONLY, archive, write_bill
from visma_airbase_pipeline.sandbox.airbase.endpoints import api_route, ok, read_body
from visma_airbase_pipeline.sandbox.airbase.pagination import paginate
from visma_airbase_pipeline.sandbox.airbase.responses import field_error, field_errors
from visma_airbase_pipeline.sandbox.airbase.routes_reference import NOT_FOUND, erp_filtered
from visma_airbase_pipeline.sandbox.airbase.store import Record
from visma_airbase_pipeline.sandbox.airbase.validation_documents import PO_STATUSES
from visma_airbase_pipeline.sandbox.framework import ApiError

if TYPE_CHECKING:
    from visma_airbase_pipeline.sandbox.airbase.app import AirbaseSandbox

APPROVAL_STATUSES = ("pending_approval", "approved", "denied", "sent_back", "archived")
PAYMENT_STATUSES = ("unpaid", "scheduled", "partially_paid", "paid")


def choice_filtered(
    request: Request, records: list[Record], field: str, choices: tuple[str, ...]
) -> list[Record]:
    """A django-filter choice filter: an empty value filters nothing, an unknown one is a 400."""
    wanted = request.query_params.get(field, "")
    if wanted == "":
        return records
    if wanted not in choices:
        raise field_error(field, f"Select a valid choice. {wanted} is not one of the available choices.")
    return [r for r in records if r.get(field) == wanted]


def since_filtered(request: Request, records: list[Record]) -> list[Record]:
    """``?updated_since=``: records changed at or after the instant (naive means UTC)."""
    raw = request.query_params.get("updated_since", "")
    if raw == "":
        return records
    try:
        since = wire.parse_datetime(raw).isoformat()
    except ValueError:
        raise field_error("updated_since", "Enter a valid date/time.") from None
    # Stored stamps are naive ISO strings, which sort as text: no parsing per record and page.
    return [r for r in records if str(r.get("updated_date") or "") >= since]


def routes(sb: AirbaseSandbox) -> list[Route]:
    """The bill and purchase-order routes; handlers read ``sb.store`` per call."""

    def one(collection: str, request: Request) -> Record:
        """The record named in the path, or DRF's 404."""
        record = sb.store[collection].get(request.path_params["airbase_id"])
        if record is None:
            raise ApiError(404, NOT_FOUND)
        return record

    async def bill_list(request: Request) -> Response:
        """``GET /bills/`` with the ERP id, status and ``updated_since`` filters."""
        bills = erp_filtered(request, list(sb.store["bills"]))
        bills = choice_filtered(request, bills, "approval_status", APPROVAL_STATUSES)
        bills = choice_filtered(request, bills, "payment_status", PAYMENT_STATUSES)
        bills = since_filtered(request, bills)
        return paginate(
            request, bills, max_page_size=sb.options.max_page_size, shuffle=sb.shuffle_seed(request)
        )

    async def bill_detail(request: Request) -> Response:
        """``GET``/``PATCH /bills/{id}/``."""
        bill = one("bills", request)
        if request.method == "GET":
            return ok(bill)
        return ok(_patch_bill(sb, bill, await read_body(request)))

    async def po_list(request: Request) -> Response:
        """``GET /purchase_orders/`` with the ERP id, status and ``updated_since`` filters."""
        orders = erp_filtered(request, list(sb.store["purchase_orders"]))
        orders = choice_filtered(request, orders, "status", PO_STATUSES)
        orders = since_filtered(request, orders)
        return paginate(
            request, orders, max_page_size=sb.options.max_page_size, shuffle=sb.shuffle_seed(request)
        )

    async def po_detail(request: Request) -> Response:
        """``GET /purchase_orders/{id}/``."""
        return ok(one("purchase_orders", request))

    return [
        api_route(sb, "/bills/", "bill_list", get=bill_list),
        api_route(sb, "/bills/{airbase_id}/", "bill_detail", get=bill_detail, patch=bill_detail),
        api_route(sb, "/purchase_orders/", "purchase_order_list", get=po_list),
        api_route(sb, "/purchase_orders/{airbase_id}/", "purchase_order_detail", get=po_detail),
    ]


def _patch_bill(sb: AirbaseSandbox, bill: Record, body: dict[str, Any]) -> Record:
    """Archive, or edit while the bill is still with its approvers (409 once it is decided)."""
    if "is_archived" in body:
        try:
            archived = wire.parse_bool(body["is_archived"])
        except ValueError as exc:
            raise field_error("is_archived", str(exc)) from None
        if archived:
            return archive(sb.store, bill)
        if bill.get("approval_status") == "archived":
            raise field_error("is_archived", "An archived bill cannot be restored.")
    fields = {k: v for k, v in body.items() if k not in READ_ONLY}
    if not fields:
        return bill
    updated, errors = write_bill(sb.store, fields, bill)
    if errors.get("non_field_errors") == [LOCKED]:
        raise ApiError(409, LOCKED)
    if updated is None:
        raise field_errors(errors)
    return sb.store["bills"].put(updated) if updated is not bill else bill
