"""Reference-data endpoints (``api/airbase.md`` section 4): the sync bracket, bulk upserts of accounts,
tags and vendors, the listings, and the single-record vendor, subsidiary and currency writes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from visma_airbase_pipeline.sandbox.airbase import validation_reference
from visma_airbase_pipeline.sandbox.airbase.bulk import bulk_upsert, merge
from visma_airbase_pipeline.sandbox.airbase.endpoints import api_route, ok, read_body
from visma_airbase_pipeline.sandbox.airbase.pagination import paginate
from visma_airbase_pipeline.sandbox.airbase.responses import field_error, field_errors
from visma_airbase_pipeline.sandbox.airbase.store import Record, erp_key
from visma_airbase_pipeline.sandbox.airbase.webhooks import make_event, vendor_data
from visma_airbase_pipeline.sandbox.framework import ApiError

if TYPE_CHECKING:
    from visma_airbase_pipeline.sandbox.airbase.app import AirbaseSandbox

NOT_FOUND = "Not found."


def erp_filtered(request: Request, records: list[Record]) -> list[Record]:
    """``?erp_reference_id=``: an exact id, or an *empty* value for records not linked to the ERP."""
    if "erp_reference_id" not in request.query_params:
        return records
    wanted = request.query_params["erp_reference_id"]
    if wanted == "":
        return [r for r in records if erp_key(r.get("erp_reference_id")) is None]
    return [r for r in records if erp_key(r.get("erp_reference_id")) == wanted]


def _action(body: dict[str, Any], expected: str) -> None:
    action = body.get("action")
    if action is None:
        raise field_error("action", "This field is required.")
    if action != expected:
        raise field_error("action", f'"{action}" is not a valid choice.')


def routes(sb: AirbaseSandbox) -> list[Route]:
    """The reference routes; handlers read ``sb.store`` per call, since a reset replaces it."""

    async def sync_bracket(request: Request) -> Response:
        """``POST {START}`` opens, ``PATCH {COMPLETE}`` closes the sync session."""
        body = await read_body(request)
        store = sb.store
        if request.method == "POST":
            _action(body, "START")
            if store.onboarded:
                raise ApiError(409, "GL onboarding is already complete.")
            store.sync_session_open = True
            return ok({"status": "started"})
        _action(body, "COMPLETE")
        if not store.sync_session_open:
            raise ApiError(404, "No active sync session found.")
        store.sync_session_open, store.onboarded = False, True
        return ok({"status": "completed"})

    def bulk(collection: str) -> Callable[[Request], Any]:
        """The ``bulk_upsert`` handler of one collection."""

        async def handler(request: Request) -> Response:
            """Answer one call of this endpoint."""
            status, result = bulk_upsert(
                sb.store, collection, await read_body(request), sb.options.bulk_mode == "strict"
            )
            return ok(result, status)

        return handler

    def listing(collection: str) -> Callable[[Request], Any]:
        """The paginated listing of one collection, with the ERP-id filter."""

        async def handler(request: Request) -> Response:
            """Answer one call of this endpoint."""
            records = erp_filtered(request, list(sb.store[collection]))
            return paginate(
                request, records, max_page_size=sb.options.max_page_size, shuffle=sb.shuffle_seed(request)
            )

        return handler

    def one(collection: str, request: Request) -> Record:
        """The record named in the path, or DRF's 404."""
        record = sb.store[collection].get(request.path_params["airbase_id"])
        if record is None:
            raise ApiError(404, NOT_FOUND)
        return record

    async def create_vendor(request: Request) -> Response:
        """``POST /vendors/``: not idempotent; no ERP id means created in Airbase."""
        check = validation_reference.check_vendor(
            sb.store, await read_body(request), None, erp_required=False, unique=False
        )
        if check.errors:
            raise field_errors(check.errors)
        linked = erp_key(check.clean.get("erp_reference_id")) is not None
        vendor = sb.store["vendors"].put(
            merge(sb.store, "vendors", {**check.clean, "created_in_airbase": not linked}, None)
        )
        if not linked:
            sb.emit(make_event(sb.store, "vendor_created", vendor_data(vendor)))
        return ok(vendor, 201)

    async def vendor_detail(request: Request) -> Response:
        """``GET``/``PATCH /vendors/{id}/`` (a set ERP id is kept)."""
        vendor = one("vendors", request)
        if request.method == "GET":
            return ok(vendor)
        body = await read_body(request)
        check = validation_reference.check_vendor(sb.store, body, vendor, erp_required=False)
        if check.errors:
            raise field_errors(check.errors)
        return ok(sb.store["vendors"].put(merge(sb.store, "vendors", check.clean, vendor)))

    async def create_subsidiary(request: Request) -> Response:
        """``POST /subsidiaries/``."""
        check = validation_reference.check_subsidiary(sb.store, await read_body(request), None)
        if check.errors:
            raise field_errors(check.errors)
        return ok(sb.store["subsidiaries"].put(merge(sb.store, "subsidiaries", check.clean, None)), 201)

    async def subsidiary_detail(request: Request) -> Response:
        """``GET``/``PATCH /subsidiaries/{id}/``."""
        subsidiary = one("subsidiaries", request)
        if request.method == "GET":
            return ok(subsidiary)
        check = validation_reference.check_subsidiary(sb.store, await read_body(request), subsidiary)
        if check.errors:
            raise field_errors(check.errors)
        return ok(sb.store["subsidiaries"].put(merge(sb.store, "subsidiaries", check.clean, subsidiary)))

    async def create_currency(request: Request) -> Response:
        """``POST /currencies/``."""
        check = validation_reference.check_currency(sb.store, await read_body(request))
        if check.errors:
            raise field_errors(check.errors)
        return ok(sb.store["currencies"].put(merge(sb.store, "currencies", check.clean, None)), 201)

    return [
        api_route(sb, "/entity/sync/", "entity_sync", post=sync_bracket, patch=sync_bracket),
        api_route(sb, "/accounts/", "account_list", get=listing("accounts")),
        api_route(sb, "/accounts/bulk_upsert/", "account_bulk_upsert", post=bulk("accounts")),
        api_route(sb, "/tags/", "tag_list", get=listing("tags")),
        api_route(sb, "/tags/bulk_upsert/", "tag_bulk_upsert", post=bulk("tags")),
        api_route(sb, "/vendors/", "vendor_list", get=listing("vendors"), post=create_vendor),
        api_route(sb, "/vendors/bulk_upsert/", "vendor_bulk_upsert", post=bulk("vendors")),
        api_route(sb, "/vendors/{airbase_id}/", "vendor_detail", get=vendor_detail, patch=vendor_detail),
        api_route(
            sb, "/subsidiaries/", "subsidiary_list", get=listing("subsidiaries"), post=create_subsidiary
        ),
        api_route(
            sb,
            "/subsidiaries/{airbase_id}/",
            "subsidiary_detail",
            get=subsidiary_detail,
            patch=subsidiary_detail,
        ),
        api_route(sb, "/currencies/", "currency_list", get=listing("currencies"), post=create_currency),
        api_route(sb, "/employees/", "employee_list", get=listing("employees")),
        api_route(sb, "/bills/bulk_upsert/", "bill_bulk_upsert", post=bulk("bills")),
        api_route(
            sb, "/purchase_orders/bulk_upsert/", "purchase_order_bulk_upsert", post=bulk("purchase_orders")
        ),
    ]
