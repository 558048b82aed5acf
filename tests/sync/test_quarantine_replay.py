"""``vab quarantine`` against both sandboxes: an invoice on a missing GL account is quarantined, the
account is added in Visma, and a replay bills it exactly once."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import requests
import simplejson
from sync_support import full_sync, seeded_window, state

from visma_airbase_pipeline import cli
from visma_airbase_pipeline.airbase import AirbaseClient
from visma_airbase_pipeline.credentials import resolve_credentials
from visma_airbase_pipeline.ledger import LedgerStore
from visma_airbase_pipeline.sync.bills import pull_supplier_invoices, push_bills
from visma_airbase_pipeline.sync.context import RunContext, Window
from visma_airbase_pipeline.sync.reference import pull_gl_accounts, push_accounts
from visma_airbase_pipeline.visma import VismaClient

pytestmark = pytest.mark.integration

_READ_ONLY = ("referenceNumber", "createdDateTime", "lastModifiedDateTime", "timeStamp")


def _plant_invoice_on_account_9999(visma_url: str) -> str:
    seeded = next(
        i
        for i in state(visma_url, "supplierInvoice")
        if i["status"] == "Open" and i["documentType"] == "Invoice" and len(i["invoiceLines"]) == 1
    )
    today = datetime.now(UTC).date().isoformat()
    body = {k: v for k, v in seeded.items() if k not in _READ_ONLY}
    body.update(date=f"{today}T00:00:00", dueDate=f"{today}T00:00:00", supplierReference="F-REPLAY-1")
    line = {k: v for k, v in seeded["invoiceLines"][0].items() if k not in ("poNumber", "poLineNumber")}
    line["account"] = {"number": "9999", "description": "Not yet in the chart"}
    body["invoiceLines"] = [line]
    response = requests.post(
        f"{visma_url}/_sandbox/records/supplierInvoice",
        data=simplejson.dumps(body),
        headers={"Content-Type": "application/json"},
        timeout=30,
    )
    assert response.status_code < 300, response.text
    return f"Invoice/{response.json()['referenceNumber']}"


def _bills(airbase_url: str, key: str) -> list[dict]:
    return [b for b in state(airbase_url, "bills") if b["erp_reference_id"] == key]


def test_replay_bills_a_quarantined_invoice_once_its_account_exists(sandbox_env, capsys):
    visma_url, airbase_url = sandbox_env.visma_url, sandbox_env.airbase_url
    store = LedgerStore()  # the default ledger in DAGSTER_HOME: the one `vab quarantine` uses
    today = Window.days(datetime.now(UTC).date())
    credentials = resolve_credentials()
    with (
        VismaClient.from_credentials(credentials) as visma,
        AirbaseClient.from_credentials(credentials) as airbase,
    ):
        full_sync(visma, airbase, store, RunContext(run_id="inbound"), seeded_window())
        key = _plant_invoice_on_account_9999(visma_url)
        ctx = RunContext(run_id="today", partition=today.label())
        pull_supplier_invoices(visma, store, ctx, today)
        report = push_bills(airbase, visma, store, ctx, today)
        assert "GL account 9999" in report.quarantined[key]
        assert _bills(airbase_url, key) == []

        (item,) = store.quarantined("bill")
        assert item.record_key == key and item.attempts == 1
        assert cli.main(["quarantine", "list", "--kind", "bill"]) == 0
        listing = capsys.readouterr().out
        assert key in listing and "GL account 9999" in listing
        assert cli.main(["quarantine", "show", str(item.id)]) == 0
        shown = json.loads(capsys.readouterr().out)
        assert shown["record"] == key and shown["payload"]["supplierReference"] == "F-REPLAY-1"

        # Still broken: the replay keeps it quarantined, one attempt more, and writes nothing.
        assert cli.main(["quarantine", "replay", str(item.id)]) == 1
        assert "still quarantined" in capsys.readouterr().out
        (item,) = store.quarantined("bill")
        assert item.attempts == 2 and _bills(airbase_url, key) == []

        requests.post(
            f"{visma_url}/_sandbox/records/account",
            json={
                "accountCD": "9999",
                "description": "Replay test account",
                "type": "Expense",
                "active": True,
            },
            timeout=30,
        ).raise_for_status()
        reference = RunContext(run_id="reference")
        pull_gl_accounts(visma, store, reference)
        assert push_accounts(airbase, store, reference).created == 1

    assert cli.main(["quarantine", "replay", str(item.id)]) == 0
    assert "went through" in capsys.readouterr().out
    (bill,) = _bills(airbase_url, key)
    assert any(line["erp_account_reference_id"] == "9999" for line in bill["lines"])
    assert store.quarantined("bill") == []
    (resolved,) = store.quarantined("bill", include_resolved=True)
    assert resolved.resolved_at is not None and resolved.replayed_at is not None
    created = [t for t in store.transitions(kind="bill", visma_id=key) if t.to_state == "created"]
    assert len(created) == 1 and created[0].run_id.startswith("replay-")

    transitions_before = len(store.transitions())
    bills_before = requests.get(f"{airbase_url}/_sandbox/state/bills", timeout=30).json()
    assert cli.main(["quarantine", "replay", str(item.id)]) == 0
    assert "already resolved" in capsys.readouterr().out
    assert cli.main(["quarantine", "replay", "--all"]) == 0
    assert "No open quarantine items" in capsys.readouterr().out
    assert len(store.transitions()) == transitions_before
    assert requests.get(f"{airbase_url}/_sandbox/state/bills", timeout=30).json() == bills_before
    assert len(_bills(airbase_url, key)) == 1
    assert cli.main(["quarantine", "list"]) == 0
    assert "No open quarantine items." in capsys.readouterr().out
    store.close()


def test_show_and_replay_of_an_unknown_item_exit_1(dagster_home, capsys):
    assert cli.main(["quarantine", "show", "41"]) == 1
    assert cli.main(["quarantine", "replay", "41"]) == 1
    assert cli.main(["quarantine", "replay"]) == 2
    assert "There is no quarantine item 41." in capsys.readouterr().err
