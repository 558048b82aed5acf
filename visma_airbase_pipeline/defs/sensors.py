"""Inbox sensors (webhook events -> runs), the success sensor that settles events, and the
failure sensor that writes failed runs into the audit log."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import dagster as dg

from visma_airbase_pipeline.defs.jobs import documents_job, payments_job, reference_job
from visma_airbase_pipeline.defs.partitions import daily
from visma_airbase_pipeline.ledger import LedgerStore, Transition, inbox
from visma_airbase_pipeline.settings import load_settings
from visma_airbase_pipeline.sync.event_batches import (
    Batch,
    compress_ids,
    expand_ids,
    plan_airbase,
    plan_visma,
)

_SETTINGS = load_settings()
_SOURCE_TAG, _IDS_TAG, _NEWEST_TAG = "vab/inbox", "vab/inbox_ids", "vab/inbox_newest"
#: A run for named invoices fetches those and writes their bills, nothing else. Bills create any
#: vendor they lack first, and a bill names its purchase order once the order is in Airbase (the
#: order's own event runs the delta, which rewrites the day's bills). Re-reading today's orders,
#: receipts and suppliers on every batch would send Visma the same request every few seconds: it
#: answers the sixth identical request within a minute with 429 (api/visma.md, rate limits).
#: The bill checks (the day's reconciliation, read back from Airbase) run with the poller and the
#: delta runs; measured on runs for a few invoices they took longer than the run's own two steps.
_TARGETED = (dg.AssetKey(["visma", "supplier_invoices"]), dg.AssetKey(["airbase", "bills"]))
_ACTIVE = [
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
]

_NOT_YET_STARTED = frozenset(_ACTIVE[:3])
#: A run worker's start-up (a new interpreter loading Dagster and these definitions) is seconds of
#: CPU: at most two at a time, one per core of a small machine.
_MAX_STARTING = 2
#: A run still queued or starting after this long is stuck (a killed worker, a full queue behind a
#: backfill): the sensor stops waiting for it (run monitoring fails it in time).
_START_HOLD_S = 60
#: A succeeded run's events still pending after this long were not settled (the settle sensor was
#: down or failed): they are requested again, which is harmless (runs fetch current state).
_SETTLE_GRACE_S = 600


def _store() -> LedgerStore:
    return LedgerStore(load_settings().ledger_url)


def _unfinished(instance: dg.DagsterInstance, source: str) -> list[dg.RunRecord]:
    """Runs requested for a source's events that have not finished."""
    return list(instance.get_run_records(dg.RunsFilter(tags={_SOURCE_TAG: source}, statuses=_ACTIVE)))


def _settling(instance: dg.DagsterInstance, source: str) -> list[dg.RunRecord]:
    """Runs that succeeded lately: their events are handled, only not yet marked processed (the
    settle sensor does that on its next tick)."""
    since = datetime.now(UTC) - timedelta(seconds=_SETTLE_GRACE_S)
    succeeded = dg.RunsFilter(
        tags={_SOURCE_TAG: source}, statuses=[dg.DagsterRunStatus.SUCCESS], updated_after=since
    )
    return list(instance.get_run_records(succeeded))


def _starting(unfinished: list[dg.RunRecord]) -> int:
    """How many runs for earlier events are still waiting to execute (queued, or their worker
    process still loading), leaving out any that has been for longer than a start should take."""
    horizon = time.time() - _START_HOLD_S
    return sum(
        r.dagster_run.status in _NOT_YET_STARTED and r.create_timestamp.timestamp() > horizon
        for r in unfinished
    )


def _fresh_events(
    instance: dg.DagsterInstance, source: str, unfinished: list[dg.RunRecord]
) -> list[inbox.InboxEvent]:
    """Pending events of a source that no unfinished or just-succeeded run has taken (they must not
    be requested twice: a second fetch of the same invoice within a minute counts towards Visma's
    same-request limit)."""
    taken = unfinished + _settling(instance, source)
    busy = {i for r in taken for i in expand_ids(r.dagster_run.tags.get(_IDS_TAG, ""))}
    store = _store()
    try:
        return [e for e in inbox.pending_events(store.engine, source, limit=5000) if e.id not in busy]
    finally:
        store.close()


def _request(context: dg.SensorEvaluationContext, source: str, batch: Batch) -> dg.RunRequest:
    # A failed run leaves its events pending; the retry needs a run key of its own.
    failed = context.instance.get_runs_count(
        dg.RunsFilter(
            tags={_SOURCE_TAG: source, _NEWEST_TAG: batch.newest_event_id},
            statuses=[dg.DagsterRunStatus.FAILURE],
        )
    )
    tags = {_SOURCE_TAG: source, _IDS_TAG: compress_ids(batch.event_ids), _NEWEST_TAG: batch.newest_event_id}
    run_config: dict[str, object] = {}
    partition = None
    selection: list[dg.AssetKey] | None = None
    checks: list[dg.AssetCheckKey] | None = None
    if batch.job == documents_job.name:
        partition = daily.get_last_partition_key()
        if batch.documents:
            documents = {"config": {"documents": list(batch.documents)}}
            run_config = {"ops": {"visma__supplier_invoices": documents, "airbase__bills": documents}}
            selection, checks = list(_TARGETED), []
    return dg.RunRequest(
        run_key=f"{source}:{batch.newest_event_id}:{failed}",
        job_name=batch.job,
        partition_key=partition,
        run_config=run_config,
        tags=tags,
        asset_selection=selection,
        asset_check_keys=checks,
    )


@dg.sensor(
    jobs=[documents_job],
    minimum_interval_seconds=_SETTINGS.sensor_interval_s,
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def visma_inbox(context: dg.SensorEvaluationContext) -> dg.SensorResult | dg.SkipReason:
    """Visma events since the last run: fetch just the named invoices (or today's delta). While two
    runs are still starting, new events wait and join the next run: on a busy machine one run per
    tick would queue more worker start-ups than it runs, each one later than the last."""
    unfinished = _unfinished(context.instance, "visma")
    if _starting(unfinished) >= _MAX_STARTING:
        return dg.SkipReason("runs for earlier Visma events are still starting")
    events = _fresh_events(context.instance, "visma", unfinished)
    batch = plan_visma(events, _SETTINGS.targeted_max_documents)
    if batch is None:
        return dg.SkipReason("no new Visma events")
    return dg.SensorResult(run_requests=[_request(context, "visma", batch)])


@dg.sensor(
    jobs=[payments_job, reference_job],
    minimum_interval_seconds=_SETTINGS.sensor_interval_s,
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def airbase_inbox(context: dg.SensorEvaluationContext) -> dg.SensorResult | dg.SkipReason:
    """Airbase events since the last run: approvals and payments drive the payment queue."""
    events = _fresh_events(context.instance, "airbase", _unfinished(context.instance, "airbase"))
    batches = plan_airbase(events)
    if not batches:
        return dg.SkipReason("no new Airbase events")
    return dg.SensorResult(run_requests=[_request(context, "airbase", b) for b in batches])


@dg.run_status_sensor(
    run_status=dg.DagsterRunStatus.SUCCESS,
    monitored_jobs=[documents_job, payments_job, reference_job],
    minimum_interval_seconds=_SETTINGS.sensor_interval_s,
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def settle_inbox_events(context: dg.RunStatusSensorContext) -> None:
    """Events are processed only once the run that handled them succeeded."""
    ids = expand_ids(context.dagster_run.tags.get(_IDS_TAG, ""))
    if ids:
        store = _store()
        try:
            inbox.mark_processed(store.engine, ids, context.dagster_run.run_id)
        finally:
            store.close()


@dg.run_failure_sensor(default_status=dg.DefaultSensorStatus.RUNNING)
def record_failed_runs(context: dg.RunFailureSensorContext) -> None:
    """A failed run is part of the audit trail: which job, which partition, why."""
    run = context.dagster_run
    store = _store()
    try:
        with store.transaction() as tx:
            tx.record_transitions(
                [
                    Transition(
                        "run",
                        "failed",
                        visma_id=run.job_name,
                        run_id=run.run_id,
                        partition=run.tags.get("dagster/partition"),
                        reason=(context.failure_event.message or "run failed")[:2000],
                    )
                ]
            )
    finally:
        store.close()
