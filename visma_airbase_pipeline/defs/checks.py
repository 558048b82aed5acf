"""Asset checks: every partition's bills reconciled against Visma, read back from Airbase."""

import dagster as dg

from visma_airbase_pipeline.defs.assets.common import run_context, window_of
from visma_airbase_pipeline.defs.partitions import daily
from visma_airbase_pipeline.defs.resources import AirbaseResource, LedgerResource
from visma_airbase_pipeline.sync.reconcile import BillReconciliation, reconcile_bills

BILLS = dg.AssetKey(["airbase", "bills"])


def _reconcile(
    context: dg.AssetCheckExecutionContext, airbase: AirbaseResource, ledger: LedgerResource
) -> BillReconciliation:
    op_context = context.op_execution_context
    window = window_of(op_context)  # type: ignore[arg-type]
    with airbase.get_client() as client, ledger.get_store() as store:
        return reconcile_bills(client, store, window, run_context(op_context, window))  # type: ignore[arg-type]


@dg.asset_check(asset=BILLS, partitions_def=daily, blocking=True)
def bills_match_invoices(
    context: dg.AssetCheckExecutionContext, airbase: AirbaseResource, ledger: LedgerResource
) -> dg.AssetCheckResult:
    """Invoice count and Decimal sum per currency in Visma equal the bills in Airbase (quarantined
    documents listed, not counted); every bill's amount and currency equal its invoice's."""
    result = _reconcile(context, airbase, ledger)
    summary = result.summary()
    keys = (
        "visma_counts",
        "airbase_counts",
        "visma_sums",
        "airbase_sums",
        "quarantined",
        "quarantined_ids",
        "mismatches",
    )
    return dg.AssetCheckResult(passed=result.amounts_match, metadata={k: summary[k] for k in keys})


@dg.asset_check(asset=BILLS, partitions_def=daily, blocking=True)
def bill_references_exist(
    context: dg.AssetCheckExecutionContext, airbase: AirbaseResource, ledger: LedgerResource
) -> dg.AssetCheckResult:
    """Every bill's vendor, GL accounts and cost-centre tags exist in Airbase."""
    result = _reconcile(context, airbase, ledger)
    return dg.AssetCheckResult(
        passed=not result.missing_references, metadata={"missing": result.summary()["missing_references"]}
    )


@dg.asset_check(asset=BILLS, partitions_def=daily)
def no_bill_without_visma_source(
    context: dg.AssetCheckExecutionContext, airbase: AirbaseResource, ledger: LedgerResource
) -> dg.AssetCheckResult:
    """No Airbase bill claims a Visma document the connector has never read."""
    result = _reconcile(context, airbase, ledger)
    return dg.AssetCheckResult(passed=not result.orphans, metadata={"orphans": result.summary()["orphans"]})
