"""The sync library end to end against both sandboxes (no Dagster): what the assets will call."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from decimal import Decimal

import pytest
import requests
import simplejson

from visma_airbase_pipeline.airbase import AirbaseClient
from visma_airbase_pipeline.credentials import resolve_credentials
from visma_airbase_pipeline.ledger import LedgerStore
from visma_airbase_pipeline.sync.bills import pull_supplier_invoices, push_bills
from visma_airbase_pipeline.sync.context import RunContext, Window
from visma_airbase_pipeline.sync.purchase_orders import (
    pull_purchase_orders,
    pull_purchase_receipts,
    push_purchase_orders,
)
from visma_airbase_pipeline.sync.reference import pull_dimensions, pull_gl_accounts, push_accounts, push_tags
from visma_airbase_pipeline.sync.vendors import pull_suppliers, push_vendors
from visma_airbase_pipeline.visma import VismaClient

pytestmark = pytest.mark.integration


def _state(url: str, collection: str) -> list[dict]:
    response = requests.get(f"{url}/_sandbox/state/{collection}", timeout=30)
    response.raise_for_status()
    return simplejson.loads(response.content, use_decimal=True)


@pytest.fixture
def clients(sandbox_env):
    credentials = resolve_credentials()
    with (
        VismaClient.from_credentials(credentials) as visma,
        AirbaseClient.from_credentials(credentials) as airbase,
    ):
        yield visma, airbase


def _full_sync(visma, airbase, store, ctx, window):
    reports = [
        pull_gl_accounts(visma, store, ctx),
        push_accounts(airbase, store, ctx),
        pull_dimensions(visma, store, ctx),
        push_tags(airbase, visma, store, ctx),
        pull_suppliers(visma, store, ctx),
        push_vendors(airbase, visma, store, ctx),
        pull_purchase_orders(visma, store, ctx, window),
        pull_purchase_receipts(visma, store, ctx, window),
        push_purchase_orders(airbase, store, ctx, window),
        pull_supplier_invoices(visma, store, ctx, window),
        push_bills(airbase, visma, store, ctx, window),
    ]
    return {r.step: r for r in reports}


def test_full_sync_then_rerun_writes_nothing(clients, sandbox_env, tmp_path):
    visma, airbase = clients
    store = LedgerStore(f"sqlite:///{tmp_path / 'ledger.db'}")
    today = date.today()
    window = Window.days(today - timedelta(days=91), today)
    first = _full_sync(visma, airbase, store, RunContext(run_id="run-1"), window)

    invoices = _state(sandbox_env.visma_url, "supplierInvoice")
    bills = {b["erp_reference_id"]: b for b in _state(sandbox_env.airbase_url, "bills")}
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
    assert first["airbase/purchase_orders"].created == len(_state(sandbox_env.visma_url, "purchaseorder"))

    second = _full_sync(visma, airbase, store, RunContext(run_id="run-2"), window)
    assert {step: r.writes for step, r in second.items()} == {step: 0 for step in second}
    assert Counter(t.to_state for t in store.transitions(run_id="run-2")) == Counter()
