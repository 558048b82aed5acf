"""The poller (backstop for missed webhooks) and the daily reference re-sync; both ship running."""

from datetime import UTC

import dagster as dg

from visma_airbase_pipeline.defs.jobs import reference_job, sync_job
from visma_airbase_pipeline.defs.partitions import daily
from visma_airbase_pipeline.settings import load_settings

_SETTINGS = load_settings()
_TRIGGER_TAG = "vab/trigger"
_UNFINISHED = [
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
]


@dg.schedule(
    job=sync_job,
    cron_schedule=_SETTINGS.poll_cron,
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
def poller(context: dg.ScheduleEvaluationContext) -> dg.RunRequest | dg.SkipReason:
    """Today's partition of every inbound asset, and the payment queue; skipped while the previous
    poll is unfinished (a slow poll must not pile up runs that queue behind each other)."""
    unfinished = dg.RunsFilter(tags={_TRIGGER_TAG: "poller"}, statuses=_UNFINISHED)
    if context.instance.get_runs_count(unfinished):
        return dg.SkipReason("the previous poll is still running")
    when = context.scheduled_execution_time.astimezone(UTC)
    partition = daily.get_partition_key_for_timestamp(when.timestamp())
    return dg.RunRequest(partition_key=partition, tags={_TRIGGER_TAG: "poller"})


reference_daily = dg.ScheduleDefinition(
    name="reference_daily",
    job=reference_job,
    cron_schedule=_SETTINGS.reference_cron,
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
