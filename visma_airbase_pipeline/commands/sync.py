"""``vab sync``: materialize the reference and inbound assets for some UTC days, in this process."""

from __future__ import annotations

import argparse
from dataclasses import asdict
from datetime import date
from typing import Any

from visma_airbase_pipeline.commands.days import day_range
from visma_airbase_pipeline.commands.output import console, print_json, print_table
from visma_airbase_pipeline.defs.inprocess import SyncOutcome, run_sync
from visma_airbase_pipeline.instance import ensure_instance_config
from visma_airbase_pipeline.ledger import LedgerStore
from visma_airbase_pipeline.sync.context import Window
from visma_airbase_pipeline.sync.read_marks import DOCUMENT_KINDS, forget_reads

_COLUMNS = ("asset", "read", "changed", "created", "updated", "unchanged", "skipped", "quarant.")


def api_calls(outcome: SyncOutcome) -> dict[str, int]:
    """Calls spent per system across the run: the cost an operator watches against the rate budget."""
    calls = {"visma": 0, "airbase": 0}
    for asset in outcome.assets:
        for system, count in asset.api_calls.items():
            calls[system] += count
    return calls


def print_outcome(outcome: SyncOutcome) -> None:
    """A table of what each asset did, the sums on both sides, the checks, and the API calls spent."""
    rows: list[list[object]] = []
    for asset in outcome.assets:
        c = asset.counts
        rows.append([asset.key, c["read"], c["changed"], c["created"] + c["linked"], c["updated"]])
        rows[-1] += [c["unchanged"], c["skipped"], c["quarantined"]]
    print_table(_COLUMNS, rows, numeric=_COLUMNS[1:])
    out = console()
    for asset in outcome.assets:
        if asset.sums_visma:
            out.print(f"  {asset.key} sums  Visma {asset.sums_visma}  Airbase {asset.sums_airbase}")
    calls = api_calls(outcome)
    out.print(f"  API calls: Visma {calls['visma']}, Airbase {calls['airbase']}")
    for name, passed in sorted(outcome.checks.items()):
        out.print(f"  check {name}: {'passed' if passed else 'FAILED'}")


def outcome_dict(outcome: SyncOutcome) -> dict[str, Any]:
    """The run's outcome for ``--json``: success, run id, per-asset figures, checks, API calls."""
    return {**asdict(outcome), "writes": outcome.writes, "api_calls": api_calls(outcome)}


def forget_read_marks(first: date, last: date) -> None:
    """``--reread``: the days' invoices, orders and receipts are read from Visma whole this time."""
    store = LedgerStore()
    try:
        forget_reads(store, list(DOCUMENT_KINDS), Window.days(first, last))
    finally:
        store.close()


def run(args: argparse.Namespace) -> int:
    """Exit 0 only when every asset and every blocking check succeeded (1 otherwise, 2 on bad days)."""
    days = day_range(args)
    if days is None:
        return 2
    first, last = days
    ensure_instance_config()
    if args.reread:
        forget_read_marks(first, last)
    if args.json:
        outcome = run_sync(first, last)
    else:
        print(f"Syncing {first}..{last} (UTC days) ...", flush=True)
        outcome = run_sync(first, last, progress=True)
        print_outcome(outcome)
    ok = outcome.success and all(outcome.checks.values())
    if args.json:
        print_json({"ok": ok, "first_day": first, "last_day": last, **outcome_dict(outcome)})
    else:
        print("Sync succeeded." if ok else "Sync FAILED: see the Dagster event log above.")
    return 0 if ok else 1
