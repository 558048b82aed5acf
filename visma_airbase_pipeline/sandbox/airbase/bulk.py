"""``POST /<resource>/bulk_upsert/`` (``api/airbase.md`` section 4.2): up to 100 items, each updated by
``airbase_id``, else matched on ``erp_reference_id``, else created, so a batch replays harmlessly.

Mode ``partial`` (default) stores the valid items and answers 200 with ``validation_errors`` by
index; mode ``strict`` answers 400 and stores nothing when any item is invalid.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from visma_airbase_pipeline.sandbox.airbase import wire
from visma_airbase_pipeline.sandbox.airbase.bills import write_bill
from visma_airbase_pipeline.sandbox.airbase.responses import field_errors
from visma_airbase_pipeline.sandbox.airbase.store import AirbaseStore, Journal, Record
from visma_airbase_pipeline.sandbox.airbase.validation import Checker
from visma_airbase_pipeline.sandbox.airbase.validation_documents import check_purchase_order
from visma_airbase_pipeline.sandbox.airbase.validation_reference import check_account, check_tag, check_vendor

MAX_ITEMS = 100
Writer = Callable[[AirbaseStore, dict[str, Any], Record | None], tuple[Record | None, dict[str, Any]]]

DEFAULTS: dict[str, Record] = {
    "accounts": {
        "account_number": None,
        "type": "",
        "category": "",
        "subsidiary_reference_ids": [],
        "erp_currency_reference_id": None,
        "is_active": True,
    },
    "tags": {"subsidiary_reference_ids": [], "is_active": True, "created_in_airbase": False},
    "vendors": {
        "subsidiary_reference_ids": [],
        "erp_parent_reference_id": None,
        "is_active": True,
        "email": None,
        "created_in_airbase": False,
    },
    "purchase_orders": {"memo": ""},
}


def merge(store: AirbaseStore, collection: str, clean: Record, existing: Record | None) -> Record:
    """The record after a valid write: new with defaults, or the stored one with the changes.

    An unchanged write returns the stored dict itself, so ``updated_date`` only moves on change.
    """
    if existing is None:
        return store.stamp_new({**DEFAULTS.get(collection, {}), **clean})
    changes = {k: v for k, v in clean.items() if existing.get(k) != v}
    if not changes:
        return existing
    return {**existing, **changes, "updated_date": wire.now_naive()}


def _checked(check_fn: Callable[..., Checker], collection: str) -> Writer:
    def write(
        store: AirbaseStore, item: dict[str, Any], existing: Record | None
    ) -> tuple[Record | None, Any]:
        """Validate one item and merge it onto the stored record (or a new one)."""
        check = check_fn(store, item, existing)
        if check.errors:
            return None, check.errors
        return merge(store, collection, check.clean, existing), {}

    return write


WRITERS: dict[str, Writer] = {
    "accounts": _checked(check_account, "accounts"),
    "tags": _checked(check_tag, "tags"),
    "vendors": _checked(check_vendor, "vendors"),
    "purchase_orders": _checked(check_purchase_order, "purchase_orders"),
    "bills": write_bill,
}


def _target(store: AirbaseStore, collection: str, item: dict[str, Any]) -> tuple[Record | None, Any]:
    """The stored record an item addresses, or an error for an unknown ``airbase_id``."""
    airbase_id = item.get("airbase_id")
    if airbase_id not in (None, ""):
        found = store[collection].get(airbase_id)
        if found is None:
            return None, {"airbase_id": [f"Unknown airbase_id '{airbase_id}'."]}
        return found, None
    erp_id = item.get("erp_reference_id")
    if isinstance(erp_id, str | int) and not isinstance(erp_id, bool):
        return store[collection].by_erp(str(erp_id).strip()), None
    return None, None


def bulk_upsert(
    store: AirbaseStore, collection: str, body: dict[str, Any], strict: bool
) -> tuple[int, Record]:
    """Run one bulk call: ``(status, {"created", "updated", "validation_errors"})``."""
    if "entities" not in body:
        raise field_errors({"entities": [wire.REQUIRED]})
    entities = body["entities"]
    if not isinstance(entities, list):
        raise field_errors(
            {"entities": [f'Expected a list of items but got type "{wire.type_name(entities)}".']}
        )
    if len(entities) > MAX_ITEMS:
        raise field_errors({"entities": [f"Ensure this field has no more than {MAX_ITEMS} elements."]})
    writer = WRITERS[collection]
    journal = Journal()
    result: Record = {"created": [], "updated": [], "validation_errors": []}
    for index, item in enumerate(entities):
        if not isinstance(item, dict):
            message = f"Invalid data. Expected a dictionary, but got {wire.type_name(item)}."
            result["validation_errors"].append({"index": index, "errors": {"non_field_errors": [message]}})
            continue
        existing, problem = _target(store, collection, item)
        record, errors = (None, problem) if problem else writer(store, item, existing)
        if record is None:
            result["validation_errors"].append({"index": index, "errors": errors})
            continue
        if record is not existing:
            store[collection].put(record, journal)
        outcome = "updated" if existing is not None else "created"
        result[outcome].append(
            {"airbase_id": record["airbase_id"], "erp_reference_id": record.get("erp_reference_id")}
        )
    if strict and result["validation_errors"]:
        journal.rollback()
        return 400, {"created": [], "updated": [], "validation_errors": result["validation_errors"]}
    return 200, result
