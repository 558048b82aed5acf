"""The measured process: one sync run of the connector, as ``vab sync`` runs it (the project's
instance config in ``$DAGSTER_HOME``), printing its figures as one JSON line for the harness.

    python -m benchmarks.sync_entry --from 2026-08-27 --to 2026-11-25 [--select visma/supplier_invoices]
    python -m benchmarks.sync_entry --payments
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from typing import Any

MARKER = "BENCH-RESULT "


def _full(first: date, last: date) -> dict[str, Any]:
    from visma_airbase_pipeline.defs.inprocess import run_sync

    outcome = run_sync(first, last)
    return {
        "success": outcome.success and all(outcome.checks.values()),
        "writes": outcome.writes,
        "assets": {a.key: {**a.counts, "writes": a.writes} for a in outcome.assets},
        "checks": outcome.checks,
    }


def _selected(job_name: str | None, keys: list[str], first: date | None, last: date | None) -> dict[str, Any]:
    import dagster as dg
    from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG

    from visma_airbase_pipeline.definitions import defs

    job = defs.resolve_job_def(job_name) if job_name else defs.resolve_implicit_global_asset_job_def()
    tags = {}
    if first and last:
        tags = {
            ASSET_PARTITION_RANGE_START_TAG: first.isoformat(),
            ASSET_PARTITION_RANGE_END_TAG: last.isoformat(),
        }
    selection = [dg.AssetKey(key.split("/")) for key in keys] or None
    result = job.execute_in_process(
        instance=dg.DagsterInstance.get(),
        tags=tags,
        asset_selection=selection,
        run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}},
        raise_on_error=False,
    )
    assets: dict[str, dict[str, int]] = {}
    for event in result.get_asset_materialization_events():
        materialization = event.event_specific_data.materialization  # type: ignore[union-attr]
        key = materialization.asset_key.to_user_string()
        if key not in assets:
            meta: dict[str, Any] = {
                name: getattr(value, "value", value) for name, value in materialization.metadata.items()
            }
            counts = {
                n: int(meta.get(n) or 0) for n in ("read", "created", "updated", "linked", "quarantined")
            }
            assets[key] = {**counts, "writes": counts["created"] + counts["updated"] + counts["linked"]}
    writes = sum(a["writes"] for key, a in assets.items() if key.startswith("airbase/"))
    return {"success": result.success, "writes": writes, "assets": assets, "checks": {}}


def main(argv: list[str] | None = None) -> int:
    """Run the sync and print its figures; exit 1 if the run failed (the harness shows it)."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.sync_entry")
    parser.add_argument("--from", dest="first", type=date.fromisoformat, default=None)
    parser.add_argument("--to", dest="last", type=date.fromisoformat, default=None)
    parser.add_argument(
        "--select", action="append", default=[], help="asset key, e.g. visma/supplier_invoices"
    )
    parser.add_argument("--payments", action="store_true", help="the payment queue job only")
    args = parser.parse_args(argv)

    from visma_airbase_pipeline.instance import ensure_instance_config

    ensure_instance_config()
    if args.payments:
        figures = _selected("payments", [], None, None)
    elif args.select:
        figures = _selected(None, args.select, args.first, args.last)
    else:
        figures = _full(args.first, args.last)
    print(MARKER + json.dumps(figures, default=str), flush=True)
    return 0 if figures["success"] else 1


if __name__ == "__main__":
    sys.exit(main())
