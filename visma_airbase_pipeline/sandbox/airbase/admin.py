"""Airbase's side of the admin API (``api/airbase.md`` section 11): what approvers, payers and card
holders do in the product, on demand, plus the record hooks of the common ``/_sandbox/`` routes.

Admin calls are permissive (tests plant bad data through them) and answer ``{"error": ...}`` on
misuse; the product-like actions emit the webhooks the real system would.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from visma_airbase_pipeline.sandbox.airbase import bills, ledger, payments, wire
from visma_airbase_pipeline.sandbox.airbase.bulk import DEFAULTS
from visma_airbase_pipeline.sandbox.airbase.store import Record
from visma_airbase_pipeline.sandbox.airbase.webhooks import bill_data, entry_data, make_event, vendor_data
from visma_airbase_pipeline.sandbox.framework import ADMIN_PREFIX, AdminError
from visma_airbase_pipeline.sandbox.jsonio import JSONResponse, read_json

if TYPE_CHECKING:
    from visma_airbase_pipeline.sandbox.airbase.app import AirbaseSandbox

INJECTABLE = ("card_transaction", "reimbursement", "fee")
_DECISIONS = {"approve": "approved", "deny": "denied", "send_back": "sent_back"}
_BILL_EVENTS = {"approved": "bill_approved", "denied": "bill_denied", "sent_back": "bill_sent_back"}


def create_record(sb: AirbaseSandbox, collection: str, body: dict[str, Any]) -> Record:
    """``POST /_sandbox/records/{collection}``: a record made in the product, ``airbase_id`` assigned."""
    store = sb.store
    body = dict(body)
    if collection == "ledger_entries":
        return inject_entry(sb, body)
    if collection == "bills":
        record = bills.new_bill(store, body)
    else:
        defaults = dict(DEFAULTS.get(collection, {}))
        if collection in ("vendors", "tags"):
            defaults["created_in_airbase"] = True
        record = store.stamp_new({**defaults, **body})
    store[collection].put(record)
    if collection == "vendors":
        sb.emit(make_event(store, "vendor_created", vendor_data(record)))
    return wire.to_wire(record)


def inject_entry(sb: AirbaseSandbox, body: dict[str, Any]) -> Record:
    """A card, reimbursement or fee entry as spending in the product makes it (``sync_ready``)."""
    store = sb.store
    subsidiaries = list(store["subsidiaries"])
    if "subsidiary" not in body and subsidiaries:
        body["subsidiary"] = ledger.named_ref(subsidiaries[0])
    if "currency" not in body:
        subsidiary_erp = (body.get("subsidiary") or {}).get("erp_reference_id")
        body["currency"] = ledger.currency_ref(store.subsidiary_base_currency(subsidiary_erp))
    entry = store["ledger_entries"].put(ledger.finish_entry(store, body))
    if entry.get("status") == "sync_ready":
        sb.emit(make_event(store, "ledger_entry_sync_ready", entry_data(entry)))
    return wire.to_wire(entry)


def patch_record(sb: AirbaseSandbox, collection: str, record_id: str, body: dict[str, Any]) -> Record:
    """``PATCH /_sandbox/records/{collection}/{id}``: change anything, bump ``updated_date``, emit."""
    store = sb.store
    record = store[collection].get(record_id)
    if record is None:
        raise AdminError(404, f"No {collection} record {record_id!r}.")
    changes = {k: v for k, v in body.items() if k not in ("airbase_id", "id")}
    updated = store[collection].put({**record, **changes, "updated_date": wire.now_naive()})
    if collection == "bills":
        status = updated.get("approval_status")
        if status != record.get("approval_status") and status in _BILL_EVENTS:
            sb.emit(make_event(store, _BILL_EVENTS[status], bill_data(updated)))
        if updated.get("payment_status") == "paid" and record.get("payment_status") != "paid":
            sb.emit(make_event(store, "bill_paid", bill_data(updated)))
    ready = updated.get("status") == "sync_ready" and record.get("status") != "sync_ready"
    if collection == "ledger_entries" and ready:
        sb.emit(make_event(store, "ledger_entry_sync_ready", entry_data(updated)))
    return wire.to_wire(updated)


async def _optional_body(request: Request) -> dict[str, Any]:
    if not (await request.body()).strip():
        return {}
    body: dict[str, Any] = await read_json(request)
    return body


def admin_routes(sb: AirbaseSandbox) -> list[BaseRoute]:
    """The Airbase-only admin routes under ``/_sandbox/``."""

    def bill(request: Request) -> Record:
        """The bill named in the path, or an admin 404."""
        found = sb.store["bills"].get(request.path_params["bill_id"])
        if found is None:
            raise AdminError(404, f"No bill {request.path_params['bill_id']!r}.")
        return found

    def answer(bill_record: Record, entry: Record | None) -> Response:
        """Bill actions answer with the bill and the ledger entry they made (or null)."""
        return JSONResponse({"bill": wire.to_wire(bill_record), "ledger_entry": wire.to_wire(entry)})

    async def decide(request: Request) -> Response:
        """``approve`` | ``deny`` | ``send_back``: one approver's decision."""
        decision = _DECISIONS.get(request.path_params["action"])
        if decision is None:
            raise AdminError(404, f"Unknown bill action; known: pay, {', '.join(_DECISIONS)}.")
        body = await _optional_body(request)
        updated, entry = bills.decide(
            sb.store, sb.emit, bill(request), decision, body, sb.options.approval_steps
        )
        return answer(updated, entry)

    async def pay(request: Request) -> Response:
        """Pay an approved bill (partial, scheduled, other method or bank on request)."""
        updated, entry = payments.pay(sb.store, sb.emit, bill(request), await _optional_body(request))
        return answer(updated, entry)

    async def settle(request: Request) -> Response:
        """``fail`` | ``complete``: the bank's verdict on a scheduled payment."""
        outcome = request.path_params["outcome"]
        if outcome not in ("fail", "complete"):
            raise AdminError(404, "Unknown payment action; known: fail, complete.")
        succeed = outcome == "complete"
        updated, entry = payments.settle(
            sb.store, sb.emit, request.path_params["payment_id"], succeed=succeed
        )
        return answer(updated, entry)

    async def inject(request: Request) -> Response:
        """Card, reimbursement or fee entries (one object or a list), ``sync_ready``."""
        payload = await read_json(request, expect=(dict, list))
        items = payload if isinstance(payload, list) else [payload]
        if not all(isinstance(i, dict) for i in items):
            raise AdminError(400, "Post an entry object or a list of them.")
        for item in items:
            if item.setdefault("type", "card_transaction") not in INJECTABLE:
                raise AdminError(
                    400, f"Only {', '.join(INJECTABLE)} entries can be injected; bills are approved."
                )
        created = [inject_entry(sb, dict(i)) for i in items]
        return JSONResponse(created if isinstance(payload, list) else created[0], status_code=201)

    async def retry(request: Request) -> Response:
        """An entry the ERP rejected goes back to ``sync_ready``."""
        entry = sb.store["ledger_entries"].get(request.path_params["entry_id"])
        if entry is None:
            raise AdminError(404, f"No ledger entry {request.path_params['entry_id']!r}.")
        if entry.get("status") != "sync_error":
            raise AdminError(
                400, f"Only an entry in sync_error can be retried; this one is {entry.get('status')}."
            )
        ready = sb.store["ledger_entries"].put({**entry, "status": "sync_ready", "error_message": ""})
        sb.emit(make_event(sb.store, "ledger_entry_sync_ready", entry_data(ready)))
        return JSONResponse(wire.to_wire(ready))

    async def redeliver(request: Request) -> Response:
        """Send a known event again to the configured URL."""
        event_id = request.path_params["event_id"]
        if not any(e["event_id"] == event_id for e in sb.webhooks.events()):
            raise AdminError(404, f"No event {event_id!r}.")
        if not sb.webhooks.redeliver(event_id):
            raise AdminError(409, "No webhook URL is configured.")
        return JSONResponse({"status": "queued", "event_id": event_id}, status_code=202)

    p = ADMIN_PREFIX
    return [
        Route(f"{p}/bills/{{bill_id}}/pay", pay, methods=["POST"]),
        Route(f"{p}/bills/{{bill_id}}/{{action}}", decide, methods=["POST"]),
        Route(f"{p}/payments/{{payment_id}}/{{outcome}}", settle, methods=["POST"]),
        Route(f"{p}/ledger_entries", inject, methods=["POST"]),
        Route(f"{p}/ledger_entries/{{entry_id}}/retry", retry, methods=["POST"]),
        Route(f"{p}/webhooks/{{event_id}}/redeliver", redeliver, methods=["POST"]),
    ]
