"""Shared by the sync flow tests: clients for the sandboxes and one full inbound sync."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import requests
import simplejson

from visma_airbase_pipeline.sync.bills import pull_supplier_invoices, push_bills
from visma_airbase_pipeline.sync.context import Window
from visma_airbase_pipeline.sync.purchase_orders import (
    pull_purchase_orders,
    pull_purchase_receipts,
    push_purchase_orders,
)
from visma_airbase_pipeline.sync.reference import pull_dimensions, pull_gl_accounts, push_accounts, push_tags
from visma_airbase_pipeline.sync.vendors import pull_suppliers, push_vendors


def state(url: str, collection: str) -> list[dict]:
    """Every record of a sandbox collection, money as Decimal."""
    response = requests.get(f"{url}/_sandbox/state/{collection}", timeout=30)
    response.raise_for_status()
    return simplejson.loads(response.content, use_decimal=True)


def seeded_window() -> Window:
    """The seeded 90 days and today."""
    today = datetime.now(UTC).date()
    return Window.days(today - timedelta(days=91), today)


def full_sync(visma, airbase, store, ctx, window):
    """Every inbound step in dependency order; the reports by step name."""
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
