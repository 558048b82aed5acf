"""Inbox sensors (webhook events -> runs), the success sensor that settles events, and the
failure sensor that writes failed runs into the audit log."""

from __future__ import annotations

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
_ACTIVE = [
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
]


def _store() -> LedgerStore:
    return LedgerStore(load_settings().ledger_url)


def _in_flight(instance: dg.DagsterInstance, source: str) -> set[int]:
    """Events already handed to a run that has not finished (they must not be requested twice)."""
    runs = instance.get_runs(dg.RunsFilter(tags={_SOURCE_TAG: source}, statuses=_ACTIVE))
    return {i for run in runs for i in expand_ids(run.tags.get(_IDS_TAG, ""))}


def _fresh_events(instance: dg.DagsterInstance, source: str) -> list[inbox.InboxEvent]:
    """Pending events of a source that no unfinished run has taken yet."""
    busy = _in_flight(instance, source)
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
    if batch.job == documents_job.name:
        partition = daily.get_last_partition_key()
        if batch.documents:
            documents = {"config": {"documents": list(batch.documents)}}
            run_config = {"ops": {"visma__supplier_invoices": documents, "airbase__bills": documents}}
    return dg.RunRequest(
        run_key=f"{source}:{batch.newest_event_id}:{failed}",
        job_name=batch.job,
        partition_key=partition,
        run_config=run_config,
        tags=tags,
    )


@dg.sensor(
    jobs=[documents_job],
    minimum_interval_seconds=_SETTINGS.sensor_interval_s,
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def visma_inbox(context: dg.SensorEvaluationContext) -> dg.SensorResult | dg.SkipReason:
    """Visma events since the last run: fetch just the named invoices (or today's delta)."""
    events = _fresh_events(context.instance, "visma")
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
    events = _fresh_events(context.instance, "airbase")
    batches = plan_airbase(events)
    if not batches:
        return dg.SkipReason("no new Airbase events")
    return dg.SensorResult(run_requests=[_request(context, "airbase", b) for b in batches])


@dg.run_status_sensor(
    run_status=dg.DagsterRunStatus.SUCCESS,
    monitored_jobs=[documents_job, payments_job, reference_job],
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
