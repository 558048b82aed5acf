"""Bill payments (``api/airbase.md`` sections 5 and 6): each payment is a ``bill_payment`` ledger entry
whose ``airbase_id`` is the payment id, ``applied_to`` naming the bill's ``bill`` entry.

``payment_status`` of the bill: ``unpaid`` → ``scheduled`` → ``partially_paid`` | ``paid``; a failed
scheduled payment returns its amount to what is owed. Amounts are ``Decimal`` throughout.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from visma_airbase_pipeline.sandbox.airbase import ledger, wire
from visma_airbase_pipeline.sandbox.airbase.bills import Emit
from visma_airbase_pipeline.sandbox.airbase.store import AirbaseStore, Record
from visma_airbase_pipeline.sandbox.airbase.webhooks import bill_data, entry_data, make_event
from visma_airbase_pipeline.sandbox.framework import AdminError

METHODS = ("ach", "check", "virtual_card", "vendor_credit", "paid_outside_airbase")
DEFAULT_BANK_ACCOUNT = "1930"


def payment_status(total: Decimal, paid: Decimal, scheduled: Decimal) -> str:
    """The bill's payment status from what is paid and what is scheduled."""
    if paid != 0 and paid == total:
        return "paid"
    if paid != 0:
        return "partially_paid"
    return "scheduled" if scheduled != 0 else "unpaid"


def _amount(body: dict[str, Any], owed: Decimal) -> Decimal:
    if body.get("amount") is None:
        amount = owed
    else:
        try:
            amount = wire.parse_money(body["amount"])
        except ValueError as exc:
            raise AdminError(400, f"amount: {exc}") from None
    if owed == 0:
        raise AdminError(400, "Nothing is owed on this bill.")
    if amount == 0 or (amount < 0) != (owed < 0) or abs(amount) > abs(owed):
        raise AdminError(
            400, f"A payment of {wire.money_str(amount)} does not fit the {wire.money_str(owed)} owed."
        )
    return amount


def _options(body: dict[str, Any]) -> tuple[str, str, str, bool]:
    method = body.get("method") or "ach"
    if method not in METHODS:
        raise AdminError(400, f"method must be one of {', '.join(METHODS)}.")
    payment_date = body.get("payment_date") or datetime.now(UTC).date().isoformat()
    try:
        wire.parse_date(payment_date)
    except ValueError:
        raise AdminError(400, "payment_date must be a YYYY-MM-DD date.") from None
    bank = body.get("bank_account_erp_reference_id") or DEFAULT_BANK_ACCOUNT
    complete = body.get("complete", True)
    if not isinstance(bank, str | int) or not isinstance(complete, bool):
        raise AdminError(400, "bank_account_erp_reference_id must be a string and complete a boolean.")
    return method, payment_date, str(bank), complete


def _bank_account(store: AirbaseStore, erp_id: str, iso_code: str) -> Record:
    account = store["accounts"].by_erp(erp_id)
    return {"erp_reference_id": erp_id, "name": account["name"] if account else f"Bank {iso_code}".strip()}


def pay(store: AirbaseStore, emit: Emit, bill: Record, body: dict[str, Any]) -> tuple[Record, Record]:
    """Pay an approved bill, in full by default: ``(bill, bill_payment entry)``."""
    if bill.get("approval_status") != "approved":
        raise AdminError(
            400, f"Only an approved bill can be paid; this one is {bill.get('approval_status')}."
        )
    total = wire.money_or_zero(bill.get("total_amount"))
    paid = wire.money_or_zero(bill.get("amount_paid"))
    scheduled = wire.money_or_zero(bill.get("_scheduled"))
    amount = _amount(body, total - paid - scheduled)
    method, payment_date, bank, complete = _options(body)
    bill_entry = store["ledger_entries"].get(bill.get("_bill_entry_id"))
    currency = store.currency(bill.get("erp_currency_reference_id"))
    iso_code = str(currency.get("iso_code") or "") if currency else ""
    stamp = f"{payment_date}T00:00:00"
    entry = ledger.finish_entry(
        store,
        {
            "airbase_id": store.new_id(),
            "type": "bill_payment",
            "subsidiary": ledger.named_ref(
                store["subsidiaries"].by_erp(bill.get("erp_subsidiary_reference_id"))
            ),
            "vendor": ledger.vendor_ref(store["vendors"].by_erp(bill.get("erp_vendor_reference_id"))),
            "invoice_number": bill.get("invoice_number") or "",
            "bank_account": _bank_account(store, bank, iso_code),
            "ap_account": ledger.named_ref(store["accounts"].by_erp(bill.get("erp_ap_account_reference_id"))),
            "applied_to": [
                {
                    "id": bill_entry["airbase_id"],
                    "airbase_id": bill_entry["airbase_id"],
                    "transaction_type": "bill",
                }
            ]
            if bill_entry
            else [],
            "entry_date": stamp,
            "payment_entry_date": stamp,
            "currency": ledger.currency_ref(currency),
            "total_amount": amount,
            "amounts": ledger.amounts(store, amount, currency, bill.get("erp_subsidiary_reference_id")),
            "payment_method": method,
            "payment_status": "completed" if complete else "scheduled",
            "_bill_id": bill["airbase_id"],
        },
    )
    store["ledger_entries"].put(entry)
    if complete:
        paid += amount
    else:
        scheduled += amount
    updated = store["bills"].put(
        {
            **bill,
            "amount_paid": paid,
            "_scheduled": scheduled,
            "payment_status": payment_status(total, paid, scheduled),
            "updated_date": wire.now_naive(),
        }
    )
    emit(make_event(store, "ledger_entry_sync_ready", entry_data(entry)))
    if complete:
        emit(make_event(store, "bill_paid", bill_data(updated)))
    return updated, entry


def _scheduled_payment(store: AirbaseStore, payment_id: str) -> tuple[Record, Record]:
    entry = store["ledger_entries"].get(payment_id)
    if entry is None or entry.get("type") != "bill_payment":
        raise AdminError(404, f"No bill payment {payment_id!r}.")
    if entry.get("payment_status") != "scheduled":
        raise AdminError(
            400, f"Only a scheduled payment can change; this one is {entry.get('payment_status')}."
        )
    bill = store["bills"].get(entry.get("_bill_id"))
    if bill is None:
        raise AdminError(409, "The payment's bill no longer exists.")
    return entry, bill


def settle(store: AirbaseStore, emit: Emit, payment_id: str, *, succeed: bool) -> tuple[Record, Record]:
    """Complete or fail a scheduled payment: ``(bill, entry)``.

    A failure returns the amount to what is owed and emits ``payment_failed``; an entry the ERP had
    already booked goes back to ``sync_ready``, so a polling client sees the reversal too.
    """
    entry, bill = _scheduled_payment(store, payment_id)
    amount = wire.money_or_zero(entry.get("total_amount"))
    total = wire.money_or_zero(bill.get("total_amount"))
    paid = wire.money_or_zero(bill.get("amount_paid"))
    scheduled = wire.money_or_zero(bill.get("_scheduled")) - amount
    if succeed:
        paid += amount
    changed_entry = {**entry, "payment_status": "completed" if succeed else "failed"}
    if not succeed and entry.get("status") == "sync_complete":
        changed_entry["status"] = "sync_ready"
    store["ledger_entries"].put(changed_entry)
    updated = store["bills"].put(
        {
            **bill,
            "amount_paid": paid,
            "_scheduled": scheduled,
            "payment_status": payment_status(total, paid, scheduled),
            "updated_date": wire.now_naive(),
        }
    )
    if succeed:
        emit(make_event(store, "bill_paid", bill_data(updated)))
    else:
        emit(make_event(store, "payment_failed", {**entry_data(changed_entry), "bill": bill_data(updated)}))
        if changed_entry["status"] == "sync_ready" and entry.get("status") != "sync_ready":
            emit(make_event(store, "ledger_entry_sync_ready", entry_data(changed_entry)))
    return updated, changed_entry
