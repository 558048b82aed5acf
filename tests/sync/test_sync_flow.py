"""The sync library end to end against both sandboxes (no Dagster): what the assets will call."""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import requests
from sync_support import full_sync, seeded_window, state

from visma_airbase_pipeline.airbase import AirbaseClient
from visma_airbase_pipeline.credentials import resolve_credentials
from visma_airbase_pipeline.ledger import LedgerStore
from visma_airbase_pipeline.sync.context import RunContext
from visma_airbase_pipeline.sync.reconcile import CHECK_CURSOR, check_bills, reconcile_bills
from visma_airbase_pipeline.visma import VismaClient

pytestmark = pytest.mark.integration


@pytest.fixture
def clients(sandbox_env):
    credentials = resolve_credentials()
    with (
        VismaClient.from_credentials(credentials) as visma,
        AirbaseClient.from_credentials(credentials) as airbase,
    ):
        yield visma, airbase


def test_full_sync_then_rerun_writes_nothing(clients, sandbox_env, tmp_path):
    visma, airbase = clients
    store = LedgerStore(f"sqlite:///{tmp_path / 'ledger.db'}")
    window = seeded_window()
    first = full_sync(visma, airbase, store, RunContext(run_id="run-1"), window)

    invoices = state(sandbox_env.visma_url, "supplierInvoice")
    bills = {b["erp_reference_id"]: b for b in state(sandbox_env.airbase_url, "bills")}
    billed = [
        i for i in invoices if i["documentType"] in ("Invoice", "CreditAdj") and i["status"] != "Voided"
    ]
    assert first["airbase/bills"].created == len(billed) == len(bills)
    for invoice in billed:
        bill = bills[f"{invoice['documentType']}/{invoice['referenceNumber']}"]
        sign = -1 if invoice["documentType"] == "CreditAdj" else 1
        assert Decimal(bill["total_amount"]) == sign * invoice["amount"]
        assert bill["erp_currency_reference_id"] == invoice["currencyId"]
    assert first["airbase/bills"].source_sums == first["airbase/bills"].target_sums
    assert first["airbase/vendors"].linked == 3  # the seeded Airbase-born vendors reached Visma
    assert first["airbase/tags"].linked == 1
    assert first["airbase/purchase_orders"].created == len(state(sandbox_env.visma_url, "purchaseorder"))

    second = full_sync(visma, airbase, store, RunContext(run_id="run-2"), window)
    assert {step: r.writes for step, r in second.items()} == {step: 0 for step in second}
    # The days read before are not read again: only what changed since (the last minutes) is.
    assert second["visma/supplier_invoices"].read < first["visma/supplier_invoices"].read / 2
    assert Counter(t.to_state for t in store.transitions(run_id="run-2")) == Counter()


def test_bill_check_reads_what_changed_since_the_last_passing_check(clients, sandbox_env, tmp_path):
    visma, airbase = clients
    store = LedgerStore(f"sqlite:///{tmp_path / 'ledger.db'}")
    window = seeded_window()
    full_sync(visma, airbase, store, RunContext(run_id="run-1"), window)

    no_lag = timedelta(0)  # the sandbox commits as it stamps
    time.sleep(1.1)  # Airbase stamps to the second: the bills above fall before the first check's
    before = datetime.now(UTC).replace(microsecond=0)
    first = check_bills(airbase, store, window, RunContext(run_id="run-1"), late_writes=no_lag)
    assert first.passed and first.since is None  # the first check reads every bill
    bills = state(sandbox_env.airbase_url, "bills")
    assert first.compared >= len(bills)
    # The next check starts where Airbase's clock stood at this one's first page.
    assert before <= datetime.fromisoformat(store.cursor(CHECK_CURSOR)) <= datetime.now(UTC)

    quiet = check_bills(airbase, store, window, RunContext(run_id="run-2"), late_writes=no_lag)
    assert quiet.passed and quiet.since is not None
    # No bill changed: only the documents without one (skipped by rule) are looked at again.
    assert quiet.compared == first.compared - len(bills)

    # Someone changes a bill's amount in Airbase: the next check sees it, fails, and keeps failing
    # (the cursor does not move past a difference nobody has fixed).
    victim = bills[0]
    response = requests.patch(
        f"{sandbox_env.airbase_url}/_sandbox/records/bills/{victim['id']}",
        json={"total_amount": "1.00"},
        timeout=30,
    )
    response.raise_for_status()
    cursor = store.cursor(CHECK_CURSOR)
    for run in ("run-3", "run-4"):
        caught = check_bills(airbase, store, window, RunContext(run_id=run), late_writes=no_lag)
        assert not caught.passed
        assert any(m.startswith(f"{victim['erp_reference_id']}: Airbase 1.00") for m in caught.mismatches)
        assert store.cursor(CHECK_CURSOR) == cursor

    # The full reconciliation still compares every document of the window.
    everything = reconcile_bills(airbase, store, window, RunContext(run_id="run-5"))
    assert everything.since is None and not everything.amounts_match
