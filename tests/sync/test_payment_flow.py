"""Approved and paid bills back to Visma through the library, against both sandboxes."""

from __future__ import annotations

from decimal import Decimal

import pytest
import requests
from sync_support import full_sync, seeded_window, state

from visma_airbase_pipeline.airbase import AirbaseClient
from visma_airbase_pipeline.credentials import resolve_credentials
from visma_airbase_pipeline.errors import RemoteError
from visma_airbase_pipeline.ledger import LedgerStore, journal
from visma_airbase_pipeline.sync.approvals import sync_bill_approvals
from visma_airbase_pipeline.sync.context import RunContext
from visma_airbase_pipeline.sync.payments import sync_payments
from visma_airbase_pipeline.visma import VismaClient

pytestmark = pytest.mark.integration


@pytest.fixture
def synced(sandbox_env, tmp_path):
    """Sandboxes after a full inbound sync, with clients and the ledger."""
    credentials = resolve_credentials()
    store = LedgerStore(f"sqlite:///{tmp_path / 'ledger.db'}")
    with (
        VismaClient.from_credentials(credentials) as visma,
        AirbaseClient.from_credentials(credentials) as airbase,
    ):
        full_sync(visma, airbase, store, RunContext(run_id="inbound"), seeded_window())
        yield sandbox_env, visma, airbase, store
    store.close()


def _admin(url: str, path: str, body: dict | None = None) -> dict:
    response = requests.post(f"{url}/_sandbox/{path}", json=body or {}, timeout=30)
    assert response.status_code < 300, response.text
    return response.json() if response.content else {}


def _bill_for(sandboxes, predicate) -> tuple[dict, dict]:
    invoices = {
        f"{i['documentType']}/{i['referenceNumber']}": i
        for i in state(sandboxes.visma_url, "supplierInvoice")
    }
    for bill in state(sandboxes.airbase_url, "bills"):
        invoice = invoices.get(bill["erp_reference_id"])
        if invoice and predicate(invoice):
            return bill, invoice
    raise AssertionError("no such seeded invoice")


def _payments_for(sandboxes, invoice_number: str) -> list[dict]:
    return [
        p
        for p in state(sandboxes.visma_url, "supplierPayment")
        if any(line.get("invoiceRefNbr") == invoice_number for line in p.get("paymentLines", []))
    ]


def test_approve_takes_the_invoice_off_hold_then_payment_posts_once(synced):
    sandboxes, visma, airbase, store = synced
    bill, invoice = _bill_for(sandboxes, lambda i: i["status"] == "Hold" and i["documentType"] == "Invoice")
    _admin(sandboxes.airbase_url, f"bills/{bill['airbase_id']}/approve")
    approvals = sync_bill_approvals(airbase, visma, store, RunContext(run_id="approve"))
    assert approvals.updated == 1 and not approvals.quarantined
    after = next(
        i
        for i in state(sandboxes.visma_url, "supplierInvoice")
        if i["referenceNumber"] == invoice["referenceNumber"]
    )
    assert after["hold"] is False and after["status"] == "Open"

    _admin(sandboxes.airbase_url, f"bills/{bill['airbase_id']}/pay")
    report = sync_payments(airbase, visma, store, RunContext(run_id="pay"))
    assert report.created == 1 and not report.quarantined
    assert report.stages == {"posted": 1, "released": 1, "acknowledged": 1}
    (payment,) = _payments_for(sandboxes, invoice["referenceNumber"])
    entry = next(e for e in state(sandboxes.airbase_url, "ledger_entries") if e["type"] == "bill_payment")
    assert payment["paymentRef"] == entry["airbase_id"] and payment["released"] is True
    assert payment["paymentAmount"] == invoice["amount"] and payment["cashAccount"] == "1930"
    assert entry["status"] == "sync_complete" and entry["erp_reference_id"] == payment["refNbr"]
    closed = next(
        i
        for i in state(sandboxes.visma_url, "supplierInvoice")
        if i["referenceNumber"] == invoice["referenceNumber"]
    )
    assert closed["balance"] == 0 and closed["status"] == "Closed"

    again = sync_payments(airbase, visma, store, RunContext(run_id="pay-again"))
    assert again.created == 0 and len(_payments_for(sandboxes, invoice["referenceNumber"])) == 1


def test_a_lost_answer_to_the_post_never_makes_a_second_payment(synced):
    sandboxes, visma, airbase, store = synced
    bill, invoice = _bill_for(sandboxes, lambda i: i["status"] == "Open" and i["documentType"] == "Invoice")
    _admin(sandboxes.airbase_url, f"bills/{bill['airbase_id']}/approve")
    sync_bill_approvals(airbase, visma, store, RunContext(run_id="approve"))
    _admin(sandboxes.airbase_url, f"bills/{bill['airbase_id']}/pay", {"amount": "100.00"})
    _admin(
        sandboxes.visma_url,
        "faults",
        {
            "rules": [
                {
                    "method": "POST",
                    "path": "^/v1/supplierPayment$",
                    "status": 500,
                    "after_commit": True,
                    "nth": 1,
                }
            ]
        },
    )
    report = sync_payments(airbase, visma, store, RunContext(run_id="pay"))
    assert report.created == 1
    (payment,) = _payments_for(sandboxes, invoice["referenceNumber"])
    assert payment["paymentAmount"] == Decimal("100.00") and payment["released"] is True
    (row,) = journal.entries(store.engine)
    assert row.state == "acknowledged" and row.visma_payment_nbr == payment["refNbr"]


def test_a_crash_after_posting_resumes_the_same_payment(synced):
    sandboxes, visma, airbase, store = synced
    bill, invoice = _bill_for(sandboxes, lambda i: i["status"] == "Open" and i["documentType"] == "Invoice")
    _admin(sandboxes.airbase_url, f"bills/{bill['airbase_id']}/approve")
    sync_bill_approvals(airbase, visma, store, RunContext(run_id="approve"))
    _admin(sandboxes.airbase_url, f"bills/{bill['airbase_id']}/pay")
    # The worker dies right after Visma created the payment, before anything else was recorded.
    original = visma.release_supplier_payment

    def die(*args, **kwargs):
        raise KeyboardInterrupt("worker killed")

    visma.release_supplier_payment = die  # type: ignore[method-assign]
    with pytest.raises(KeyboardInterrupt):
        sync_payments(airbase, visma, store, RunContext(run_id="crash"))
    visma.release_supplier_payment = original  # type: ignore[method-assign]
    assert journal.entries(store.engine)[0].state == "posted"
    report = sync_payments(airbase, visma, store, RunContext(run_id="resume"))
    assert report.created == 1
    (payment,) = _payments_for(sandboxes, invoice["referenceNumber"])
    assert payment["released"] is True


def test_denied_bill_is_reported_never_posted_and_bad_payments_are_quarantined(synced):
    sandboxes, visma, airbase, store = synced
    bill, invoice = _bill_for(sandboxes, lambda i: i["status"] == "Hold" and i["documentType"] == "Invoice")
    _admin(sandboxes.airbase_url, f"bills/{bill['airbase_id']}/deny", {"comment": "not ours"})
    approvals = sync_bill_approvals(airbase, visma, store, RunContext(run_id="approve"))
    assert approvals.updated == 0 and any("denied" in note for note in approvals.notes)
    still = next(
        i
        for i in state(sandboxes.visma_url, "supplierInvoice")
        if i["referenceNumber"] == invoice["referenceNumber"]
    )
    assert still["hold"] is True

    other, _ = _bill_for(sandboxes, lambda i: i["status"] == "Open" and i["documentType"] == "Invoice")
    _admin(sandboxes.airbase_url, f"bills/{other['airbase_id']}/approve")
    sync_bill_approvals(airbase, visma, store, RunContext(run_id="approve-2"))
    _admin(sandboxes.airbase_url, f"bills/{other['airbase_id']}/pay", {"amount": "10.00"})
    entry = next(e for e in state(sandboxes.airbase_url, "ledger_entries") if e["type"] == "bill_payment")
    requests.patch(
        f"{sandboxes.airbase_url}/_sandbox/records/ledger_entries/{entry['airbase_id']}",
        json={"currency": {"erp_reference_id": "GBP", "iso_code": "GBP"}},
        timeout=10,
    ).raise_for_status()
    report = sync_payments(airbase, visma, store, RunContext(run_id="pay"))
    assert report.created == 0
    (reason,) = report.quarantined.values()
    assert "the payment is in GBP" in reason
    marked = next(
        e for e in state(sandboxes.airbase_url, "ledger_entries") if e["airbase_id"] == entry["airbase_id"]
    )
    assert marked["status"] == "sync_error" and "GBP" in marked["error_message"]


def test_an_approval_visma_keeps_failing_does_not_hold_up_the_others(synced, monkeypatch):
    monkeypatch.setenv("VAB_BACKOFF_BASE_S", "0.01")
    monkeypatch.setenv("VAB_BACKOFF_CAP_S", "0.02")
    monkeypatch.setenv("VAB_BACKOFF_JITTER_S", "0")
    sandboxes, _, _, store = synced

    def on_hold(i: dict) -> bool:
        return i["status"] == "Hold" and i["documentType"] == "Invoice"

    stuck, stuck_invoice = _bill_for(sandboxes, on_hold)
    other, other_invoice = _bill_for(
        sandboxes, lambda i: on_hold(i) and i["referenceNumber"] != stuck_invoice["referenceNumber"]
    )
    for bill in (stuck, other):
        _admin(sandboxes.airbase_url, f"bills/{bill['airbase_id']}/approve")
    path = f"/supplierInvoice/Invoice/{stuck_invoice['referenceNumber']}$"
    _admin(sandboxes.visma_url, "faults", {"rules": [{"method": "PUT", "path": path, "status": 503}]})
    credentials = resolve_credentials()
    with (
        VismaClient.from_credentials(credentials) as visma,
        AirbaseClient.from_credentials(credentials) as airbase,
        pytest.raises(RemoteError),
    ):
        sync_bill_approvals(airbase, visma, store, RunContext(run_id="approve"))
    after = {i["referenceNumber"]: i for i in state(sandboxes.visma_url, "supplierInvoice")}
    assert after[other_invoice["referenceNumber"]]["hold"] is False  # the other approval went through
    assert after[stuck_invoice["referenceNumber"]]["hold"] is True  # left for the next run
    assert store.quarantined("bill_approval") == []  # a passing failure is not bad data
