"""Ledger entries (``api/airbase.md`` section 6): building them in full read shape, and the sync-status
rules of ``PATCH /ledger_entries/{id}/``.

Every entry carries the whole field set (omitted values ``null``, ``[]``, ``false`` or ``""``), so a
client meets the real shape even for planted data. Amounts are ``Decimal`` inside; seeded entries keep
their uneven strings (``"75"``, ``"12.5"``) untouched.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from visma_airbase_pipeline.sandbox.airbase import wire
from visma_airbase_pipeline.sandbox.airbase.responses import field_error
from visma_airbase_pipeline.sandbox.airbase.store import AirbaseStore, Record, erp_key
from visma_airbase_pipeline.sandbox.framework import ApiError

STATUSES = ("pending", "sync_ready", "sync_complete", "sync_error")
TYPES = ("bill", "bill_payment", "card_transaction", "reimbursement", "fee")
AIRBASE_APP = "https://dashboard.airbase.io"
AIRBASE_API = "https://api.airbase.io/v1/accounting"
# SEK per unit, the rates of the seeded entries: subsidiary amounts of entries in foreign currency.
_SEK_PER_UNIT = {"SEK": Decimal(1), "EUR": Decimal("11.47"), "USD": Decimal("10.52")}
_CENT = Decimal("0.01")


def _defaults() -> Record:
    return {
        "erp_reference_id": None,
        "erp_url": None,
        "type": "card_transaction",
        "status": "sync_ready",
        "error_message": "",
        "spend_owner": None,
        "subsidiary": None,
        "credit_mode": None,
        "vendor": None,
        "employee": None,
        "invoice_number": "",
        "bank_account": None,
        "ap_account": None,
        "applied_to": [],
        "receipt_link": "",
        "entry_date": wire.now_naive(),
        "payment_entry_date": None,
        "currency": None,
        "total_amount": Decimal(0),
        "transaction_tags": [],
        "notes": "",
        "is_amortized": False,
        "amortization_start_date": None,
        "amortization_end_date": None,
        "expense_list": [],
        "amounts": None,
        "payment_method": None,
        "payment_status": None,
    }


def currency_ref(currency: Record | None) -> Record | None:
    """``{"erp_reference_id", "iso_code"}`` of a currency row."""
    if currency is None:
        return None
    return {"erp_reference_id": currency.get("erp_reference_id"), "iso_code": currency.get("iso_code")}


def named_ref(record: Record | None, name_field: str = "name") -> Record | None:
    """``{"erp_reference_id", "name"}``: how entries name accounts, banks and subsidiaries."""
    if record is None:
        return None
    return {"erp_reference_id": record.get("erp_reference_id"), "name": record.get(name_field)}


def vendor_ref(vendor: Record | None) -> Record | None:
    """The vendor object of an entry."""
    if vendor is None:
        return None
    return {
        "id": vendor["airbase_id"],
        "airbase_id": vendor["airbase_id"],
        "name": vendor.get("name"),
        "erp_reference_id": vendor.get("erp_reference_id"),
        "created_in_airbase": bool(vendor.get("created_in_airbase")),
    }


def tag_ref(tag: Record | None, erp_id: str) -> Record:
    """An expense-line tag ``{"erp_reference_id", "name", "type"}``."""
    tag = tag or {}
    return {"erp_reference_id": erp_id, "name": tag.get("name"), "type": tag.get("type")}


def amounts(store: AirbaseStore, total: Decimal, currency: Record | None, subsidiary_erp: Any) -> Record:
    """``amounts``: original, settled (``null`` until settled) and subsidiary base currency."""
    transaction = {"amount": total, "currency": currency_ref(currency)}
    base = store.subsidiary_base_currency(subsidiary_erp) or store.currency_by_iso("SEK")
    subsidiary_amount = None
    if currency is not None and base is not None:
        source, target = _SEK_PER_UNIT.get(currency.get("iso_code", "")), _SEK_PER_UNIT.get(base["iso_code"])
        if source is not None and target is not None:
            converted = (total * source / target).quantize(_CENT, rounding=ROUND_HALF_EVEN)
            subsidiary_amount = {"amount": converted, "currency": currency_ref(base)}
    return {
        "amount": dict(transaction),
        "transaction_amount": transaction,
        "settlement_amount": None,
        "subsidiary_amount": subsidiary_amount,
    }


def finish_entry(store: AirbaseStore, body: Record) -> Record:
    """A full entry from a partial one (seeded, injected or planted): defaults, ids, URLs, amounts."""
    entry = {**_defaults(), **body}
    store.stamp_new(entry)
    entry.setdefault("airbase_url", f"{AIRBASE_APP}/ledger/{entry['airbase_id']}")
    entry.setdefault("url", f"{AIRBASE_API}/ledger_entries/{entry['airbase_id']}/")
    entry["total_amount"] = wire.money_if_valid(entry["total_amount"])
    if isinstance(entry.get("currency"), str):
        entry["currency"] = currency_ref(store.currency_by_iso(entry["currency"]))
    if entry.get("amounts") is None and isinstance(entry["total_amount"], Decimal):
        subsidiary = entry.get("subsidiary") or {}
        currency = entry.get("currency") or {}
        row = store.currency(currency.get("erp_reference_id")) or store.currency_by_iso(
            currency.get("iso_code")
        )
        entry["amounts"] = amounts(store, entry["total_amount"], row, subsidiary.get("erp_reference_id"))
    return entry


def bill_entry(store: AirbaseStore, bill: Record) -> Record:
    """The ``bill`` entry final approval adds; an ERP-born bill's entry already holds its ERP id."""
    subsidiary = store["subsidiaries"].by_erp(bill.get("erp_subsidiary_reference_id"))
    currency = store.currency(bill.get("erp_currency_reference_id"))
    total = wire.money_or_zero(bill.get("total_amount"))
    expense_list = []
    for line in bill.get("lines") or []:
        account = store["accounts"].by_erp(line.get("erp_account_reference_id"))
        tags = [tag_ref(store["tags"].by_erp(t), t) for t in line.get("erp_tag_reference_ids") or []]
        expense_list.append(
            {
                "line_number": store.next_line_number(),
                "account": named_ref(account),
                "amount": wire.money_or_zero(line.get("amount")),
                "tags": tags,
                "description": line.get("description") or "",
                "receipt_link": "",
                "amortization_start_date": None,
                "amortization_end_date": None,
            }
        )
    return finish_entry(
        store,
        {
            "airbase_id": store.new_id(),
            "erp_reference_id": erp_key(bill.get("erp_reference_id")),
            "type": "bill",
            "subsidiary": named_ref(subsidiary),
            "vendor": vendor_ref(store["vendors"].by_erp(bill.get("erp_vendor_reference_id"))),
            "invoice_number": bill.get("invoice_number") or "",
            "ap_account": named_ref(store["accounts"].by_erp(bill.get("erp_ap_account_reference_id"))),
            "currency": currency_ref(currency),
            "total_amount": total,
            "notes": bill.get("memo") or "",
            "expense_list": expense_list,
            "amounts": amounts(store, total, currency, bill.get("erp_subsidiary_reference_id")),
            "_bill_id": bill["airbase_id"],
        },
    )


def apply_patch(entry: Record, body: dict[str, Any]) -> Record | None:
    """The new state of an entry after a client's sync-outcome PATCH; ``None`` means a no-op.

    Allowed from ``sync_ready`` or ``sync_error``; a repeated ``sync_complete`` with the same ERP id
    is harmless (replays), with another id a 409; every other transition is a 400.
    """
    if "status" not in body:
        raise field_error("status", wire.REQUIRED)
    status = body["status"]
    if status not in ("sync_complete", "sync_error"):
        raise field_error("status", f'"{status}" is not a valid choice.')
    erp_id = body.get("erp_reference_id")
    if erp_id is not None and (isinstance(erp_id, bool) or not isinstance(erp_id, str | int)):
        raise field_error("erp_reference_id", wire.NOT_STRING)
    message = body.get("error_message", "")
    if message is not None and not isinstance(message, str):
        raise field_error("error_message", wire.NOT_STRING)
    current = entry.get("status")
    if current == "sync_complete":
        if status == "sync_complete":
            if erp_key(erp_id) is None or erp_key(erp_id) == erp_key(entry.get("erp_reference_id")):
                return None
            raise ApiError(409, "Ledger entry already synced.")
        raise field_error("status", "Cannot change the status of a synced ledger entry.")
    if current not in ("sync_ready", "sync_error"):
        raise field_error("status", f"Cannot change the status of a ledger entry in status '{current}'.")
    if status == "sync_complete":
        new_id = erp_key(erp_id) or entry.get("erp_reference_id")
        return {**entry, "status": "sync_complete", "erp_reference_id": new_id, "error_message": ""}
    return {**entry, "status": "sync_error", "error_message": message or ""}
