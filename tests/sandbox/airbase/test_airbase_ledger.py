"""Ledger entries and payments (contract sections 6 and 11): the default listing, the full field set,
the sync-outcome PATCH rules, and bill payments from the admin API."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from airbase_helpers import Airbase, approved_bill, bill, push_bill

pytestmark = pytest.mark.integration

ENTRY_FIELDS = {
    "id",
    "airbase_id",
    "erp_reference_id",
    "erp_url",
    "airbase_url",
    "url",
    "type",
    "status",
    "error_message",
    "spend_owner",
    "subsidiary",
    "credit_mode",
    "vendor",
    "employee",
    "invoice_number",
    "bank_account",
    "ap_account",
    "applied_to",
    "receipt_link",
    "entry_date",
    "payment_entry_date",
    "currency",
    "total_amount",
    "transaction_tags",
    "notes",
    "is_amortized",
    "amortization_start_date",
    "amortization_end_date",
    "expense_list",
    "amounts",
}


def _entries(airbase: Airbase, **params: str) -> list[dict[str, Any]]:
    response = airbase.get("/ledger_entries/", params=params)
    assert response.status_code == 200, response.text
    return response.json()["data"]


def test_default_listing_is_sync_ready_only(airbase: Airbase) -> None:
    seeded = _entries(airbase)
    assert len(seeded) == 6 and {e["status"] for e in seeded} == {"sync_ready"}
    assert {e["type"] for e in seeded} == {"card_transaction", "reimbursement", "fee"}
    # Seeded amounts keep their uneven decimal strings.
    assert {"75", "12.5"} <= {e["total_amount"] for e in seeded}
    first = seeded[0]
    airbase.patch(
        f"/ledger_entries/{first['airbase_id']}/", {"status": "sync_complete", "erp_reference_id": "GL-1"}
    )
    assert len(_entries(airbase)) == 5
    assert [e["airbase_id"] for e in _entries(airbase, status="sync_complete")] == [first["airbase_id"]]
    assert len(_entries(airbase, type="fee")) == 1
    assert _entries(airbase, type="bill") == []
    bad = airbase.get("/ledger_entries/", params={"status": "done"})
    assert bad.status_code == 400 and "status" in bad.json()


def test_every_entry_has_the_full_field_set(reference: Airbase) -> None:
    bill_id, _ = approved_bill(reference)
    reference.admin("POST", f"bills/{bill_id}/pay", {"amount": "500.00"})
    for entry in _entries(reference):
        assert entry.keys() >= ENTRY_FIELDS, ENTRY_FIELDS - entry.keys()
        assert entry["id"] == entry["airbase_id"]


def test_bill_entry_is_built_from_the_bill(reference: Airbase) -> None:
    _bill_id, entry = approved_bill(reference)
    entry = reference.get(f"/ledger_entries/{entry['airbase_id']}/").json()
    assert entry["vendor"]["erp_reference_id"] == "50012" and entry["vendor"]["name"] == "Hostco GmbH"
    assert entry["vendor"]["created_in_airbase"] is False
    assert entry["ap_account"] == {"erp_reference_id": "2440", "name": "Leverantörsskulder"}
    assert entry["subsidiary"] == {"erp_reference_id": "1", "name": "Nordic Trade AB"}
    assert entry["currency"] == {"erp_reference_id": "EUR", "iso_code": "EUR"}
    assert entry["invoice_number"] == "INV-SI-000123" and entry["total_amount"] == "1500.00"
    lines = entry["expense_list"]
    assert [line["amount"] for line in lines] == ["1200.00", "300.00"]
    assert [line["account"]["erp_reference_id"] for line in lines] == ["6540", "6550"]
    # Line numbers are opaque integers, not 1..n.
    assert all(isinstance(line["line_number"], int) for line in lines)
    assert [line["line_number"] for line in lines] != [1, 2]
    assert lines[0]["tags"] == [
        {"erp_reference_id": "CC-200", "name": "IT", "type": "cost_center"},
        {"erp_reference_id": "PRJ-17", "name": "Hamnprojekt", "type": "project"},
    ]
    amounts = entry["amounts"]
    assert amounts["transaction_amount"] == {"amount": "1500.00", "currency": entry["currency"]}
    assert amounts["amount"] == amounts["transaction_amount"]
    assert amounts["settlement_amount"] is None
    sek = amounts["subsidiary_amount"]
    assert sek["currency"]["iso_code"] == "SEK" and Decimal(sek["amount"]) > Decimal("1500")
    assert len(entry["entry_date"]) == 19 and "T" in entry["entry_date"]


@pytest.mark.parametrize(
    ("body", "status", "response"),
    [
        ({"status": "sync_ready"}, 400, {"status": ['"sync_ready" is not a valid choice.']}),
        ({"erp_reference_id": "X"}, 400, {"status": ["This field is required."]}),
        (
            {"status": "sync_complete", "erp_reference_id": ["X"]},
            400,
            {"erp_reference_id": ["Not a valid string."]},
        ),
        ({"status": "sync_error", "error_message": 5}, 400, {"error_message": ["Not a valid string."]}),
    ],
)
def test_patch_body_errors(airbase: Airbase, body: dict, status: int, response: dict) -> None:
    entry = _entries(airbase)[0]
    answer = airbase.patch(f"/ledger_entries/{entry['airbase_id']}/", body)
    assert (answer.status_code, answer.json()) == (status, response)


def test_patch_transitions(airbase: Airbase) -> None:
    entry_id = _entries(airbase)[0]["airbase_id"]
    path = f"/ledger_entries/{entry_id}/"
    failed = airbase.patch(path, {"status": "sync_error", "error_message": "Visma: account 6550 is blocked"})
    assert failed.status_code == 200
    assert (failed.json()["status"], failed.json()["error_message"]) == (
        "sync_error",
        "Visma: account 6550 is blocked",
    )
    done = airbase.patch(path, {"status": "sync_complete", "erp_reference_id": "PAY-004211"})
    assert done.status_code == 200
    assert (done.json()["status"], done.json()["erp_reference_id"], done.json()["error_message"]) == (
        "sync_complete",
        "PAY-004211",
        "",
    )
    # A replayed PATCH is a no-op; another ERP id is a conflict; going back is refused.
    assert (
        airbase.patch(path, {"status": "sync_complete", "erp_reference_id": "PAY-004211"}).status_code == 200
    )
    conflict = airbase.patch(path, {"status": "sync_complete", "erp_reference_id": "PAY-999"})
    assert conflict.status_code == 409 and conflict.json() == {"detail": "Ledger entry already synced."}
    assert airbase.patch(path, {"status": "sync_error", "error_message": "late"}).status_code == 400
    assert airbase.get(path).json()["erp_reference_id"] == "PAY-004211"
    assert airbase.patch("/ledger_entries/nope/", {"status": "sync_complete"}).status_code == 404


def test_pending_entries_cannot_be_synced(airbase: Airbase) -> None:
    entry = airbase.admin(
        "POST", "ledger_entries", {"type": "fee", "total_amount": "10", "status": "pending"}
    ).json()
    assert entry["airbase_id"] not in {e["airbase_id"] for e in _entries(airbase)}
    response = airbase.patch(f"/ledger_entries/{entry['airbase_id']}/", {"status": "sync_complete"})
    assert response.status_code == 400


def test_retry_puts_a_failed_entry_back(airbase: Airbase) -> None:
    entry_id = _entries(airbase)[0]["airbase_id"]
    airbase.patch(f"/ledger_entries/{entry_id}/", {"status": "sync_error", "error_message": "boom"})
    assert entry_id not in {e["airbase_id"] for e in _entries(airbase)}
    retried = airbase.admin("POST", f"ledger_entries/{entry_id}/retry")
    assert retried.status_code == 200 and retried.json()["status"] == "sync_ready"
    assert retried.json()["error_message"] == ""
    assert airbase.admin("POST", f"ledger_entries/{entry_id}/retry").status_code == 400
    assert airbase.admin("POST", "ledger_entries/nope/retry").status_code == 404


def test_injected_entries(airbase: Airbase) -> None:
    card = airbase.admin(
        "POST",
        "ledger_entries",
        {"type": "card_transaction", "total_amount": "99.90", "currency": "EUR", "notes": "Taxi"},
    )
    assert card.status_code == 201
    entry = card.json()
    assert entry["status"] == "sync_ready" and entry["total_amount"] == "99.90"
    assert entry["currency"] == {"erp_reference_id": "EUR", "iso_code": "EUR"}
    assert entry["amounts"]["subsidiary_amount"]["currency"]["iso_code"] == "SEK"
    assert entry["subsidiary"]["erp_reference_id"] == "1"
    batch = airbase.admin(
        "POST", "ledger_entries", [{"type": "fee", "total_amount": 5}, {"type": "reimbursement"}]
    )
    assert batch.status_code == 201 and [e["type"] for e in batch.json()] == ["fee", "reimbursement"]
    assert airbase.admin("POST", "ledger_entries", {"type": "bill"}).status_code == 400
    assert len(_entries(airbase)) == 9


# ----- payments ------------------------------------------------------------------------------------
def test_full_payment_by_default(reference: Airbase) -> None:
    bill_id, bill_entry = approved_bill(reference)
    paid = reference.admin("POST", f"bills/{bill_id}/pay")
    assert paid.status_code == 200
    bill, entry = paid.json()["bill"], paid.json()["ledger_entry"]
    assert (bill["payment_status"], bill["amount_paid"]) == ("paid", "1500.00")
    assert entry["type"] == "bill_payment" and entry["status"] == "sync_ready"
    assert entry["erp_reference_id"] is None
    assert entry["applied_to"] == [
        {"id": bill_entry["airbase_id"], "airbase_id": bill_entry["airbase_id"], "transaction_type": "bill"}
    ]
    assert (entry["payment_method"], entry["payment_status"]) == ("ach", "completed")
    assert entry["bank_account"] == {"erp_reference_id": "1930", "name": "Företagskonto"}
    assert entry["total_amount"] == "1500.00" and entry["payment_entry_date"].endswith("T00:00:00")
    assert entry["vendor"]["erp_reference_id"] == "50012"
    listed = _entries(reference, type="bill_payment")
    assert [e["airbase_id"] for e in listed] == [entry["airbase_id"]]
    nothing_left = reference.admin("POST", f"bills/{bill_id}/pay")
    assert nothing_left.status_code == 400


def test_partial_payments(reference: Airbase) -> None:
    bill_id, _ = approved_bill(reference)
    first = reference.admin(
        "POST",
        f"bills/{bill_id}/pay",
        {
            "amount": "1000.00",
            "method": "check",
            "payment_date": "2026-03-28",
            "bank_account_erp_reference_id": "1940",
        },
    ).json()
    assert (first["bill"]["payment_status"], first["bill"]["amount_paid"]) == ("partially_paid", "1000.00")
    assert first["ledger_entry"]["payment_entry_date"] == "2026-03-28T00:00:00"
    assert first["ledger_entry"]["bank_account"] == {"erp_reference_id": "1940", "name": "Bank EUR"}
    assert first["ledger_entry"]["payment_method"] == "check"
    too_much = reference.admin("POST", f"bills/{bill_id}/pay", {"amount": "500.01"})
    assert too_much.status_code == 400 and "error" in too_much.json()
    rest = reference.admin("POST", f"bills/{bill_id}/pay", {"amount": 500}).json()
    assert (rest["bill"]["payment_status"], rest["bill"]["amount_paid"]) == ("paid", "1500.00")


@pytest.mark.parametrize(
    "body",
    [
        {"amount": "0"},
        {"amount": "-5"},
        {"amount": "abc"},
        {"method": "bitcoin"},
        {"payment_date": "soon"},
        {"complete": "yes"},
    ],
)
def test_bad_payments_are_refused(reference: Airbase, body: dict) -> None:
    bill_id, _ = approved_bill(reference)
    response = reference.admin("POST", f"bills/{bill_id}/pay", body)
    assert response.status_code == 400 and "error" in response.json()
    assert reference.get(f"/bills/{bill_id}/").json()["payment_status"] == "unpaid"


def test_unapproved_bill_cannot_be_paid(reference: Airbase) -> None:
    bill_id = push_bill(reference)
    response = reference.admin("POST", f"bills/{bill_id}/pay")
    assert response.status_code == 400 and "approved" in response.json()["error"]


def test_vendor_credit_is_settled_with_a_negative_payment(reference: Airbase) -> None:
    lines = [{**line, "amount": f"-{line['amount']}"} for line in bill()["lines"]]
    bill_id, _ = approved_bill(reference, "CN-1", total_amount="-1500.00", lines=lines)
    paid = reference.admin("POST", f"bills/{bill_id}/pay", {"method": "vendor_credit"}).json()
    assert paid["bill"]["payment_status"] == "paid" and paid["ledger_entry"]["total_amount"] == "-1500.00"


def test_scheduled_payment_fails_back_to_unpaid(reference: Airbase) -> None:
    bill_id, _ = approved_bill(reference)
    scheduled = reference.admin("POST", f"bills/{bill_id}/pay", {"complete": False}).json()
    assert scheduled["bill"]["payment_status"] == "scheduled" and scheduled["bill"]["amount_paid"] == "0.00"
    payment = scheduled["ledger_entry"]
    assert (payment["payment_status"], payment["status"]) == ("scheduled", "sync_ready")
    # The ERP books it; then the bank returns it.
    reference.patch(
        f"/ledger_entries/{payment['airbase_id']}/", {"status": "sync_complete", "erp_reference_id": "P-1"}
    )
    failed = reference.admin("POST", f"payments/{payment['airbase_id']}/fail")
    assert failed.status_code == 200
    assert failed.json()["bill"]["payment_status"] == "unpaid"
    entry = reference.get(f"/ledger_entries/{payment['airbase_id']}/").json()
    assert (entry["payment_status"], entry["status"], entry["erp_reference_id"]) == (
        "failed",
        "sync_ready",
        "P-1",
    )
    assert reference.admin("POST", f"payments/{payment['airbase_id']}/fail").status_code == 400
    # Owed again: it can be paid anew.
    assert reference.admin("POST", f"bills/{bill_id}/pay").json()["bill"]["payment_status"] == "paid"


def test_scheduled_payment_can_complete(reference: Airbase) -> None:
    bill_id, _ = approved_bill(reference)
    payment = reference.admin("POST", f"bills/{bill_id}/pay", {"complete": False, "amount": "100"}).json()
    assert reference.admin("POST", f"bills/{bill_id}/pay", {"amount": "1400.01"}).status_code == 400
    done = reference.admin("POST", f"payments/{payment['ledger_entry']['airbase_id']}/complete").json()
    assert (done["bill"]["payment_status"], done["bill"]["amount_paid"]) == ("partially_paid", "100.00")
    assert done["ledger_entry"]["payment_status"] == "completed"
    assert reference.admin("POST", "payments/nope/fail").status_code == 404
    assert (
        reference.admin("POST", f"payments/{payment['ledger_entry']['airbase_id']}/explode").status_code
        == 404
    )
