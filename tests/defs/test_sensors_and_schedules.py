"""Inbox sensors, the settle sensor and the poller, evaluated through Dagster's own APIs."""

from __future__ import annotations

from datetime import UTC, datetime

import dagster as dg

from visma_airbase_pipeline.definitions import defs
from visma_airbase_pipeline.ledger import LedgerStore, inbox
from visma_airbase_pipeline.sync.event_batches import compress_ids, expand_ids, plan_airbase, plan_visma


def _record(
    store: LedgerStore, source: str, event_id: str, event_type: str, entity: str, entity_id: str
) -> None:
    inbox.record_event(
        store.engine,
        source=source,
        event_id=event_id,
        event_type=event_type,
        entity=entity,
        entity_id=entity_id,
        payload={"id": entity_id},
    )


def test_event_ids_compress_into_short_tags_and_back():
    ids = [1, 2, 3, 7, 9, 10, 11, 40]
    assert compress_ids(ids) == "1-3,7,9-11,40"
    assert expand_ids(compress_ids(ids)) == ids
    assert expand_ids("") == []


def test_visma_batches_fetch_named_invoices_or_fall_back_to_the_delta(dagster_home):
    store = LedgerStore()
    for n in range(3):
        _record(store, "visma", f"n{n}", "AP Invoice.Status Changed", "AP Invoice", f"Invoice/00000{n % 2}")
    events = inbox.pending_events(store.engine, "visma")
    batch = plan_visma(events, max_documents=200)
    assert batch is not None and batch.documents == ("Invoice/000000", "Invoice/000001")
    assert batch.newest_event_id == "n2" and len(batch.event_ids) == 3
    assert plan_visma(events, max_documents=1).documents is None  # too many: today's delta instead
    _record(store, "visma", "s1", "Supplier.Updated", "Supplier", "70001")
    assert plan_visma(inbox.pending_events(store.engine, "visma"), 200).documents is None
    store.close()


def test_airbase_events_drive_the_payment_queue_and_new_vendors_the_reference_run(dagster_home):
    store = LedgerStore()
    _record(store, "airbase", "evt_1", "bill_approved", "bill", "b1")
    _record(store, "airbase", "evt_2", "vendor_created", "vendor", "v1")
    _record(store, "airbase", "evt_3", "bill_paid", "bill", "b1")
    batches = {b.job: b for b in plan_airbase(inbox.pending_events(store.engine, "airbase"))}
    assert set(batches) == {"payments", "reference_sync"}
    assert batches["payments"].newest_event_id == "evt_3" and len(batches["payments"].event_ids) == 2
    store.close()


def test_visma_sensor_requests_one_targeted_run_and_success_settles_the_events(dagster_home, monkeypatch):
    monkeypatch.setenv("VAB_LEDGER_URL", f"sqlite:///{dagster_home / 'vab-ledger.db'}")
    store = LedgerStore()
    _record(store, "visma", "n1", "AP Invoice.Status Changed", "AP Invoice", "Invoice/000123")
    _record(store, "visma", "n1", "AP Invoice.Status Changed", "AP Invoice", "Invoice/000123")  # duplicate
    _record(store, "visma", "n2", "AP Invoice.Status Changed", "AP Invoice", "Invoice/000124")
    sensor = defs.get_sensor_def("visma_inbox")
    with dg.instance_for_test() as instance:
        result = sensor(dg.build_sensor_context(instance=instance))
        (request,) = result.run_requests
        assert request.run_key == "visma:n2:0" and request.job_name == "webhook_documents"
        documents = request.run_config["ops"]["visma__supplier_invoices"]["config"]["documents"]
        assert documents == ["Invoice/000123", "Invoice/000124"]
        assert request.tags["vab/inbox_ids"] == "1-2"
        # Just the named invoices and their bills: no delta of today's orders, receipts, suppliers.
        assert request.asset_selection == [
            dg.AssetKey(["visma", "supplier_invoices"]),
            dg.AssetKey(["airbase", "bills"]),
        ]
        assert request.asset_check_keys == []

        run = instance.create_run_for_job(
            defs.resolve_job_def("webhook_documents"),
            run_config=request.run_config,
            tags=request.tags,
        )
        settle = defs.get_sensor_def("settle_inbox_events")
        context = dg.build_run_status_sensor_context(
            sensor_name="settle_inbox_events",
            dagster_event=dg.DagsterEvent(
                event_type_value="PIPELINE_SUCCESS", job_name="webhook_documents", message="ok"
            ),
            dagster_instance=instance,
            dagster_run=run,
        )
        settle(context)
        assert inbox.pending_events(store.engine, "visma") == []
        assert isinstance(sensor(dg.build_sensor_context(instance=instance)), dg.SkipReason)
    store.close()


def test_visma_sensor_waits_while_two_runs_start_and_never_requests_a_succeeded_runs_events(
    dagster_home, monkeypatch
):
    monkeypatch.setenv("VAB_LEDGER_URL", f"sqlite:///{dagster_home / 'vab-ledger.db'}")
    store = LedgerStore()
    _record(store, "visma", "n1", "AP Invoice.Status Changed", "AP Invoice", "Invoice/000123")
    sensor = defs.get_sensor_def("visma_inbox")
    with dg.instance_for_test() as instance:

        def run(status: dg.DagsterRunStatus, ids: str) -> dg.DagsterRun:
            tags = {"vab/inbox": "visma", "vab/inbox_ids": ids, "vab/inbox_newest": "x"}
            return instance.add_run(dg.DagsterRun(job_name="webhook_documents", status=status, tags=tags))

        starting = [run(dg.DagsterRunStatus.NOT_STARTED, "90"), run(dg.DagsterRunStatus.STARTING, "91")]
        skipped = sensor(dg.build_sensor_context(instance=instance))
        assert isinstance(skipped, dg.SkipReason) and "still starting" in str(skipped.skip_message)
        instance.report_run_failed(starting[0])
        (request,) = sensor(dg.build_sensor_context(instance=instance)).run_requests or []
        assert request.tags["vab/inbox_ids"] == "1"
        # Its run succeeded and the settle sensor has not marked the event yet: not requested again.
        run(dg.DagsterRunStatus.SUCCESS, "1")
        assert isinstance(sensor(dg.build_sensor_context(instance=instance)), dg.SkipReason)
    store.close()


def _poll(instance: dg.DagsterInstance) -> dg.ScheduleExecutionData:
    context = dg.build_schedule_context(
        instance=instance,
        scheduled_execution_time=datetime(2026, 11, 25, 10, 15, tzinfo=UTC),
        repository_def=defs.get_repository_def(),
    )
    return defs.get_schedule_def("poller").evaluate_tick(context)


def test_poller_runs_todays_partition():
    assert defs.get_schedule_def("poller").default_status == dg.DefaultScheduleStatus.RUNNING
    with dg.instance_for_test() as instance:
        (request,) = _poll(instance).run_requests or []
    assert request.partition_key == "2026-11-25"
    assert request.tags["vab/trigger"] == "poller"
    assert defs.get_schedule_def("reference_daily").default_status == dg.DefaultScheduleStatus.RUNNING


def test_poller_skips_while_the_previous_poll_is_unfinished():
    with dg.instance_for_test() as instance:
        tags = {"vab/trigger": "poller"}
        run = instance.add_run(dg.DagsterRun(job_name="sync", status=dg.DagsterRunStatus.STARTED, tags=tags))
        skipped = _poll(instance)
        assert not skipped.run_requests and "still running" in str(skipped.skip_message)
        instance.report_run_failed(run)
        (request,) = _poll(instance).run_requests or []
    assert request.partition_key == "2026-11-25"
