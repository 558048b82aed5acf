"""Outgoing webhooks of api/visma.md section 10, checked with a local receiver: only the events
the real system sends, the exact body, the ``x-vwd-*`` headers and signature, and the delivery
misbehaviours (duplicate, drop, retry on non-2xx, bad signature)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
import uuid
from decimal import Decimal
from typing import Any

from visma_helpers import WEBHOOK_SECRET, Receiver, Visma, w


def _hook(visma: Visma, receiver: Receiver, **settings: Any) -> None:
    r = visma.admin("POST", "webhooks", {"url": receiver.url, **settings})
    assert r.status_code == 200, r.text


def _verify(headers: dict[str, str], raw: bytes, secret: str = WEBHOOK_SECRET) -> bool:
    expected = base64.b64encode(hmac.new(secret.encode(), raw, hashlib.sha256).digest()).decode()
    return hmac.compare_digest(expected, headers["x-vwd-signature-v1"])


def _events(received: list[tuple[dict[str, str], bytes]]) -> list[str]:
    return [headers["x-vwd-event-id"] for headers, _ in received]


def test_supplier_created_body_headers_and_signature(visma: Visma, receiver: Receiver) -> None:
    _hook(visma, receiver)
    location = visma.call("POST", "/v1/supplier", json={"name": w("Hook AB")}).headers["Location"]
    [(headers, raw)] = receiver.wait_for(1)
    assert _verify(headers, raw)
    payload = json.loads(raw)
    assert list(payload) == ["tenantId", "entity", "event", "id", "timestamp"]
    assert payload["tenantId"] == "vab-sandbox-tenant"
    assert (payload["entity"], payload["event"]) == ("Supplier", "Created")
    assert payload["id"] == location.rsplit("/", 1)[1]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", payload["timestamp"])
    assert headers["x-vwd-event-id"] == "Supplier.Created"
    assert headers["x-vwd-tenant-id"] == "vab-sandbox-tenant"
    assert headers["x-vwd-subscription-id"]
    uuid.UUID(headers["x-vwd-notification-id"])
    assert re.fullmatch(r"\d{13}", headers["x-vwd-notification-timestamp"])
    assert not _verify(headers, raw, "another-secret")


def test_invoice_status_change_only(visma: Visma, receiver: Receiver) -> None:
    _hook(visma, receiver)
    balanced = next(i for i in visma.state("supplierInvoice") if i["status"] == "Balanced")
    path = f"/v1/supplierInvoice/{balanced['documentType']}/{balanced['referenceNumber']}"
    assert visma.call("PUT", path, json={"description": w("edited, same status")}).status_code == 204
    visma.admin("PATCH", f"records/supplierInvoice/{balanced['referenceNumber']}", {"description": "again"})
    line = {"operation": "Insert", "accountNumber": w("6110"), "unitCostInCurrency": w(Decimal(5))}
    supplier = balanced["supplier"]["number"]
    created = visma.call(
        "POST", "/v1/supplierInvoice", json={"supplierNumber": w(supplier), "invoiceLines": [line]}
    )
    assert created.status_code == 201
    assert receiver.settle() == []  # creates and edits without a status change are silent
    visma.call("POST", f"{path}/action/release")
    [(headers, raw)] = receiver.wait_for(1)
    payload = json.loads(raw)
    assert list(payload) == ["tenantId", "entity", "event", "documentType", "id", "timestamp"]
    assert (payload["entity"], payload["event"], payload["documentType"], payload["id"]) == (
        "AP Invoice",
        "Status Changed",
        balanced["documentType"],
        balanced["referenceNumber"],
    )
    assert headers["x-vwd-event-id"] == "AP Invoice.Status Changed"


def test_payments_are_silent_but_closing_an_invoice_is_a_status_change(
    visma: Visma, receiver: Receiver
) -> None:
    invoice = visma.open_invoice()
    _hook(visma, receiver)
    payload = {
        "supplier": w(invoice["supplier"]["number"]),
        "paymentLines": [
            {"operation": "Insert", "refNbr": w(invoice["referenceNumber"]), "amountPaid": w(Decimal(1))}
        ],
    }
    partial = visma.call("POST", "/v1/supplierPayment", json=payload).headers["Location"].rsplit("/", 1)[1]
    visma.call("POST", f"/v1/supplierPayment/{partial}/action/release")
    assert receiver.settle() == []
    rest = {**payload, "paymentLines": [{"operation": "Insert", "refNbr": w(invoice["referenceNumber"])}]}
    number = visma.call("POST", "/v1/supplierPayment", json=rest).headers["Location"].rsplit("/", 1)[1]
    visma.call("POST", f"/v1/supplierPayment/{number}/action/release")
    received = receiver.wait_for(1)
    assert _events(received) == ["AP Invoice.Status Changed"]
    assert json.loads(received[0][1])["id"] == invoice["referenceNumber"]


def test_admin_changes_send_the_real_events(visma: Visma, receiver: Receiver) -> None:
    _hook(visma, receiver)
    order = next(o for o in visma.state("purchaseorder") if o["status"] == "Open")
    visma.admin("PATCH", f"records/purchaseorder/{order['orderNbr']}", {"status": "Cancelled"})
    visma.admin("PATCH", "records/account/6110", {"description": "Kontorsmaterial"})
    visma.admin("PATCH", "records/supplier/70002", {"name": "Patched AB"})
    visma.admin("PATCH", "records/subaccount/200", {"description": "silent"})
    receipt = visma.state("PurchaseReceipt")[0]["receiptNbr"]
    visma.admin("PATCH", f"records/PurchaseReceipt/{receipt}", {"status": "Cancelled"})
    received = receiver.wait_for(4)
    assert sorted(_events(receiver.settle())) == sorted(
        ["Purchase Order.Changed", "Purchase Order.Status Changed", "Account.Changed", "Supplier.Updated"]
    )
    assert all(_verify(headers, raw) for headers, raw in received)


def test_segment_value_events(visma: Visma, receiver: Receiver) -> None:
    _hook(visma, receiver)
    put = {"segmentValues": [{"operation": "Insert", "value": "220", "description": w("Uppsala")}]}
    assert visma.call("PUT", "/v1/dimension/SUBACCOUNT/1", json=put).status_code == 204
    received = receiver.wait_for(2)
    assert _events(received) == ["Dimension.Changed", "Dimension.Segment Value Changed"]
    assert [json.loads(raw)["id"] for _, raw in received] == ["SUBACCOUNT", "SUBACCOUNT/1/220"]


def test_duplicate_delivery_keeps_the_notification_id(visma: Visma, receiver: Receiver) -> None:
    _hook(visma, receiver, duplicate=1)
    visma.call("PUT", "/v1/supplier/70001", json={"name": w("Twice AB")})
    received = receiver.wait_for(2)
    assert received[0][1] == received[1][1]
    assert received[0][0]["x-vwd-notification-id"] == received[1][0]["x-vwd-notification-id"]
    assert len(receiver.settle()) == 2


def test_dropped_delivery_never_arrives(visma: Visma, receiver: Receiver) -> None:
    _hook(visma, receiver, drop=1)
    visma.call("PUT", "/v1/supplier/70001", json={"name": w("Lost AB")})
    assert receiver.settle() == []
    log = visma.admin("GET", "webhooks").json()
    assert log["deliveries"][0]["dropped"] is True
    assert log["events"][0]["body"]["id"] == "70001"


def test_non_2xx_is_retried_with_the_same_notification(visma: Visma, receiver: Receiver) -> None:
    receiver.fail_first = 2
    _hook(visma, receiver)
    visma.call("PUT", "/v1/supplier/70001", json={"name": w("Retry AB")})
    received = receiver.wait_for(3)
    assert len({headers["x-vwd-notification-id"] for headers, _ in received}) == 1
    deadline = time.monotonic() + 10  # the sender books the 200 just after the receiver saw it
    deliveries = visma.admin("GET", "webhooks").json()["deliveries"]
    while not deliveries[0]["delivered"] and time.monotonic() < deadline:
        time.sleep(0.05)
        deliveries = visma.admin("GET", "webhooks").json()["deliveries"]
    assert deliveries[0]["statuses"] == [500, 500, 200] and deliveries[0]["delivered"] is True


def test_bad_signature_delivery(visma: Visma, receiver: Receiver) -> None:
    _hook(visma, receiver, bad_signature=1)
    visma.call("PUT", "/v1/supplier/70001", json={"name": w("Forged AB")})
    [(headers, raw)] = receiver.wait_for(1)
    assert not _verify(headers, raw)


def test_secret_can_be_rotated(visma: Visma, receiver: Receiver) -> None:
    _hook(visma, receiver, secret="rotated-secret")
    visma.call("PUT", "/v1/supplier/70001", json={"name": w("Rotated AB")})
    [(headers, raw)] = receiver.wait_for(1)
    assert _verify(headers, raw, "rotated-secret") and not _verify(headers, raw)
