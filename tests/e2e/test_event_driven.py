"""Issue 7 end to end: the connector running by itself. Sandbox webhooks reach the receiver, land
in the ledger inbox, the inbox sensors (evaluated through Dagster's own APIs) request runs, the
requested runs really execute, and ``settle_inbox_events`` marks the events processed; the poller
catches what a dropped webhook missed. The last test does the same on PostgreSQL.

Each test starts from freshly seeded sandboxes, a private DAGSTER_HOME with the project's instance
config, and a first full inbound sync, so the tests do not depend on each other's order.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

import dagster as dg
import pytest
from event_support import (
    Billed,
    World,
    admin,
    billed_invoices,
    bills_by_key,
    deliveries_settled,
    evaluate_poller,
    evaluate_sensor,
    event_world,
    launch,
    patch,
    request_config_documents,
    settle,
    state,
    utc_today,
    wait_until,
    webhook_log,
)
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from visma_airbase_pipeline.definitions import defs
from visma_airbase_pipeline.ledger import LedgerStore

pytestmark = pytest.mark.integration

STATUS_CHANGED = "AP Invoice.Status Changed"


@pytest.fixture
def world(sandbox_env, dagster_home) -> Iterator[World]:
    """The connector on SQLite (instance and ledger in DAGSTER_HOME), webhooks pointed at it."""
    with event_world(sandbox_env, dagster_home) as running:
        yield running


def _memo(world: World, key: str) -> str:
    return str(bills_by_key(world.airbase_url)[key].get("memo"))


def _bill_states(store: LedgerStore, key: str) -> list[str]:
    return [t.to_state for t in store.transitions(kind="bill", visma_id=key)]


def _edit(world: World, billed: Billed, status: str, description: str) -> None:
    """A user changes the invoice's status (that is what makes Visma notify) and description."""
    patch(world.visma_url, "supplierInvoice", billed.number, {"status": status, "description": description})


def _approve(world: World, bill_id: str) -> dict:
    """The approver's final approval: the bill's ``bill`` ledger entry."""
    answer = admin(world.airbase_url, f"bills/{bill_id}/approve")
    assert answer["bill"]["approval_status"] == "approved", answer
    return dict(answer["ledger_entry"])


def _pay(world: World, bill_id: str) -> dict:
    """The payer pays the approved bill in full: its ``bill_payment`` ledger entry."""
    answer = admin(world.airbase_url, f"bills/{bill_id}/pay")
    assert answer["ledger_entry"]["type"] == "bill_payment", answer
    return dict(answer["ledger_entry"])


def _payments_carrying(world: World, airbase_payment_id: str) -> list[dict]:
    """Visma supplier payments carrying this Airbase payment id in ``paymentRef``."""
    return [p for p in state(world.visma_url, "supplierPayment") if p.get("paymentRef") == airbase_payment_id]


# ----- scenarios shared by the SQLite and the PostgreSQL tests ----------------------------------
def invoice_edit_reaches_its_bill(world: World) -> str:
    """Edit -> webhook -> inbox -> ``visma_inbox`` -> targeted ``webhook_documents`` run -> the bill
    is updated; once settled the event is processed and the sensor skips. Returns the run id."""
    (billed,) = billed_invoices(world.visma_url, world.airbase_url, "Balanced", 1)
    bills_before = len(state(world.airbase_url, "bills"))
    assert _bill_states(world.store, billed.key) == ["created"]
    description = f"Edited in Visma {uuid.uuid4().hex[:8]}"
    _edit(world, billed, "Open", description)

    (event,) = wait_until(lambda: world.events("visma"), "the Visma webhook in the inbox")
    assert (event.event_type, event.entity, event.entity_id) == (STATUS_CHANGED, "AP Invoice", billed.key)
    assert event.processed_at is None

    result = evaluate_sensor(world.instance, "visma_inbox")
    assert isinstance(result, dg.SensorResult), result
    (request,) = result.run_requests or []
    assert request.job_name == "webhook_documents"
    assert request.partition_key == utc_today().isoformat()
    assert request.run_key == f"visma:{event.event_id}:0"
    assert request_config_documents(request) == {
        "visma__supplier_invoices": [billed.key],
        "airbase__bills": [billed.key],
    }
    assert _memo(world, billed.key) != description  # nothing happened before the run

    run = launch(world.instance, request)
    assert _memo(world, billed.key) == description
    assert _bill_states(world.store, billed.key) == ["created", "updated"]
    assert len(state(world.airbase_url, "bills")) == bills_before

    assert [e.processed_at for e in world.events("visma")] == [None]  # only a finished run settles
    settle(world.instance, run.run_id)
    (done,) = world.events("visma")
    assert done.processed_at is not None
    assert isinstance(evaluate_sensor(world.instance, "visma_inbox"), dg.SkipReason)
    return run.run_id


def paid_bill_reaches_visma_once(world: World) -> str:
    """Approve and pay a bill in Airbase -> webhooks -> ``airbase_inbox`` -> ``payments`` run ->
    exactly one released Visma payment carrying the Airbase payment id. Returns the run id."""
    (billed,) = billed_invoices(world.visma_url, world.airbase_url, "Open", 1, pending_approval=True)
    bill_id = billed.bill["airbase_id"]
    approved = _approve(world, bill_id)
    paid = _pay(world, bill_id)

    def arrived() -> bool:
        types = [e.event_type for e in world.events("airbase")]
        return deliveries_settled(world.airbase_url) and len(types) >= 4

    wait_until(arrived, "the approval and payment webhooks in the inbox")
    events = world.events("airbase")
    assert sorted(e.event_type for e in events) == sorted(
        ["bill_approved", "ledger_entry_sync_ready", "ledger_entry_sync_ready", "bill_paid"]
    )
    assert {e.entity_id for e in events} == {bill_id, approved["airbase_id"], paid["airbase_id"]}
    assert _payments_carrying(world, paid["airbase_id"]) == []

    result = evaluate_sensor(world.instance, "airbase_inbox")
    assert isinstance(result, dg.SensorResult), result
    (request,) = result.run_requests or []
    assert request.job_name == "payments" and request.partition_key is None
    run = launch(world.instance, request)

    (payment,) = _payments_carrying(world, paid["airbase_id"])
    assert payment["released"] is True and payment["type"] == "Payment"
    assert payment["paymentAmount"] == Decimal(paid["total_amount"]) == Decimal(billed.invoice["amount"])
    assert [line["invoiceRefNbr"] for line in payment["paymentLines"]] == [billed.number]
    entries = {e["airbase_id"]: e for e in state(world.airbase_url, "ledger_entries")}
    assert entries[paid["airbase_id"]]["status"] == "sync_complete"
    assert entries[paid["airbase_id"]]["erp_reference_id"] == payment["refNbr"]
    assert entries[approved["airbase_id"]]["status"] == "sync_complete"

    settle(world.instance, run.run_id)
    assert all(e.processed_at is not None for e in world.events("airbase"))
    assert isinstance(evaluate_sensor(world.instance, "airbase_inbox"), dg.SkipReason)
    return run.run_id


# ----- 1. webhook -> inbox -> sensor -> run -----------------------------------------------------
def test_an_invoice_edited_in_visma_reaches_its_bill_through_webhook_inbox_sensor_and_run(world):
    invoice_edit_reaches_its_bill(world)


# ----- 2. the poller catches a dropped webhook --------------------------------------------------
def test_a_dropped_webhook_is_still_caught_by_the_poller(world):
    world.webhooks(visma={"drop": 1})
    (billed,) = billed_invoices(world.visma_url, world.airbase_url, "Balanced", 1)
    bills_before = len(state(world.airbase_url, "bills"))
    description = f"Missed webhook {uuid.uuid4().hex[:8]}"
    _edit(world, billed, "Open", description)

    def dropped() -> bool:
        log = webhook_log(world.visma_url)
        return log["pending"] == 0 and any(d["dropped"] for d in log["deliveries"])

    wait_until(dropped, "the sandbox to drop the webhook")
    assert world.events("visma") == []
    assert isinstance(evaluate_sensor(world.instance, "visma_inbox"), dg.SkipReason)

    poller = defs.get_schedule_def("poller")
    assert poller.job_name == "sync"
    (request,) = evaluate_poller(world.instance, datetime.now(UTC))
    assert request.partition_key == utc_today().isoformat()
    launch(world.instance, request, default_job=poller.job_name)
    assert _memo(world, billed.key) == description
    assert _bill_states(world.store, billed.key) == ["created", "updated"]
    assert len(state(world.airbase_url, "bills")) == bills_before


# ----- 3. duplicates and out-of-order deliveries ------------------------------------------------
def test_duplicate_and_out_of_order_webhooks_cause_no_duplicate_writes(world):
    first, second = billed_invoices(world.visma_url, world.airbase_url, "Balanced", 2)
    bills_before = len(state(world.airbase_url, "bills"))
    stale, latest, other = (f"{name} {uuid.uuid4().hex[:8]}" for name in ("stale", "latest", "other"))
    earlier = {e["event_id"] for e in webhook_log(world.visma_url)["events"]}
    # The first edit's notification is held back well past the others: it arrives last.
    world.webhooks(visma={"duplicate": 1, "reorder": 1, "delay_s": 3})
    _edit(world, first, "Open", stale)
    world.webhooks(visma={"duplicate": 1, "reorder": 1})
    _edit(world, first, "Balanced", latest)
    _edit(world, second, "Open", other)
    emitted = [e["event_id"] for e in webhook_log(world.visma_url)["events"] if e["event_id"] not in earlier]
    assert len(emitted) == 3

    runs: list[dg.RunRequest] = []
    deadline = time.monotonic() + 30
    while True:  # the daemon's loop: tick, launch what is requested, settle what succeeded
        result = evaluate_sensor(world.instance, "visma_inbox")
        if isinstance(result, dg.SensorResult):
            for request in result.run_requests or []:
                settle(world.instance, launch(world.instance, request).run_id)
                runs.append(request)
        elif (
            deliveries_settled(world.visma_url)
            and [e.processed_at is not None for e in world.events("visma")] == [True] * 3
        ):
            break
        assert time.monotonic() < deadline, "the webhooks did not all arrive"
        time.sleep(0.1)

    log = webhook_log(world.visma_url)
    assert sorted(d["copy"] for d in log["deliveries"]) == [1, 1, 1, 2, 2, 2]  # each sent twice
    assert all(d["delivered"] for d in log["deliveries"])
    received = world.events("visma")
    assert sorted(e.event_id for e in received) == sorted(emitted)  # each notification id once
    assert received[-1].event_id == emitted[0]  # the stale edit's notification came last
    assert all(e.processed_at is not None for e in received)
    assert runs and all(r.job_name == "webhook_documents" for r in runs)
    assert {d for r in runs for d in request_config_documents(r)["airbase__bills"]} == {first.key, second.key}

    assert _memo(world, first.key) == latest  # the late, stale notification changed nothing
    assert _memo(world, second.key) == other
    assert _bill_states(world.store, first.key) == ["created", "updated"]
    assert _bill_states(world.store, second.key) == ["created", "updated"]
    assert len(state(world.airbase_url, "bills")) == bills_before
    assert isinstance(evaluate_sensor(world.instance, "visma_inbox"), dg.SkipReason)


# ----- 4. a bill paid in Airbase ----------------------------------------------------------------
def test_a_bill_paid_in_airbase_reaches_visma_as_one_payment(world):
    paid_bill_reaches_visma_once(world)


# ----- 5. the same on PostgreSQL ----------------------------------------------------------------
@pytest.fixture
def pg_world(sandbox_env, dagster_home, postgres_url, monkeypatch) -> Iterator[World]:
    """The Dagster instance and the ledger each in a fresh database of the throwaway cluster."""
    suffix = uuid.uuid4().hex[:10]
    names = {"dagster": f"vab_events_dagster_{suffix}", "ledger": f"vab_events_ledger_{suffix}"}
    server = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as conn:
            for name in names.values():
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        base = make_url(postgres_url)
        urls = {k: base.set(database=v).render_as_string(hide_password=False) for k, v in names.items()}
        monkeypatch.setenv("VAB_DAGSTER_PG_URL", urls["dagster"])
        monkeypatch.setenv("VAB_LEDGER_URL", urls["ledger"])
        with event_world(sandbox_env, dagster_home) as running:
            yield running
    finally:
        with server.connect() as conn:
            for name in names.values():
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


def test_webhook_runs_and_payments_work_with_the_instance_and_the_ledger_on_postgres(pg_world):
    world = pg_world
    assert "Postgres" in type(world.instance.run_storage).__name__
    assert "Postgres" in type(world.instance.event_log_storage).__name__
    assert world.store.engine.dialect.name == "postgresql"

    edit_run = invoice_edit_reaches_its_bill(world)
    pay_run = paid_bill_reaches_visma_once(world)
    for run_id, job in ((edit_run, "webhook_documents"), (pay_run, "payments")):
        stored = world.instance.get_run_by_id(run_id)
        assert stored is not None and stored.job_name == job
        assert stored.status == dg.DagsterRunStatus.SUCCESS
    # The runs are rows of the PostgreSQL database, and the settled events rows of the ledger's.
    dagster_db = create_engine(os.environ["VAB_DAGSTER_PG_URL"])
    try:
        with dagster_db.connect() as conn:
            stored_ids = set(conn.execute(text("SELECT run_id FROM runs")).scalars())
    finally:
        dagster_db.dispose()
    assert {edit_run, pay_run} <= stored_ids
    with world.store.engine.connect() as conn:
        settled = set(
            conn.execute(text("SELECT run_id FROM vab_inbox WHERE processed_at IS NOT NULL")).scalars()
        )
    assert settled == {edit_run, pay_run}
