"""What every sync asset needs from its Dagster context: the run, the partition window."""

from __future__ import annotations

from datetime import UTC

import dagster as dg

from visma_airbase_pipeline.sync.context import RunContext, Window

OWNERS = ["team:finance-ops"]


class Targeted(dg.Config):
    """Run config a webhook sensor sets: just these documents (``Invoice/000123``), not the window."""

    documents: list[str] = []


INBOUND_BACKFILL = dg.BackfillPolicy.single_run()


def window_of(context: dg.AssetExecutionContext) -> Window:
    """The partition's (or the backfilled range's) UTC window: one delta query for all of it."""
    time_window = context.partition_time_window
    return Window(time_window.start.astimezone(UTC), time_window.end.astimezone(UTC))


def run_context(context: dg.AssetExecutionContext, window: Window | None = None) -> RunContext:
    """Run id and partition label that every ledger row of this step carries."""
    return RunContext(run_id=context.run_id, partition=window.label() if window else None)
