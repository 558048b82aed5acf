"""``visma/*``: what changed in Visma, snapshotted in the ledger for the Airbase side."""

from typing import Any

import dagster as dg

from visma_airbase_pipeline.defs.assets.common import (
    INBOUND_BACKFILL,
    OWNERS,
    Targeted,
    run_context,
    window_of,
)
from visma_airbase_pipeline.defs.metadata import sync_metadata
from visma_airbase_pipeline.defs.partitions import daily
from visma_airbase_pipeline.defs.resources import LedgerResource, VismaResource
from visma_airbase_pipeline.sync.bills import pull_invoices_by_key, pull_supplier_invoices
from visma_airbase_pipeline.sync.purchase_orders import pull_purchase_orders, pull_purchase_receipts
from visma_airbase_pipeline.sync.reference import pull_dimensions, pull_gl_accounts
from visma_airbase_pipeline.sync.vendors import pull_suppliers

_COMMON: dict[str, Any] = {
    "key_prefix": ["visma"],
    "group_name": "visma",
    "kinds": {"visma"},
    "owners": OWNERS,
    "pool": "visma_api",
}


@dg.asset(**_COMMON)
def gl_accounts(
    context: dg.AssetExecutionContext, visma: VismaResource, ledger: LedgerResource
) -> dg.MaterializeResult:
    """The chart of GL accounts (pulled whole: the endpoint is not paginated)."""
    with visma.get_client() as client, ledger.get_store() as store:
        report = pull_gl_accounts(client, store, run_context(context))
        return dg.MaterializeResult(metadata=sync_metadata(report, client.stats))


@dg.asset(**_COMMON)
def dimensions(
    context: dg.AssetExecutionContext, visma: VismaResource, ledger: LedgerResource
) -> dg.MaterializeResult:
    """Cost centres: the values of the SUBACCOUNT dimension's segment."""
    with visma.get_client() as client, ledger.get_store() as store:
        report = pull_dimensions(client, store, run_context(context))
        return dg.MaterializeResult(metadata=sync_metadata(report, client.stats))


@dg.asset(**_COMMON)
def suppliers(
    context: dg.AssetExecutionContext, visma: VismaResource, ledger: LedgerResource
) -> dg.MaterializeResult:
    """Suppliers changed since the last pull (delta by lastModifiedDateTime, with overlap)."""
    with visma.get_client() as client, ledger.get_store() as store:
        report = pull_suppliers(client, store, run_context(context))
        return dg.MaterializeResult(metadata=sync_metadata(report, client.stats))


@dg.asset(**_COMMON, partitions_def=daily, backfill_policy=INBOUND_BACKFILL)
def supplier_invoices(
    context: dg.AssetExecutionContext, config: Targeted, visma: VismaResource, ledger: LedgerResource
) -> dg.MaterializeResult:
    """AP documents (invoices, credit notes) changed during the partition's days (or, for a webhook
    run, just the documents the events named)."""
    window = window_of(context)
    with visma.get_client() as client, ledger.get_store() as store:
        ctx = run_context(context, window)
        if config.documents:
            report = pull_invoices_by_key(client, config.documents, store, ctx, window)
        else:
            report = pull_supplier_invoices(client, store, ctx, window)
        return dg.MaterializeResult(metadata=sync_metadata(report, client.stats))


@dg.asset(**_COMMON, partitions_def=daily, backfill_policy=INBOUND_BACKFILL)
def purchase_orders(
    context: dg.AssetExecutionContext, visma: VismaResource, ledger: LedgerResource
) -> dg.MaterializeResult:
    """Purchase orders changed during the partition's days."""
    window = window_of(context)
    with visma.get_client() as client, ledger.get_store() as store:
        report = pull_purchase_orders(client, store, run_context(context, window), window)
        return dg.MaterializeResult(metadata=sync_metadata(report, client.stats))


@dg.asset(**_COMMON, partitions_def=daily, backfill_policy=INBOUND_BACKFILL)
def purchase_receipts(
    context: dg.AssetExecutionContext, visma: VismaResource, ledger: LedgerResource
) -> dg.MaterializeResult:
    """Purchase receipts (goods received) changed during the partition's days."""
    window = window_of(context)
    with visma.get_client() as client, ledger.get_store() as store:
        report = pull_purchase_receipts(client, store, run_context(context, window), window)
        return dg.MaterializeResult(metadata=sync_metadata(report, client.stats))
