"""The sync library end to end against both sandboxes (no Dagster): what the assets will call."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest
from sync_support import full_sync, seeded_window, state

from visma_airbase_pipeline.airbase import AirbaseClient
from visma_airbase_pipeline.credentials import resolve_credentials
from visma_airbase_pipeline.ledger import LedgerStore
from visma_airbase_pipeline.sync.context import RunContext
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
    assert Counter(t.to_state for t in store.transitions(run_id="run-2")) == Counter()
