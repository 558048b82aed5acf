"""The bill lifecycle (``api/airbase.md`` section 5): upserts from the ERP, archive, and the approver's
decisions that turn a bill into a ``bill`` ledger entry.

``approval_status``: ``pending_approval`` → ``approved`` | ``denied`` | ``sent_back``; ``sent_back`` →
``pending_approval`` on the next ERP write; anything unpaid → ``archived``. Once decided, a bill is
locked; an unchanged re-upsert is still accepted so a replayed batch stays harmless.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from visma_airbase_pipeline.sandbox.airbase import ledger, wire
from visma_airbase_pipeline.sandbox.airbase.store import AirbaseStore, Record
from visma_airbase_pipeline.sandbox.airbase.validation_documents import check_bill
from visma_airbase_pipeline.sandbox.airbase.webhooks import bill_data, entry_data, make_event
from visma_airbase_pipeline.sandbox.framework import AdminError, ApiError
from visma_airbase_pipeline.sandbox.webhooks import OutgoingEvent

Emit = Callable[[OutgoingEvent], None]
EDITABLE = ("pending_approval", "sent_back")
LOCKED = "Bill is locked after approval."
# Fields a client may not write: the API ignores them on input, as DRF ignores read-only fields.
READ_ONLY = (
    "airbase_id",
    "id",
    "approval_status",
    "payment_status",
    "amount_paid",
    "airbase_url",
    "created_date",
    "updated_date",
    "approvals",
    "is_archived",
)


def new_bill(store: AirbaseStore, fields: Record) -> Record:
    """A bill as Airbase stores it on creation: waiting for its first approver, unpaid."""
    bill: Record = {
        "erp_ap_account_reference_id": None,
        "erp_purchase_order_reference_id": None,
        "memo": "",
        **{k: v for k, v in fields.items() if k not in READ_ONLY},
        "approval_status": "pending_approval",
        "payment_status": "unpaid",
        "amount_paid": Decimal("0.00"),
        "is_archived": False,
        "approvals": [],
        "_step": 0,
        "_scheduled": Decimal("0.00"),
    }
    for key in ("approval_status", "payment_status", "approvals", "is_archived"):
        if key in fields:
            bill[key] = fields[key]
    if "amount_paid" in fields:
        bill["amount_paid"] = wire.money_if_valid(fields["amount_paid"])
    if "total_amount" in bill:
        bill["total_amount"] = wire.money_if_valid(bill["total_amount"])
    store.stamp_new(bill)
    bill.setdefault("airbase_url", f"{ledger.AIRBASE_APP}/bills/{bill['airbase_id']}")
    return bill


def write_bill(
    store: AirbaseStore, item: dict[str, Any], existing: Record | None
) -> tuple[Record | None, dict[str, Any]]:
    """Apply one ERP write (a bulk item or a PATCH body): ``(bill to store, errors)``.

    Locked bills accept the write only when nothing would change.
    """
    check = check_bill(store, {k: v for k, v in item.items() if k not in READ_ONLY}, existing)
    if existing is None:
        return (None, check.errors) if check.errors else (new_bill(store, check.clean), {})
    changes = {k: v for k, v in check.clean.items() if existing.get(k) != v}
    if existing.get("approval_status") not in EDITABLE:
        # A field that failed to clean differs from the stored value; a reference that went
        # inactive since approval does not make an unchanged replay fail.
        broken = [f for f in check.errors if f not in check.clean]
        if changes or broken:
            return None, {"non_field_errors": [LOCKED]}
        return existing, {}
    if check.errors:
        return None, check.errors
    bill = {**existing, **changes}
    if existing.get("approval_status") == "sent_back":
        bill.update(approval_status="pending_approval", _step=0)
    if bill != existing:
        bill["updated_date"] = wire.now_naive()
    return bill, {}


def archive(store: AirbaseStore, bill: Record) -> Record:
    """Withdraw an unpaid bill (``PATCH {"is_archived": true}``); archiving twice is harmless."""
    if bill.get("approval_status") == "archived":
        return bill
    if bill.get("payment_status") != "unpaid":
        raise ApiError(409, "Only an unpaid bill can be archived.")
    return store["bills"].put(
        {**bill, "approval_status": "archived", "is_archived": True, "updated_date": wire.now_naive()}
    )


def _approver(store: AirbaseStore, email: Any) -> Record:
    """The approver by e-mail: a seeded employee when known; the first employee by default."""
    employees = list(store["employees"])
    if not (isinstance(email, str) and email):
        email = employees[0]["email"] if employees else "approver@nordictrade.se"
    for employee in employees:
        if employee.get("email") == email:
            return {"name": employee.get("name"), "email": email}
    return {"name": email.split("@")[0].replace(".", " ").title(), "email": email}


def _pending(bill: Record, action: str) -> None:
    if bill.get("approval_status") != "pending_approval":
        raise AdminError(
            400, f"Only a bill pending approval can be {action}; this one is {bill.get('approval_status')}."
        )


def decide(
    store: AirbaseStore,
    emit: Emit,
    bill: Record,
    decision: str,
    body: dict[str, Any],
    approval_steps: int = 1,
) -> tuple[Record, Record | None]:
    """One approver's decision (``approved`` | ``denied`` | ``sent_back``): ``(bill, new entry)``.

    The final approval step approves the bill and adds its ``bill`` entry in ``sync_ready``.
    """
    _pending(bill, {"approved": "approved", "denied": "denied", "sent_back": "sent back"}[decision])
    comment = body.get("comment")
    approval = {
        "approver": _approver(store, body.get("approver_email")),
        "decision": decision,
        "decided_at": wire.now_naive(),
        "comment": comment if isinstance(comment, str) else "",
    }
    step = int(bill.get("_step") or 0) + 1
    updated = {**bill, "approvals": [*bill.get("approvals", []), approval], "updated_date": wire.now_naive()}
    entry = None
    if decision != "approved":
        updated.update(approval_status=decision, _step=0)
        emit(make_event(store, f"bill_{decision}", bill_data(updated)))
    elif step < approval_steps:
        updated["_step"] = step
    else:
        entry = store["ledger_entries"].put(ledger.bill_entry(store, updated))
        updated.update(approval_status="approved", _step=step, _bill_entry_id=entry["airbase_id"])
        emit(make_event(store, "bill_approved", bill_data(updated)))
        emit(make_event(store, "ledger_entry_sync_ready", entry_data(entry)))
    return store["bills"].put(updated), entry
