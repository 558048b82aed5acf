"""``payments`` group: approvals and paid bills flowing from Airbase back to Visma (a queue, not
time-partitioned)."""

from typing import Any

import dagster as dg

from visma_airbase_pipeline.defs.assets.common import OWNERS, run_context
from visma_airbase_pipeline.defs.metadata import sync_metadata
from visma_airbase_pipeline.defs.resources import AirbaseResource, LedgerResource, VismaResource
from visma_airbase_pipeline.sync.approvals import sync_bill_approvals
from visma_airbase_pipeline.sync.payment_checks import reconcile_payments
from visma_airbase_pipeline.sync.payments import sync_payments
from visma_airbase_pipeline.sync.report import SyncReport

_COMMON: dict[str, Any] = {"group_name": "payments", "owners": OWNERS}
PAYMENTS_MATCH = "every_payment_posted_once"


def _queue_metadata(client: Any) -> dict[str, Any]:
    entries = client.list_ledger_entries("sync_ready", types=["bill", "bill_payment"])
    counts = {"bill": 0, "bill_payment": 0}
    for entry in entries:
        counts[entry.type or "bill"] = counts.get(entry.type or "bill", 0) + 1
    return {"ready_approvals": counts["bill"], "ready_payments": counts["bill_payment"]}


@dg.asset(
    key=["airbase", "bill_approvals"],
    deps=[dg.AssetKey(["airbase", "bills"])],
    kinds={"airbase"},
    pool="airbase_api",
    **_COMMON,
)
def bill_approvals(airbase: AirbaseResource) -> dg.MaterializeResult:
    """Approved bills waiting in Airbase to reach Visma (``bill`` ledger entries in sync_ready)."""
    with airbase.get_client() as client:
        return dg.MaterializeResult(metadata={**_queue_metadata(client), **client.stats.as_metadata()})


@dg.asset(
    key=["visma", "invoice_approvals"],
    deps=[dg.AssetKey(["airbase", "bill_approvals"])],
    kinds={"visma"},
    pool="visma_api",
    **_COMMON,
)
def invoice_approvals(
    context: dg.AssetExecutionContext, airbase: AirbaseResource, visma: VismaResource, ledger: LedgerResource
) -> dg.MaterializeResult:
    """Visma invoices taken off hold (ETag-guarded) and released once their bill is approved."""
    with airbase.get_client() as client, visma.get_client() as erp, ledger.get_store() as store:
        report = sync_bill_approvals(client, erp, store, run_context(context))
        return dg.MaterializeResult(metadata=sync_metadata(report, client.stats, erp.stats))


@dg.asset(
    key=["airbase", "payments"],
    deps=[dg.AssetKey(["airbase", "bill_approvals"])],
    kinds={"airbase"},
    pool="airbase_api",
    **_COMMON,
)
def payments(airbase: AirbaseResource) -> dg.MaterializeResult:
    """Bill payments made in Airbase, waiting to be posted to Visma."""
    with airbase.get_client() as client:
        return dg.MaterializeResult(metadata={**_queue_metadata(client), **client.stats.as_metadata()})


@dg.asset(
    key=["visma", "supplier_payments"],
    deps=[dg.AssetKey(["airbase", "payments"]), dg.AssetKey(["visma", "invoice_approvals"])],
    kinds={"visma"},
    pool="visma_api",
    check_specs=[
        dg.AssetCheckSpec(PAYMENTS_MATCH, asset=dg.AssetKey(["visma", "supplier_payments"]), blocking=True)
    ],
    **_COMMON,
)
def supplier_payments(
    context: dg.AssetExecutionContext, airbase: AirbaseResource, visma: VismaResource, ledger: LedgerResource
) -> dg.MaterializeResult:
    """Visma SupplierPayments, one per Airbase payment, released and acknowledged back in Airbase."""
    with airbase.get_client() as client, visma.get_client() as erp, ledger.get_store() as store:
        report: SyncReport = sync_payments(client, erp, store, run_context(context))
        check = reconcile_payments(erp, store)
        return dg.MaterializeResult(
            metadata={
                **sync_metadata(report, client.stats, erp.stats),
                "acknowledged_checked": check.checked,
            },
            check_results=[
                dg.AssetCheckResult(
                    check_name=PAYMENTS_MATCH,
                    passed=not check.problems,
                    metadata={"checked": check.checked, "problems": check.problems[:50]},
                )
            ],
        )
