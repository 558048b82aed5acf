"""Asset checks: the bills Airbase holds reconciled against Visma, read back once for all three
checks. Each check reads the bills Airbase created or changed since the last check that passed (the
first reads them all), so a poll that wrote ten bills reads ten, not the whole window."""

from collections.abc import Iterator

import dagster as dg

from visma_airbase_pipeline.defs.assets.common import run_context, window_of
from visma_airbase_pipeline.defs.partitions import daily
from visma_airbase_pipeline.defs.resources import AirbaseResource, LedgerResource
from visma_airbase_pipeline.sync.reconcile import check_bills

BILLS = dg.AssetKey(["airbase", "bills"])
_MATCH_KEYS = (
    "bills_read",
    "documents_compared",
    "visma_counts",
    "airbase_counts",
    "visma_sums",
    "airbase_sums",
    "quarantined",
    "quarantined_ids",
    "mismatches",
)


@dg.multi_asset_check(
    specs=[
        dg.AssetCheckSpec(
            "bills_match_invoices",
            asset=BILLS,
            blocking=True,
            partitions_def=daily,
            description="Every bill Airbase created or changed since the last passing check has its "
            "invoice's amount and currency, and count and Decimal sum per currency agree "
            "(quarantined documents listed, not counted); every document of the window that should "
            "have a bill has one.",
        ),
        dg.AssetCheckSpec(
            "bill_references_exist",
            asset=BILLS,
            blocking=True,
            partitions_def=daily,
            description="Every bill's vendor, GL accounts and cost-centre tags exist in Airbase.",
        ),
        dg.AssetCheckSpec(
            "no_bill_without_visma_source",
            asset=BILLS,
            partitions_def=daily,
            description="No Airbase bill claims a Visma document the connector has never read.",
        ),
    ]
)
def bill_checks(
    context: dg.AssetCheckExecutionContext, airbase: AirbaseResource, ledger: LedgerResource
) -> Iterator[dg.AssetCheckResult]:
    """The window's bills in Airbase against its documents in Visma, as three verdicts."""
    op_context = context.op_execution_context
    window = window_of(op_context)  # type: ignore[arg-type]
    with airbase.get_client() as client, ledger.get_store() as store:
        result = check_bills(client, store, window, run_context(op_context, window))  # type: ignore[arg-type]
    summary = result.summary()
    yield dg.AssetCheckResult(
        check_name="bills_match_invoices",
        asset_key=BILLS,
        passed=result.amounts_match,
        metadata={k: summary[k] for k in _MATCH_KEYS},
    )
    yield dg.AssetCheckResult(
        check_name="bill_references_exist",
        asset_key=BILLS,
        passed=not result.missing_references,
        metadata={"missing": summary["missing_references"]},
    )
    yield dg.AssetCheckResult(
        check_name="no_bill_without_visma_source",
        asset_key=BILLS,
        passed=not result.orphans,
        metadata={"orphans": summary["orphans"]},
    )
