"""The one Dagster ``Definitions`` object of the project: a plain list, no logic."""

import dagster as dg

from visma_airbase_pipeline.defs import checks
from visma_airbase_pipeline.defs.assets import airbase, payments, visma
from visma_airbase_pipeline.defs.jobs import documents_job, payments_job, reference_job, sync_job
from visma_airbase_pipeline.defs.progress import step_progress
from visma_airbase_pipeline.defs.resources import AirbaseResource, LedgerResource, VismaResource
from visma_airbase_pipeline.defs.schedules import poller, reference_daily
from visma_airbase_pipeline.defs.sensors import (
    airbase_inbox,
    record_failed_runs,
    settle_inbox_events,
    visma_inbox,
)

defs = dg.Definitions(
    assets=dg.load_assets_from_modules([visma, airbase, payments]),
    asset_checks=dg.load_asset_checks_from_modules([checks]),
    jobs=[sync_job, reference_job, documents_job, payments_job],
    schedules=[poller, reference_daily],
    sensors=[visma_inbox, airbase_inbox, settle_inbox_events, record_failed_runs],
    # The console logger stays the default; `progress` runs only when run config names it (vab sync).
    loggers={"console": dg.colored_console_logger, "progress": step_progress},
    resources={"visma": VismaResource(), "airbase": AirbaseResource(), "ledger": LedgerResource()},
    # Steps wait on the APIs and the pools run them one at a time: a process per step would only add
    # seconds of start-up each (and memory), so every run executes its steps in its own process.
    executor=dg.in_process_executor,
)
