"""Outgoing webhooks (contract section 10): envelope, both signature modes, the event types the
product emits, and delivery trouble (duplicates, drops, retries, redelivery)."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
from typing import Any

import pytest
from airbase_helpers import Airbase, Receiver, approved_bill, push_bill

from visma_airbase_pipeline.sandbox.airbase.webhooks import WEBHOOK_SECRET

pytestmark = pytest.mark.integration


def _target(airbase: Airbase, receiver: Receiver, **settings: Any) -> None:
    response = airbase.admin("POST", "webhooks", {"url": receiver.url, **settings})
    assert response.status_code == 200, response.text


def _events(deliveries: list[tuple[dict[str, str], bytes]]) -> list[dict[str, Any]]:
    return [json.loads(raw) for _, raw in deliveries]


def _hmac(secret: str, message: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def test_envelope_and_body_signature(reference: Airbase, receiver: Receiver) -> None:
    _target(reference, receiver)
    bill_id, entry = approved_bill(reference)
    deliveries = receiver.wait_for(2)
    events = {e["type"]: e for e in _events(deliveries)}
    assert set(events) == {"bill_approved", "ledger_entry_sync_ready"}
    approved = events["bill_approved"]
    assert re.fullmatch(r"evt_[0-9A-HJKMNP-TV-Z]{26}", approved["id"])
    assert approved["object"] == "event"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", approved["created_date"])
    assert approved["data"]["object"] == "bill"
    assert (approved["data"]["airbase_id"], approved["data"]["erp_reference_id"]) == (bill_id, "SI-000123")
    assert approved["data"]["approval_status"] == "approved"
    assert events["ledger_entry_sync_ready"]["data"]["airbase_id"] == entry["airbase_id"]
    for headers, raw in deliveries:
        assert headers["X-Airbase-Signature"] == _hmac(WEBHOOK_SECRET, raw)
        assert abs(int(headers["X-Airbase-Timestamp"]) - time.time()) < 60
        assert headers["Content-Type"] == "application/json"


def test_timestamped_signature_and_own_secret(reference: Airbase, receiver: Receiver) -> None:
    _target(reference, receiver, mode="timestamped", secret="s3cret")
    push_bill(reference)
    bill_id = reference.state("bills")[0]["airbase_id"]
    reference.admin("POST", f"bills/{bill_id}/deny", {"comment": "no"})
    [(headers, raw)] = receiver.wait_for(1)
    stamp = headers["X-Airbase-Timestamp"]
    assert headers["X-Airbase-Signature"] == _hmac("s3cret", stamp.encode() + b"." + raw)
    assert headers["X-Airbase-Signature"] != _hmac("s3cret", raw)
    assert _events([(headers, raw)])[0]["type"] == "bill_denied"


def test_bad_signature_fault(reference: Airbase, receiver: Receiver) -> None:
    _target(reference, receiver, bad_signature=1.0)
    reference.admin("POST", f"bills/{push_bill(reference)}/send_back", {"comment": "fix"})
    [(headers, raw)] = receiver.wait_for(1)
    assert headers["X-Airbase-Signature"] != _hmac(WEBHOOK_SECRET, raw)
    assert _events([(headers, raw)])[0]["type"] == "bill_sent_back"


def test_duplicate_delivery_has_the_same_id(airbase: Airbase, receiver: Receiver) -> None:
    _target(airbase, receiver, duplicate=1.0)
    airbase.admin("POST", "records/vendors", {"name": "Ny Leverantör AB", "erp_reference_id": None})
    events = _events(receiver.wait_for(2))
    assert len(events) == 2 and events[0] == events[1]
    assert events[0]["type"] == "vendor_created"


def test_dropped_event_can_be_redelivered(airbase: Airbase, receiver: Receiver) -> None:
    _target(airbase, receiver, drop=1.0)
    airbase.admin("POST", "ledger_entries", {"type": "fee", "total_amount": "12.5"})
    state = airbase.admin("GET", "webhooks").json()
    [event] = state["events"]
    assert event["body"]["type"] == "ledger_entry_sync_ready"
    assert state["deliveries"][0]["dropped"] is True
    assert receiver.received == []
    redelivered = airbase.admin("POST", f"webhooks/{event['event_id']}/redeliver")
    assert redelivered.status_code == 202
    [(_, raw)] = receiver.wait_for(1)
    assert json.loads(raw)["id"] == event["event_id"]
    assert airbase.admin("POST", "webhooks/evt_nope/redeliver").status_code == 404


def test_redeliver_without_a_url_is_refused(airbase: Airbase) -> None:
    airbase.admin("POST", "ledger_entries", {"type": "fee", "total_amount": "1"})
    [event] = airbase.admin("GET", "webhooks").json()["events"]
    assert airbase.admin("POST", f"webhooks/{event['event_id']}/redeliver").status_code == 409


def test_non_2xx_is_retried(airbase: Airbase, receiver: Receiver) -> None:
    receiver.fail_first = 2
    _target(airbase, receiver)
    airbase.admin("POST", "ledger_entries", {"type": "reimbursement", "total_amount": "389"})
    deliveries = receiver.wait_for(3)
    assert len({json.loads(raw)["id"] for _, raw in deliveries}) == 1
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        [record] = airbase.admin("GET", "webhooks").json()["deliveries"]
        if record["delivered"]:
            break
        time.sleep(0.05)
    assert record["statuses"] == [503, 503, 200] and record["delivered"] is True


def test_payment_events(reference: Airbase, receiver: Receiver) -> None:
    bill_id, _ = approved_bill(reference)
    _target(reference, receiver)
    reference.admin("POST", f"bills/{bill_id}/pay", {"amount": "500.00"})
    scheduled = reference.admin(
        "POST", f"bills/{bill_id}/pay", {"amount": "100.00", "complete": False}
    ).json()
    reference.admin("POST", f"payments/{scheduled['ledger_entry']['airbase_id']}/fail")
    events = _events(receiver.wait_for(4))
    types = sorted(e["type"] for e in events)
    assert types == ["bill_paid", "ledger_entry_sync_ready", "ledger_entry_sync_ready", "payment_failed"]
    paid = next(e for e in events if e["type"] == "bill_paid")["data"]
    assert (paid["payment_status"], paid["amount_paid"]) == ("partially_paid", "500.00")
    failed = next(e for e in events if e["type"] == "payment_failed")["data"]
    assert failed["airbase_id"] == scheduled["ledger_entry"]["airbase_id"]
    assert failed["payment_status"] == "failed" and failed["bill"]["airbase_id"] == bill_id


def test_vendor_created_in_airbase_only(airbase: Airbase, receiver: Receiver) -> None:
    _target(airbase, receiver)
    airbase.post("/vendors/", {"erp_reference_id": "50500", "name": "Från ERP AB"})
    created = airbase.post("/vendors/", {"name": "Skapad i Airbase AB"}).json()
    assert created["created_in_airbase"] is True
    [event] = _events(receiver.wait_for(1))
    assert len(airbase.admin("GET", "webhooks").json()["events"]) == 1
    assert event["type"] == "vendor_created"
    assert event["data"] == {
        "object": "vendor",
        "airbase_id": created["airbase_id"],
        "erp_reference_id": None,
        "name": "Skapad i Airbase AB",
    }


def test_admin_record_patch_emits_like_the_product(reference: Airbase, receiver: Receiver) -> None:
    bill_id = push_bill(reference)
    _target(reference, receiver)
    patched = reference.admin("PATCH", f"records/bills/{bill_id}", {"approval_status": "sent_back"})
    assert patched.status_code == 200 and patched.json()["approval_status"] == "sent_back"
    [event] = _events(receiver.wait_for(1))
    assert event["type"] == "bill_sent_back"
    assert reference.admin("PATCH", "records/bills/nope", {}).status_code == 404
