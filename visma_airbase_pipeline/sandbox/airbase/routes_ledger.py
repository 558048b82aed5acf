"""Ledger-entry endpoints (``api/airbase.md`` section 6): the listing that shows only ``sync_ready``
entries unless told otherwise, one entry, and the PATCH that records the ERP outcome.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from visma_airbase_pipeline.sandbox.airbase import ledger
from visma_airbase_pipeline.sandbox.airbase.endpoints import api_route, ok, read_body
from visma_airbase_pipeline.sandbox.airbase.pagination import paginate
from visma_airbase_pipeline.sandbox.airbase.responses import field_error
from visma_airbase_pipeline.sandbox.airbase.routes_reference import NOT_FOUND
from visma_airbase_pipeline.sandbox.airbase.store import Record
from visma_airbase_pipeline.sandbox.framework import ApiError

if TYPE_CHECKING:
    from visma_airbase_pipeline.sandbox.airbase.app import AirbaseSandbox


def routes(sb: AirbaseSandbox) -> list[Route]:
    """The ledger routes; handlers read ``sb.store`` per call."""

    def one(request: Request) -> Record:
        """The entry named in the path, or DRF's 404."""
        entry = sb.store["ledger_entries"].get(request.path_params["airbase_id"])
        if entry is None:
            raise ApiError(404, NOT_FOUND)
        return entry

    async def entry_list(request: Request) -> Response:
        """``GET /ledger_entries/``: ``sync_ready`` unless ``?status=`` says otherwise."""
        status = request.query_params.get("status") or "sync_ready"
        if status not in ledger.STATUSES:
            raise field_error(
                "status", f"Select a valid choice. {status} is not one of the available choices."
            )
        wanted_type = request.query_params.get("type", "")
        entries = [
            e
            for e in sb.store["ledger_entries"]
            if e.get("status") == status and (not wanted_type or e.get("type") == wanted_type)
        ]
        return paginate(
            request, entries, max_page_size=sb.options.max_page_size, shuffle=sb.shuffle_seed(request)
        )

    async def entry_detail(request: Request) -> Response:
        """``GET`` one entry, or ``PATCH`` its sync outcome."""
        entry = one(request)
        if request.method == "GET":
            return ok(entry)
        changed = ledger.apply_patch(entry, await read_body(request))
        if changed is None:
            return ok(entry)
        return ok(sb.store["ledger_entries"].put(changed))

    return [
        api_route(sb, "/ledger_entries/", "ledger_entry_list", get=entry_list),
        api_route(
            sb, "/ledger_entries/{airbase_id}/", "ledger_entry_detail", get=entry_detail, patch=entry_detail
        ),
    ]
