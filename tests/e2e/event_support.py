"""Helpers of the event-driven end-to-end tests: a connector that runs by itself (Dagster instance,
ledger, webhook receiver, both sandboxes' webhooks pointed at it), the sandboxes' admin API, and
Dagster's own sensor, schedule and run-status evaluation with real runs of what they request."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import dagster as dg
import requests
import simplejson
from dagster._core.events import DagsterEventType

from visma_airbase_pipeline.definitions import defs
from visma_airbase_pipeline.defs.inprocess import run_sync
from visma_airbase_pipeline.instance import ensure_instance_config
from visma_airbase_pipeline.ledger import LedgerStore, inbox
from visma_airbase_pipeline.ledger.inbox import InboxEvent
from visma_airbase_pipeline.settings import load_settings
from visma_airbase_pipeline.webhooks.server import RunningReceiver, running_receiver

VISMA_WEBHOOK_SECRET = "vab-sandbox-visma-webhook-secret"
AIRBASE_WEBHOOK_SECRET = "vab-sandbox-airbase-webhook-secret"
WAIT_S = 30.0
T = TypeVar("T")


# ----- the sandboxes' admin API -----------------------------------------------------------------
def _json(response: requests.Response) -> Any:
    assert response.status_code < 400, f"{response.request.method} {response.url}: {response.text}"
    return simplejson.loads(response.content, use_decimal=True) if response.content.strip() else None


def admin(url: str, path: str, body: Any = None) -> Any:
    """``POST {url}/_sandbox/{path}``: webhook settings, an approver's or payer's action."""
    data = simplejson.dumps(body if body is not None else {}, use_decimal=True)
    headers = {"Content-Type": "application/json"}
    return _json(requests.post(f"{url}/_sandbox/{path}", data=data, headers=headers, timeout=60))


def state(url: str, collection: str) -> list[dict[str, Any]]:
    """Every record of a sandbox collection (numbers as Decimal)."""
    return list(_json(requests.get(f"{url}/_sandbox/state/{collection}", timeout=60)))


def patch(url: str, collection: str, record_id: str, changes: dict[str, Any]) -> dict[str, Any]:
    """Change a record as a user would (bumps its timestamp and ETag, sends the real webhook)."""
    data = simplejson.dumps(changes, use_decimal=True)
    headers = {"Content-Type": "application/json"}
    target = f"{url}/_sandbox/records/{collection}/{record_id}"
    return dict(_json(requests.patch(target, data=data, headers=headers, timeout=30)))


def webhook_log(url: str) -> dict[str, Any]:
    """``GET /_sandbox/webhooks``: target, pending count, deliveries and emitted events."""
    return dict(_json(requests.get(f"{url}/_sandbox/webhooks", timeout=10)))


def deliveries_settled(url: str) -> bool:
    """Nothing queued, and every delivery either answered 2xx or dropped on purpose."""
    log = webhook_log(url)
    return log["pending"] == 0 and all(d["delivered"] or d["dropped"] for d in log["deliveries"])


def wait_until(check: Callable[[], T], what: str, timeout: float = WAIT_S) -> T:
    """Poll ``check`` until it returns something truthy (bounded)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.05)


def utc_today() -> date:
    """Today's partition (UTC)."""
    return datetime.now(UTC).date()


# ----- what the two systems hold ----------------------------------------------------------------
def bill_key(invoice: dict[str, Any]) -> str:
    """The bill's ERP id: ``Invoice/000123``."""
    return f"{invoice['documentType']}/{invoice['referenceNumber']}"


def bills_by_key(airbase_url: str) -> dict[str, dict[str, Any]]:
    """Airbase bills by their ERP id."""
    return {b["erp_reference_id"]: b for b in state(airbase_url, "bills")}


@dataclass(frozen=True)
class Billed:
    """A Visma invoice and the Airbase bill that mirrors it."""

    invoice: dict[str, Any]
    bill: dict[str, Any]

    @property
    def key(self) -> str:
        """``Invoice/000123``."""
        return bill_key(self.invoice)

    @property
    def number(self) -> str:
        """The Visma document number."""
        return str(self.invoice["referenceNumber"])


def billed_invoices(
    visma_url: str, airbase_url: str, status: str, count: int, *, pending_approval: bool = False
) -> list[Billed]:
    """``count`` Visma invoices (not credit notes) in ``status`` with a bill in Airbase, amount ==
    balance > 0 (so a payment in full is plain), in document number order."""
    bills = bills_by_key(airbase_url)
    found = []
    for invoice in sorted(state(visma_url, "supplierInvoice"), key=lambda i: str(i["referenceNumber"])):
        bill = bills.get(bill_key(invoice))
        if (
            bill is None
            or invoice["documentType"] != "Invoice"
            or invoice["status"] != status
            or not invoice["amount"] == invoice["balance"] > 0
            or (pending_approval and bill["approval_status"] != "pending_approval")
        ):
            continue
        found.append(Billed(invoice, bill))
        if len(found) == count:
            return found
    raise AssertionError(f"only {len(found)} billed {status} invoices of {count}")


# ----- Dagster: what the daemon does --------------------------------------------------------------
def evaluate_sensor(instance: dg.DagsterInstance, name: str) -> dg.SensorResult | dg.SkipReason:
    """One tick of a sensor, as the daemon evaluates it."""
    result = defs.get_sensor_def(name)(dg.build_sensor_context(instance=instance, sensor_name=name))
    assert isinstance(result, dg.SensorResult | dg.SkipReason), result
    return result


def evaluate_poller(instance: dg.DagsterInstance, when: datetime) -> list[dg.RunRequest]:
    """One tick of the ``poller`` schedule at ``when``."""
    context = dg.build_schedule_context(
        instance=instance, scheduled_execution_time=when, repository_def=defs.get_repository_def()
    )
    data = defs.get_schedule_def("poller").evaluate_tick(context)
    return list(data.run_requests or [])


def launch(
    instance: dg.DagsterInstance, request: dg.RunRequest, default_job: str | None = None
) -> dg.ExecuteInProcessResult:
    """Run what a sensor or schedule asked for, in this process, on the instance; it must succeed.
    A schedule's request names no job: ``default_job`` is the schedule's."""
    name = request.job_name or default_job
    assert name, f"no job for {request}"
    job = defs.resolve_job_def(name)
    result = job.execute_in_process(
        run_config=request.run_config,
        instance=instance,
        partition_key=request.partition_key,
        tags=request.tags,
        raise_on_error=False,
    )
    if not result.success:
        failures = [event.message for event in result.all_events if event.event_type_value == "STEP_FAILURE"]
        raise AssertionError(f"run {result.run_id} of {job.name} failed: {failures}")
    return result


def settle(instance: dg.DagsterInstance, run_id: str) -> None:
    """``settle_inbox_events`` for a finished run, with the run's own success event."""
    run = instance.get_run_by_id(run_id)
    assert run is not None and run.status == dg.DagsterRunStatus.SUCCESS, run
    (success,) = instance.all_logs(run_id, of_type=DagsterEventType.RUN_SUCCESS)
    assert success.dagster_event is not None
    context = dg.build_run_status_sensor_context(
        sensor_name="settle_inbox_events",
        dagster_event=success.dagster_event,
        dagster_instance=instance,
        dagster_run=run,
    )
    defs.get_sensor_def("settle_inbox_events")(context)


def request_config_documents(request: dg.RunRequest) -> dict[str, list[str]]:
    """The documents a targeted run request names, per op."""
    ops = dict(request.run_config).get("ops", {})
    return {name: list(op["config"]["documents"]) for name, op in ops.items()}


# ----- the connector running by itself ----------------------------------------------------------
@dataclass
class World:
    """Both sandboxes, the Dagster instance, the ledger, and the receiver the webhooks reach."""

    visma_url: str
    airbase_url: str
    instance: dg.DagsterInstance
    store: LedgerStore
    receiver: RunningReceiver

    def events(self, source: str) -> list[InboxEvent]:
        """Every inbox event of a source, oldest first."""
        return inbox.events(self.store.engine, source)

    def webhooks(self, visma: dict[str, Any] | None = None, airbase: dict[str, Any] | None = None) -> None:
        """Point the sandboxes' webhooks at the receiver, with optional misbehaviour."""
        admin(self.visma_url, "webhooks", {"url": self.receiver.visma_url, **(visma or {})})
        admin(self.airbase_url, "webhooks", {"url": self.receiver.airbase_url, **(airbase or {})})


@contextmanager
def event_world(sandboxes: Any, home: Path) -> Iterator[World]:
    """A first full inbound sync (today-91 .. today) so Airbase holds the bills, then the receiver
    with both sandboxes' webhooks pointed at it; the webhooks go back to nowhere at the end."""
    today = utc_today()
    # Setup only (Airbase gets the bills): an ephemeral instance keeps it ~3x faster than SQLite
    # storage. Every run the sensors and the poller request runs on the project-config instance.
    first = run_sync(today - timedelta(days=91), today, instance=dg.DagsterInstance.ephemeral())
    assert first.success, first
    ensure_instance_config(home)
    with dg.DagsterInstance.from_config(str(home)) as instance:
        store = LedgerStore(load_settings().ledger_url)
        try:
            with running_receiver(store.engine, VISMA_WEBHOOK_SECRET, AIRBASE_WEBHOOK_SECRET) as receiver:
                world = World(sandboxes.visma_url, sandboxes.airbase_url, instance, store, receiver)
                try:
                    world.webhooks()
                    yield world
                finally:
                    for url in (sandboxes.visma_url, sandboxes.airbase_url):
                        admin(url, "webhooks", {"url": None})
        finally:
            store.close()
