"""``vab audit`` against both sandboxes: one invoice's create, update, approval and payment."""

from __future__ import annotations

import json
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests

sys.path.insert(0, str(Path(__file__).parent / "sync"))  # the shared sync helpers live beside those tests

from sync_support import full_sync, seeded_window, state

from visma_airbase_pipeline import cli
from visma_airbase_pipeline.airbase import AirbaseClient
from visma_airbase_pipeline.audit import record_history
from visma_airbase_pipeline.credentials import resolve_credentials
from visma_airbase_pipeline.ledger import LedgerStore
from visma_airbase_pipeline.sync.approvals import sync_bill_approvals
from visma_airbase_pipeline.sync.bills import pull_supplier_invoices, push_bills
from visma_airbase_pipeline.sync.context import RunContext, Window
from visma_airbase_pipeline.sync.payments import sync_payments
from visma_airbase_pipeline.visma import VismaClient

pytestmark = pytest.mark.integration


def _admin(url: str, path: str, body: dict | None = None) -> None:
    response = requests.post(f"{url}/_sandbox/{path}", json=body or {}, timeout=30)
    assert response.status_code < 300, response.text


def test_audit_shows_create_update_approval_and_payment(sandbox_env, capsys, monkeypatch):
    monkeypatch.setenv("VAB_DAGSTER_UI_URL", "http://dagster.example:3000/")
    runs = {name: str(uuid.uuid4()) for name in ("create", "update", "approve", "pay")}
    store = LedgerStore()  # the default ledger in DAGSTER_HOME: the one `vab audit` reads
    credentials = resolve_credentials()
    with (
        VismaClient.from_credentials(credentials) as visma,
        AirbaseClient.from_credentials(credentials) as airbase,
    ):
        full_sync(visma, airbase, store, RunContext(run_id=runs["create"]), seeded_window())
        invoices = {
            f"{i['documentType']}/{i['referenceNumber']}": i
            for i in state(sandbox_env.visma_url, "supplierInvoice")
        }
        bill = next(
            b
            for b in state(sandbox_env.airbase_url, "bills")
            if (i := invoices.get(b["erp_reference_id"]))
            and i["status"] == "Hold"
            and i["documentType"] == "Invoice"
        )
        key = bill["erp_reference_id"]
        number = key.split("/")[1]

        requests.patch(
            f"{sandbox_env.visma_url}/_sandbox/records/supplierInvoice/{number}",
            json={"description": "Corrected description"},
            timeout=30,
        ).raise_for_status()
        today = Window.days(datetime.now(UTC).date())
        update_ctx = RunContext(run_id=runs["update"], partition=today.label())
        pull_supplier_invoices(visma, store, update_ctx, today)
        assert push_bills(airbase, visma, store, update_ctx, today).updated == 1

        _admin(sandbox_env.airbase_url, f"bills/{bill['airbase_id']}/approve")
        assert sync_bill_approvals(airbase, visma, store, RunContext(run_id=runs["approve"])).updated == 1
        _admin(sandbox_env.airbase_url, f"bills/{bill['airbase_id']}/pay")
        assert sync_payments(airbase, visma, store, RunContext(run_id=runs["pay"])).created == 1

    history = record_history(store, "invoice", number)  # a bare number means Invoice/<number>
    store.close()
    seen = {(entry["kind"], entry["to"], entry["run_id"]) for entry in history}
    assert ("bill", "created", runs["create"]) in seen
    assert ("bill", "updated", runs["update"]) in seen
    assert ("supplier_invoice", "pulled", runs["update"]) in seen
    assert any(kind == "bill_approval" and run == runs["approve"] for kind, _, run in seen)
    assert {to for kind, to, run in seen if kind == "payment" and run == runs["pay"]} == {
        "posted",
        "released",
        "acknowledged",
    }
    assert [e["time"] for e in history] == sorted(e["time"] for e in history)
    update = next(e for e in history if e["kind"] == "bill" and e["to"] == "updated")
    assert update["old_hash"] and update["new_hash"] and update["old_hash"] != update["new_hash"]
    assert update["dagster_url"] == f"http://dagster.example:3000/runs/{runs['update']}"
    assert update["partition"] == today.label()

    assert cli.main(["audit", "invoice", key]) == 0
    table = capsys.readouterr().out
    for run_id in runs.values():
        assert run_id in table
    assert "Crosswalk:" in table and bill["airbase_id"] in table

    assert cli.main(["audit", "bill", key, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["record_id"] == key and report["crosswalk"]["airbase_id"] == bill["airbase_id"]
    assert {e["run_id"] for e in report["history"]} >= set(runs.values())
    assert report["quarantine"] == []

    payment_id = next(e["airbase_id"] for e in history if e["kind"] == "payment")
    assert cli.main(["audit", "payment", payment_id, "--json"]) == 0
    paid = json.loads(capsys.readouterr().out)
    assert paid["journal"]["state"] == "acknowledged" and key in paid["journal"]["invoices"]
    assert [e["to"] for e in paid["history"]] == ["posted", "released", "acknowledged"]
    assert cli.main(["audit", "payment", paid["journal"]["visma_payment_nbr"], "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["journal"] == paid["journal"]

    supplier = invoices[key]["supplier"]["number"]
    assert cli.main(["audit", "vendor", supplier, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["crosswalk"]["visma_id"] == supplier


def test_audit_of_an_unknown_record_exits_1(dagster_home, capsys):
    assert cli.main(["audit", "invoice", "Invoice/999999"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.strip() == "The ledger knows nothing of invoice Invoice/999999."
