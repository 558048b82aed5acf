"""Bills and purchase orders (contract section 5): validation, the approval lifecycle, locks,
archive, filters and the approvers' admin actions."""

from __future__ import annotations

import time
from typing import Any

import pytest
from airbase_helpers import Airbase, approved_bill, bill, push_bill

pytestmark = pytest.mark.integration

BILL_READ_FIELDS = {
    "airbase_id",
    "id",
    "approval_status",
    "payment_status",
    "amount_paid",
    "airbase_url",
    "created_date",
    "updated_date",
    "approvals",
}


def _errors(airbase: Airbase, item: Any) -> dict[str, Any]:
    body = airbase.post("/bills/bulk_upsert/", {"entities": [item]}).json()
    return body["validation_errors"][0]["errors"] if body["validation_errors"] else {}


def _line(**overrides: Any) -> dict[str, Any]:
    return {**bill()["lines"][0], **overrides}


def test_bill_is_created_with_read_fields(reference: Airbase) -> None:
    bill_id = push_bill(reference)
    read = reference.get(f"/bills/{bill_id}/").json()
    assert read.keys() >= BILL_READ_FIELDS
    assert read["id"] == read["airbase_id"] == bill_id
    assert (read["approval_status"], read["payment_status"], read["approvals"]) == (
        "pending_approval",
        "unpaid",
        [],
    )
    # Amounts come back as the client's decimal strings; date-times are naive ISO.
    assert read["total_amount"] == "1500.00" and read["lines"][1]["amount"] == "300.00"
    assert read["amount_paid"] == "0.00"
    assert time.strptime(read["created_date"], "%Y-%m-%dT%H:%M:%S")
    assert read["erp_vendor_reference_id"] == "50012" and read["lines"][0]["erp_tag_reference_ids"] == [
        "CC-200",
        "PRJ-17",
    ]


def test_numbers_are_money_too_and_scale_is_kept(reference: Airbase) -> None:
    lines = [_line(amount=1200), _line(amount="300.0", line_number=2)]
    bill_id = push_bill(reference, total_amount="1500.000", lines=lines)
    read = reference.get(f"/bills/{bill_id}/").json()
    assert (read["total_amount"], read["lines"][0]["amount"], read["lines"][1]["amount"]) == (
        "1500.000",
        "1200",
        "300.0",
    )


@pytest.mark.parametrize(
    ("overrides", "errors"),
    [
        ({"invoice_number": None}, {"invoice_number": ["This field may not be null."]}),
        ({"total_amount": "12,50"}, {"total_amount": ["A valid number is required."]}),
        ({"total_amount": "1e3"}, {"total_amount": ["A valid number is required."]}),
        ({"total_amount": "NaN"}, {"total_amount": ["A valid number is required."]}),
        ({"total_amount": True}, {"total_amount": ["A valid number is required."]}),
        ({"total_amount": "1499.99"}, {"total_amount": ["Lines sum to 1500.00, not 1499.99."]}),
        ({"due_date": "2026-03-01"}, {"due_date": ["Due date cannot be before the invoice date."]}),
        (
            {"invoice_date": "02/03/2026"},
            {"invoice_date": ["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."]},
        ),
        (
            {"invoice_date": "2026-02-30"},
            {"invoice_date": ["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."]},
        ),
        ({"erp_vendor_reference_id": "404"}, {"erp_vendor_reference_id": ["Unknown vendor '404'."]}),
        ({"erp_vendor_reference_id": "50099"}, {"erp_vendor_reference_id": ["Vendor '50099' is inactive."]}),
        ({"erp_subsidiary_reference_id": "9"}, {"erp_subsidiary_reference_id": ["Unknown subsidiary '9'."]}),
        ({"erp_currency_reference_id": "GBP"}, {"erp_currency_reference_id": ["Unknown currency 'GBP'."]}),
        (
            {"erp_ap_account_reference_id": "2441"},
            {"erp_ap_account_reference_id": ["Unknown account '2441'."]},
        ),
        (
            {"erp_purchase_order_reference_id": "PO-1"},
            {"erp_purchase_order_reference_id": ["Unknown purchase order 'PO-1'."]},
        ),
        ({"lines": []}, {"lines": ["This list may not be empty."]}),
        ({"lines": "many"}, {"lines": ['Expected a list of items but got type "str".']}),
        (
            {"lines": [_line(amount="1500.00", erp_account_reference_id="6999")]},
            {"lines": [{"erp_account_reference_id": ["Account '6999' is inactive."]}]},
        ),
        (
            {"lines": [_line(amount="1500.00", erp_tag_reference_ids=["CC-999"])]},
            {"lines": [{"erp_tag_reference_ids": ["Unknown tag 'CC-999'."]}]},
        ),
        (
            {"lines": [_line(amount="1500.00", erp_tag_reference_ids="CC-200")]},
            {"lines": [{"erp_tag_reference_ids": ['Expected a list of items but got type "str".']}]},
        ),
        (
            {"lines": [_line(amount="1500.00", line_number="first")]},
            {"lines": [{"line_number": ["A valid integer is required."]}]},
        ),
        (
            {"lines": [_line(), {"description": "no amount", "erp_account_reference_id": "6540"}]},
            {"lines": [{}, {"amount": ["This field is required."]}]},
        ),
        (
            {"lines": [7]},
            {"lines": [{"non_field_errors": ["Invalid data. Expected a dictionary, but got int."]}]},
        ),
    ],
)
def test_bill_validation(reference: Airbase, overrides: dict[str, Any], errors: dict[str, Any]) -> None:
    assert _errors(reference, bill(**overrides)) == errors
    assert reference.state("bills") == []


def test_required_bill_fields(reference: Airbase) -> None:
    errors = _errors(reference, {"erp_reference_id": "SI-1"})
    assert set(errors) == {
        "invoice_number",
        "erp_vendor_reference_id",
        "erp_subsidiary_reference_id",
        "erp_currency_reference_id",
        "invoice_date",
        "due_date",
        "total_amount",
        "lines",
    }
    assert all(messages == ["This field is required."] for messages in errors.values())


def test_duplicate_invoice_number_under_another_erp_id(reference: Airbase) -> None:
    push_bill(reference, "SI-1", invoice_number="INV-7")
    assert _errors(reference, bill("SI-2", invoice_number="INV-7")) == {
        "invoice_number": ["Bill with invoice number 'INV-7' already exists for vendor '50012'."]
    }
    # Same number from another vendor is fine, and so is the same bill again.
    assert _errors(reference, bill("SI-3", invoice_number="INV-7", erp_vendor_reference_id="50013")) == {}
    assert _errors(reference, bill("SI-1", invoice_number="INV-7")) == {}


def test_vendor_credit_has_negative_amounts(reference: Airbase) -> None:
    lines = [_line(amount="-1200.00"), _line(amount="-300.00", line_number=2)]
    bill_id = push_bill(reference, "CN-1", total_amount="-1500.00", lines=lines)
    assert reference.get(f"/bills/{bill_id}/").json()["total_amount"] == "-1500.00"


def test_approval_makes_a_bill_ledger_entry(reference: Airbase) -> None:
    bill_id, entry = approved_bill(reference)
    read = reference.get(f"/bills/{bill_id}/").json()
    assert read["approval_status"] == "approved"
    [approval] = read["approvals"]
    assert approval["decision"] == "approved" and approval["approver"]["email"]
    assert entry["type"] == "bill" and entry["status"] == "sync_ready"
    assert entry["erp_reference_id"] == "SI-000123"  # ERP-born: the entry already holds the ERP id
    listed = reference.get("/ledger_entries/", params={"type": "bill"}).json()["data"]
    assert [e["airbase_id"] for e in listed] == [entry["airbase_id"]]


def test_multi_step_approval(reference: Airbase) -> None:
    reference.admin("POST", "config", {"approval_steps": 2})
    bill_id = push_bill(reference)
    first = reference.admin(
        "POST", f"bills/{bill_id}/approve", {"approver_email": "karin.lindstrom@nordictrade.se"}
    )
    assert first.json()["bill"]["approval_status"] == "pending_approval"
    assert first.json()["ledger_entry"] is None
    assert first.json()["bill"]["approvals"][0]["approver"]["name"] == "Karin Lindström"
    second = reference.admin("POST", f"bills/{bill_id}/approve", {"approver_email": "cfo@nordictrade.se"})
    assert second.json()["bill"]["approval_status"] == "approved"
    assert second.json()["ledger_entry"]["type"] == "bill"
    assert len(second.json()["bill"]["approvals"]) == 2


def test_approved_bill_is_locked_but_replays_are_accepted(reference: Airbase) -> None:
    bill_id, _ = approved_bill(reference)
    stamp = reference.get(f"/bills/{bill_id}/").json()["updated_date"]
    replay = reference.upsert("bills", bill())
    assert replay["updated"] == [{"airbase_id": bill_id, "erp_reference_id": "SI-000123"}]
    # Same value, other scale: still unchanged.
    assert reference.upsert("bills", bill(total_amount="1500.0"))["validation_errors"] == []
    assert reference.get(f"/bills/{bill_id}/").json()["updated_date"] == stamp
    changed = reference.upsert("bills", bill(memo="edited after approval"))
    assert changed["validation_errors"] == [
        {"index": 0, "errors": {"non_field_errors": ["Bill is locked after approval."]}}
    ]
    garbage = reference.upsert("bills", bill(total_amount="lots"))
    assert garbage["validation_errors"][0]["errors"] == {
        "non_field_errors": ["Bill is locked after approval."]
    }
    patch = reference.patch(f"/bills/{bill_id}/", {"memo": "edited"})
    assert patch.status_code == 409 and patch.json() == {"detail": "Bill is locked after approval."}


def test_replay_of_an_approved_bill_survives_a_deactivated_vendor(reference: Airbase) -> None:
    approved_bill(reference)
    reference.upsert("vendors", {"erp_reference_id": "50012", "name": "Hostco GmbH", "is_active": False})
    assert reference.upsert("bills", bill())["validation_errors"] == []


def test_sent_back_returns_to_pending_on_the_next_upsert(reference: Airbase) -> None:
    bill_id = push_bill(reference)
    sent = reference.admin("POST", f"bills/{bill_id}/send_back", {"comment": "Wrong cost centre"})
    assert sent.json()["bill"]["approval_status"] == "sent_back"
    assert sent.json()["bill"]["approvals"][-1]["comment"] == "Wrong cost centre"
    assert reference.get("/bills/", params={"approval_status": "sent_back"}).json()["data"]
    reference.upsert("bills", bill(memo="fixed cost centre"))
    assert reference.get(f"/bills/{bill_id}/").json()["approval_status"] == "pending_approval"


def test_deny_and_admin_misuse(reference: Airbase) -> None:
    bill_id = push_bill(reference)
    denied = reference.admin("POST", f"bills/{bill_id}/deny", {"comment": "Not ours"})
    assert denied.json()["bill"]["approval_status"] == "denied"
    again = reference.admin("POST", f"bills/{bill_id}/approve")
    assert again.status_code == 400 and "pending approval" in again.json()["error"]
    assert reference.admin("POST", "bills/nope/approve").status_code == 404
    assert reference.admin("POST", f"bills/{bill_id}/frobnicate").status_code == 404
    assert reference.admin("POST", f"bills/{bill_id}/approve", data="{oops").status_code == 400


def test_patch_edits_while_pending(reference: Airbase) -> None:
    bill_id = push_bill(reference)
    before = reference.get(f"/bills/{bill_id}/").json()
    time.sleep(1.0)  # updated_date has second resolution
    lines = [_line(amount="1000.00"), _line(amount="500.00", line_number=2)]
    patched = reference.patch(
        f"/bills/{bill_id}/", {"memo": "new memo", "lines": lines, "approval_status": "approved"}
    )
    assert patched.status_code == 200
    body = patched.json()
    assert body["memo"] == "new memo" and body["lines"][0]["amount"] == "1000.00"
    assert body["approval_status"] == "pending_approval"  # read-only fields are ignored
    assert body["updated_date"] > before["updated_date"]
    bad = reference.patch(f"/bills/{bill_id}/", {"total_amount": "1"})
    assert bad.status_code == 400 and bad.json() == {"total_amount": ["Lines sum to 1500.00, not 1."]}
    assert reference.patch("/bills/00000000-0000-4000-8000-000000000000/", {}).status_code == 404


def test_archive_anything_unpaid(reference: Airbase) -> None:
    pending = push_bill(reference, "SI-1")
    approved, _ = approved_bill(reference, "SI-2")
    for bill_id in (pending, approved):
        response = reference.patch(f"/bills/{bill_id}/", {"is_archived": True})
        assert response.status_code == 200
        assert response.json()["approval_status"] == "archived" and response.json()["is_archived"] is True
    assert reference.patch(f"/bills/{pending}/", {"is_archived": True}).status_code == 200
    restore = reference.patch(f"/bills/{pending}/", {"is_archived": False})
    assert restore.status_code == 400
    # A paid bill cannot be withdrawn.
    paid, _ = approved_bill(reference, "SI-3")
    reference.admin("POST", f"bills/{paid}/pay")
    refused = reference.patch(f"/bills/{paid}/", {"is_archived": True})
    assert refused.status_code == 409 and refused.json() == {"detail": "Only an unpaid bill can be archived."}
    # An archived bill frees its invoice number for a new ERP id.
    assert _errors(reference, bill("SI-9", invoice_number="INV-SI-1")) == {}


def test_bill_listing_filters(reference: Airbase) -> None:
    push_bill(reference, "SI-1")
    approved_bill(reference, "SI-2")
    paid, _ = approved_bill(reference, "SI-3")
    reference.admin("POST", f"bills/{paid}/pay")

    def ids(**params: str) -> list[str]:
        response = reference.get("/bills/", params=params)
        assert response.status_code == 200, response.text
        return sorted(b["erp_reference_id"] for b in response.json()["data"])

    assert ids() == ["SI-1", "SI-2", "SI-3"]
    assert ids(erp_reference_id="SI-2") == ["SI-2"]
    assert ids(approval_status="approved") == ["SI-2", "SI-3"]
    assert ids(payment_status="paid") == ["SI-3"]
    assert ids(approval_status="") == ["SI-1", "SI-2", "SI-3"]
    assert ids(updated_since="2000-01-01T00:00:00Z") == ["SI-1", "SI-2", "SI-3"]
    assert ids(updated_since="2999-01-01") == []
    bad = reference.get("/bills/", params={"approval_status": "maybe"})
    assert bad.status_code == 400
    assert bad.json() == {
        "approval_status": ["Select a valid choice. maybe is not one of the available choices."]
    }
    assert reference.get("/bills/", params={"updated_since": "yesterday"}).json() == {
        "updated_since": ["Enter a valid date/time."]
    }


def _po(erp_id: str = "PO-1", **overrides: Any) -> dict[str, Any]:
    base = {
        "erp_reference_id": erp_id,
        "po_number": erp_id,
        "erp_vendor_reference_id": "50013",
        "erp_subsidiary_reference_id": "1",
        "erp_currency_reference_id": "SEK",
        "order_date": "2026-03-01",
        "status": "open",
        "total_amount": "2500.50",
        "lines": [
            {
                "line_number": 1,
                "erp_reference_id": "1",
                "description": "Pallar",
                "quantity": "10",
                "unit_price": "250.05",
                "amount": "2500.50",
                "received_quantity": "0",
                "erp_account_reference_id": "6540",
                "erp_tag_reference_ids": [],
            },
        ],
    }
    base.update(overrides)
    return base


def test_purchase_orders_upsert_read_and_receipt(reference: Airbase) -> None:
    created = reference.upsert("purchase_orders", _po())["created"][0]
    line = {**_po()["lines"][0], "received_quantity": "4"}
    assert reference.upsert("purchase_orders", _po(lines=[line]))["updated"] == [created]
    read = reference.get(f"/purchase_orders/{created['airbase_id']}/").json()
    assert read["lines"][0]["received_quantity"] == "4" and read["total_amount"] == "2500.50"
    listed = reference.get("/purchase_orders/", params={"status": "open"}).json()["data"]
    assert [p["airbase_id"] for p in listed] == [created["airbase_id"]]
    assert reference.get("/purchase_orders/nope/").status_code == 404
    # A bill may now name the purchase order.
    assert _errors(reference, bill(erp_purchase_order_reference_id="PO-1")) == {}


@pytest.mark.parametrize(
    ("overrides", "errors"),
    [
        ({"status": "draft"}, {"status": ['"draft" is not a valid choice.']}),
        ({"total_amount": "1"}, {"total_amount": ["Lines sum to 2500.50, not 1."]}),
        ({"order_date": None}, {"order_date": ["This field may not be null."]}),
        (
            {"lines": [{**_po()["lines"][0], "quantity": "-1"}]},
            {"lines": [{"quantity": ["Ensure this value is greater than or equal to 0."]}]},
        ),
        (
            {"lines": [{**_po()["lines"][0], "unit_price": "abc"}]},
            {"lines": [{"unit_price": ["A valid number is required."]}]},
        ),
    ],
)
def test_purchase_order_validation(
    reference: Airbase, overrides: dict[str, Any], errors: dict[str, Any]
) -> None:
    body = reference.post("/purchase_orders/bulk_upsert/", {"entities": [_po(**overrides)]}).json()
    assert body["validation_errors"] == [{"index": 0, "errors": errors}]


def test_bill_created_in_airbase_has_no_erp_id_on_its_entry(reference: Airbase) -> None:
    # Permissive admin create: a bill a user keyed in Airbase (read shape, no ERP id).
    planted = bill(erp_id="", erp_reference_id=None)
    created = reference.admin("POST", "records/bills", planted)
    assert created.status_code == 201
    record = created.json()
    assert record["approval_status"] == "pending_approval" and record["total_amount"] == "1500.00"
    assert record["id"] == record["airbase_id"]
    entry = reference.admin("POST", f"bills/{record['airbase_id']}/approve").json()["ledger_entry"]
    assert entry["erp_reference_id"] is None and entry["vendor"]["erp_reference_id"] == "50012"


def test_admin_state_and_records(airbase: Airbase) -> None:
    for collection in ("accounts", "tags", "vendors", "bills", "purchase_orders", "ledger_entries",
                       "subsidiaries", "currencies", "employees"):  # fmt: skip
        assert isinstance(airbase.state(collection), list)
    assert airbase.admin("GET", "state/invoices").status_code == 404
    planted = airbase.admin("POST", "records/accounts", {"erp_reference_id": "9999", "name": None, "x": 1})
    assert planted.status_code == 201 and planted.json()["x"] == 1  # permissive: bad data on purpose
    assert planted.json()["airbase_id"]
    kept = airbase.admin("POST", "records/tags", {"airbase_id": "my-own-id", "name": "T"}).json()
    assert kept["airbase_id"] == kept["id"] == "my-own-id" and kept["created_in_airbase"] is True
    changed = airbase.admin("PATCH", "records/tags/my-own-id", {"name": "T2", "airbase_id": "other"}).json()
    assert (changed["name"], changed["airbase_id"]) == ("T2", "my-own-id")
