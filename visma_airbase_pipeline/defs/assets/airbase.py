"""``airbase/*``: Visma's records written to Airbase (reference data first, then documents)."""

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
from visma_airbase_pipeline.defs.resources import AirbaseResource, LedgerResource, VismaResource
from visma_airbase_pipeline.sync.bills import push_bills
from visma_airbase_pipeline.sync.purchase_orders import push_purchase_orders
from visma_airbase_pipeline.sync.reference import push_accounts, push_tags
from visma_airbase_pipeline.sync.vendors import push_vendors

_COMMON: dict[str, Any] = {
    "group_name": "airbase",
    "kinds": {"airbase"},
    "owners": OWNERS,
    "pool": "airbase_api",
}


def _key(name: str) -> dg.AssetKey:
    return dg.AssetKey(["airbase", name])


def _visma(name: str) -> dg.AssetKey:
    return dg.AssetKey(["visma", name])


@dg.asset(key=_key("accounts"), deps=[_visma("gl_accounts")], **_COMMON)
def accounts(
    context: dg.AssetExecutionContext, airbase: AirbaseResource, ledger: LedgerResource
) -> dg.MaterializeResult:
    """GL accounts in Airbase (read-only there: Visma owns them)."""
    with airbase.get_client() as client, ledger.get_store() as store:
        report = push_accounts(client, store, run_context(context))
        return dg.MaterializeResult(metadata=sync_metadata(report, client.stats))


@dg.asset(key=_key("tags"), deps=[_visma("dimensions")], **_COMMON)
def tags(
    context: dg.AssetExecutionContext, airbase: AirbaseResource, visma: VismaResource, ledger: LedgerResource
) -> dg.MaterializeResult:
    """Cost-centre tags; those created in Airbase become Visma cost centres and are linked back."""
    with airbase.get_client() as client, visma.get_client() as erp, ledger.get_store() as store:
        report = push_tags(client, erp, store, run_context(context))
        return dg.MaterializeResult(metadata=sync_metadata(report, client.stats, erp.stats))


@dg.asset(key=_key("vendors"), deps=[_visma("suppliers")], **_COMMON)
def vendors(
    context: dg.AssetExecutionContext, airbase: AirbaseResource, visma: VismaResource, ledger: LedgerResource
) -> dg.MaterializeResult:
    """Vendors; those created in Airbase become Visma suppliers and are linked back."""
    with airbase.get_client() as client, visma.get_client() as erp, ledger.get_store() as store:
        report = push_vendors(client, erp, store, run_context(context))
        return dg.MaterializeResult(metadata=sync_metadata(report, client.stats, erp.stats))


@dg.asset(
    key=_key("purchase_orders"),
    deps=[
        _visma("purchase_orders"),
        _visma("purchase_receipts"),
        _key("vendors"),
        _key("accounts"),
        _key("tags"),
    ],
    partitions_def=daily,
    backfill_policy=INBOUND_BACKFILL,
    **_COMMON,
)
def purchase_orders(
    context: dg.AssetExecutionContext, airbase: AirbaseResource, ledger: LedgerResource
) -> dg.MaterializeResult:
    """Purchase orders with ordered and received quantities per line."""
    window = window_of(context)
    with airbase.get_client() as client, ledger.get_store() as store:
        report = push_purchase_orders(client, store, run_context(context, window), window)
        return dg.MaterializeResult(metadata=sync_metadata(report, client.stats))


@dg.asset(
    key=_key("bills"),
    deps=[
        _visma("supplier_invoices"),
        _key("vendors"),
        _key("accounts"),
        _key("tags"),
        _key("purchase_orders"),
    ],
    partitions_def=daily,
    backfill_policy=INBOUND_BACKFILL,
    **_COMMON,
)
def bills(
    context: dg.AssetExecutionContext,
    config: Targeted,
    airbase: AirbaseResource,
    visma: VismaResource,
    ledger: LedgerResource,
) -> dg.MaterializeResult:
    """Bills mirroring the partition's supplier invoices to the minor unit (vendors created first)."""
    window = window_of(context)
    with airbase.get_client() as client, visma.get_client() as erp, ledger.get_store() as store:
        only = config.documents or None
        report = push_bills(client, erp, store, run_context(context, window), window, only=only)
        return dg.MaterializeResult(metadata=sync_metadata(report, client.stats, erp.stats))
