"""``vab sync``: materialize the reference and inbound assets for some UTC days, in this process."""

from __future__ import annotations

import argparse

from visma_airbase_pipeline.commands.days import day_range
from visma_airbase_pipeline.defs.inprocess import SyncOutcome, run_sync
from visma_airbase_pipeline.instance import ensure_instance_config


def print_outcome(outcome: SyncOutcome) -> None:
    """A table of what each asset did, the checks, and the API calls spent."""
    columns = ("read", "changed", "created", "updated", "unchanged", "skipped", "quarant.")
    print(f"  {'asset':26}" + "".join(f"{name:>10}" for name in columns))
    for asset in outcome.assets:
        c = asset.counts
        values = [c["read"], c["changed"], c["created"] + c["linked"], c["updated"], c["unchanged"]]
        values += [c["skipped"], c["quarantined"]]
        print(f"  {asset.key:26}" + "".join(f"{value:>10}" for value in values))
    for asset in outcome.assets:
        if asset.sums_visma:
            print(f"  {asset.key} sums  Visma {asset.sums_visma}  Airbase {asset.sums_airbase}")
    calls = {"visma": 0, "airbase": 0}
    for asset in outcome.assets:
        for system, count in asset.api_calls.items():
            calls[system] += count
    print(f"  API calls: Visma {calls['visma']}, Airbase {calls['airbase']}")
    for name, passed in sorted(outcome.checks.items()):
        print(f"  check {name}: {'passed' if passed else 'FAILED'}")


def run(args: argparse.Namespace) -> int:
    """Exit 0 only when every asset and every blocking check succeeded."""
    days = day_range(args)
    if days is None:
        return 2
    first, last = days
    ensure_instance_config()
    print(f"Syncing {first}..{last} (UTC days) ...", flush=True)
    outcome = run_sync(first, last, progress=True)
    print_outcome(outcome)
    ok = outcome.success and all(outcome.checks.values())
    print("Sync succeeded." if ok else "Sync FAILED: see the Dagster event log above.")
    return 0 if ok else 1
