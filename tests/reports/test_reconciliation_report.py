"""The reconciliation report against both sandboxes: open AP per currency and vendor, and every
difference with its reason (issue 8 item 3)."""

from __future__ import annotations

import copy
import csv
import sys
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
import requests
import simplejson

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sync"))
from sync_support import full_sync, seeded_window, state

from visma_airbase_pipeline.airbase import AirbaseClient
from visma_airbase_pipeline.cli import main
from visma_airbase_pipeline.credentials import resolve_credentials
from visma_airbase_pipeline.ledger import LedgerStore
from visma_airbase_pipeline.reports.reconciliation import (
    IN_FLIGHT,
    PENDING_APPROVAL,
    QUARANTINED,
    SKIPPED,
    UNEXPLAINED,
    ReconciliationReport,
    reconcile,
)
from visma_airbase_pipeline.sync.approvals import sync_bill_approvals
from visma_airbase_pipeline.sync.context import RunContext
from visma_airbase_pipeline.sync.payments import sync_payments
from visma_airbase_pipeline.visma import VismaClient

pytestmark = pytest.mark.integration

_SIGN = {"Invoice": 1, "DebitAdj": 1, "CreditAdj": -1, "Prepayment": -1}


@pytest.fixture
def synced(sandbox_env):
    """Sandboxes after a full inbound sync, with clients and the default ledger (the CLI's too)."""
    credentials = resolve_credentials()
    store = LedgerStore()
    window = seeded_window()
    with (
        VismaClient.from_credentials(credentials) as visma,
        AirbaseClient.from_credentials(credentials) as airbase,
    ):
        full_sync(visma, airbase, store, RunContext(run_id="inbound"), window)
        yield sandbox_env, visma, airbase, store, window
    store.close()


def _admin(url: str, path: str, body: dict | None = None, method: str = "POST") -> dict:
    data = simplejson.dumps(body or {}, use_decimal=True)
    response = requests.request(
        method, f"{url}/_sandbox/{path}", data=data, headers={"Content-Type": "application/json"}, timeout=30
    )
    assert response.status_code < 300, response.text
    return simplejson.loads(response.content, use_decimal=True) if response.content else {}


def _open_bill(sandboxes, skip: set[str] = frozenset()) -> tuple[dict, dict]:
    """A pending bill of an Open SEK invoice (not on hold), and that invoice."""
    invoices = {
        f"{i['documentType']}/{i['referenceNumber']}": i
        for i in state(sandboxes.visma_url, "supplierInvoice")
    }
    for bill in state(sandboxes.airbase_url, "bills"):
        invoice = invoices.get(bill["erp_reference_id"])
        if (
            invoice
            and bill["erp_reference_id"] not in skip
            and invoice["status"] == "Open"
            and invoice["documentType"] == "Invoice"
            and invoice["currencyId"] == "SEK"
        ):
            return bill, invoice
    raise AssertionError("no open seeded invoice")


def _approve_and_pay(sandboxes, bill: dict) -> dict:
    _admin(sandboxes.airbase_url, f"bills/{bill['airbase_id']}/approve")
    return _admin(sandboxes.airbase_url, f"bills/{bill['airbase_id']}/pay")


def _report(visma, airbase, store, window) -> ReconciliationReport:
    return reconcile(visma, airbase, store, window.first_day, window.last_day)


def _expected_open(sandboxes, window) -> tuple[dict[str, Decimal], dict[str, Decimal]]:
    """Both sides' open AP per currency, straight from the sandboxes' state."""
    first, last = window.first_day, window.last_day
    visma_open: dict[str, Decimal] = defaultdict(Decimal)
    keys = set()
    for i in state(sandboxes.visma_url, "supplierInvoice"):
        if not (first <= i["date"][:10] <= last or first <= i["lastModifiedDateTime"][:10] <= last):
            continue
        keys.add(f"{i['documentType']}/{i['referenceNumber']}")
        if i["status"] in ("Open", "Balanced", "Hold"):
            visma_open[i["currencyId"]] += _SIGN[i["documentType"]] * Decimal(i["balance"])
    airbase_open: dict[str, Decimal] = defaultdict(Decimal)
    for b in state(sandboxes.airbase_url, "bills"):
        in_range = b["erp_reference_id"] in keys or first <= b["invoice_date"][:10] <= last
        if in_range and b["approval_status"] != "archived":
            owed = Decimal(b["total_amount"]) - Decimal(b["amount_paid"])
            airbase_open[b["erp_currency_reference_id"]] += owed
    return dict(visma_open), dict(airbase_open)


def _assert_decimal_amounts(report: ReconciliationReport) -> None:
    for column in ("visma_open", "airbase_open", "difference"):
        assert report.summary[column].dtype == object
        assert all(isinstance(v, Decimal) for v in report.summary[column]), column
    for column in ("visma_amount", "airbase_amount", "difference"):
        assert report.differences[column].dtype == object
        assert all(v is None or isinstance(v, Decimal) for v in report.differences[column]), column


def _differences_per_currency(report: ReconciliationReport) -> dict[str, Decimal]:
    found: dict[str, Decimal] = defaultdict(Decimal)
    for row in report.differences.to_dict("records"):
        if not row["record"].startswith("payment/"):
            found[row["currency"]] += row["difference"]
    return {c: v for c, v in found.items() if v}


def test_synced_and_paid_books_agree_except_explained_differences(synced):
    sandboxes, visma, airbase, store, window = synced
    bill, invoice = _open_bill(sandboxes)
    _approve_and_pay(sandboxes, bill)
    assert sync_bill_approvals(airbase, visma, store, RunContext(run_id="approve")).updated == 1
    assert sync_payments(airbase, visma, store, RunContext(run_id="pay")).created == 1

    report = _report(visma, airbase, store, window)

    _assert_decimal_amounts(report)
    assert report.ok, report.text()
    visma_open, airbase_open = _expected_open(sandboxes, window)
    totals = {row["currency"]: row for row in report.totals.to_dict("records")}
    assert {c: row["visma_open"] for c, row in totals.items()} == visma_open
    assert {c: row["airbase_open"] for c, row in totals.items()} == airbase_open
    # Equal per currency except the listed differences, each explained (only prepayments here).
    assert {c: row["difference"] for c, row in totals.items() if row["difference"]} == (
        _differences_per_currency(report)
    )
    assert set(report.differences["reason"]) <= {SKIPPED}
    prepayments = [
        f"Prepayment/{i['referenceNumber']}"
        for i in state(sandboxes.visma_url, "supplierInvoice")
        if i["documentType"] == "Prepayment" and i["status"] in ("Open", "Balanced", "Hold")
    ]
    assert sorted(report.differences["record"]) == sorted(prepayments)
    # The paid invoice is settled on both sides; its payment matches its Visma twin.
    paid = f"Invoice/{invoice['referenceNumber']}"
    assert paid not in set(report.differences["record"])
    assert report.payments == 1
    per_vendor = report.summary.groupby("currency")["visma_open"].apply(lambda v: sum(v, Decimal(0)))
    assert {c: per_vendor[c] for c in per_vendor.index} == visma_open


def test_quarantined_and_in_flight_differences_are_explained_and_the_cli_exits_by_them(synced, tmp_path):
    sandboxes, visma, airbase, store, window = synced
    today = window.end.date() - timedelta(days=1)
    template = next(
        i
        for i in state(sandboxes.visma_url, "supplierInvoice")
        if i["documentType"] == "Invoice" and i["status"] == "Open" and i["currencyId"] == "SEK"
    )
    lines = copy.deepcopy(template["invoiceLines"])
    lines[0]["account"] = {"number": "9999", "description": "Finns inte"}
    skip = ("referenceNumber", "createdDateTime", "lastModifiedDateTime", "timeStamp", "metadata")
    planted = {k: v for k, v in template.items() if k not in skip}
    planted.update(
        status="Open",
        hold=False,
        date=f"{today.isoformat()}T00:00:00",
        dueDate=f"{(today + timedelta(days=30)).isoformat()}T00:00:00",
        balance=template["amount"],
        invoiceLines=lines,
    )
    bad = _admin(sandboxes.visma_url, "records/supplierInvoice", planted)
    full_sync(visma, airbase, store, RunContext(run_id="again"), window)
    bad_key = f"Invoice/{bad['referenceNumber']}"
    assert [item.record_key for item in store.quarantined("bill")] == [bad_key]

    bill, invoice = _open_bill(sandboxes)
    entry = _approve_and_pay(sandboxes, bill)  # paid in Airbase; no payment sync yet
    payment_id = entry.get("airbase_id") or next(
        e["airbase_id"] for e in state(sandboxes.airbase_url, "ledger_entries") if e["type"] == "bill_payment"
    )

    report = _report(visma, airbase, store, window)

    _assert_decimal_amounts(report)
    assert report.ok, report.text()
    rows = {row["record"]: row for row in report.differences.to_dict("records")}
    held = rows[bad_key]
    assert held["reason"] == QUARANTINED and "9999" in held["detail"]
    assert held["visma_amount"] == Decimal(template["amount"]) and held["airbase_amount"] is None
    owed = rows[f"Invoice/{invoice['referenceNumber']}"]
    assert owed["reason"] == IN_FLIGHT
    assert owed["visma_amount"] == Decimal(bill["total_amount"]) and owed["airbase_amount"] == Decimal(0)
    assert payment_id in owed["detail"]
    payment = rows[f"payment/{payment_id}"]
    assert payment["reason"] == IN_FLIGHT
    assert payment["visma_amount"] is None and payment["airbase_amount"] == Decimal(bill["total_amount"])
    totals = {row["currency"]: row["difference"] for row in report.totals.to_dict("records")}
    assert {c: d for c, d in totals.items() if d} == _differences_per_currency(report)
    assert "quarantined" in report.text() and bad_key in report.text()

    # The CSV: every section, amounts as exact decimal strings.
    out = tmp_path / "reconciliation.csv"
    report.to_csv(out)
    with out.open(newline="", encoding="utf-8") as handle:
        written = list(csv.DictReader(handle))
    frame = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert len(frame) == len(written) == len(report.summary) + len(report.totals) + len(report.differences)
    assert set(frame["section"]) == {"summary", "total", "difference"}
    csv_rows = {r["record"]: r for r in written if r["section"] == "difference"}
    assert csv_rows[bad_key]["reason"] == QUARANTINED
    assert Decimal(csv_rows[bad_key]["visma_amount"]) == Decimal(template["amount"])
    csv_totals = {r["currency"]: Decimal(r["difference"]) for r in written if r["section"] == "total"}
    assert csv_totals == totals

    # The command: exit 0 while every difference is explained ...
    first, last = window.first_day, window.last_day
    cli_csv = tmp_path / "cli.csv"
    assert main(["reconcile", "--from", first, "--to", last, "--csv", str(cli_csv)]) == 0
    assert cli_csv.exists()
    # A bill waiting for approval while its invoice is on hold in Visma: explained.
    hold = next(
        i
        for i in state(sandboxes.visma_url, "supplierInvoice")
        if i["status"] == "Hold" and i["documentType"] == "Invoice"
    )
    _admin(
        sandboxes.visma_url,
        f"records/supplierInvoice/{hold['referenceNumber']}",
        {"balance": Decimal(hold["balance"]) - Decimal("2.00")},
        method="PATCH",
    )
    # ... and 1 once one is not: an invoice's balance changed in Visma behind the connector's back.
    other, changed = _open_bill(sandboxes, skip={f"Invoice/{invoice['referenceNumber']}"})
    _admin(
        sandboxes.visma_url,
        f"records/supplierInvoice/{changed['referenceNumber']}",
        {"balance": Decimal(changed["balance"]) - Decimal("1.00")},
        method="PATCH",
    )
    again = _report(visma, airbase, store, window)
    waiting = {row["record"]: row for row in again.differences.to_dict("records")}
    assert waiting[f"Invoice/{hold['referenceNumber']}"]["reason"] == PENDING_APPROVAL
    (unexplained,) = again.unexplained.to_dict("records")
    assert unexplained["record"] == other["erp_reference_id"] and unexplained["reason"] == UNEXPLAINED
    assert unexplained["difference"] == Decimal("-1.00")
    assert main(["reconcile", "--from", first, "--to", last]) == 1
