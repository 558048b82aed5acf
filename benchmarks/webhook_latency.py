"""Item 5: a user's edit in Visma to the updated Airbase bill, with the connector running by itself:
the webhook receiver (``vab webhooks serve``) and ``dagster-daemon`` (sensors, run queue, runs in
their own processes), default sensor interval (reported as the daemon read it). Every child
process is ended, whatever happens."""

from __future__ import annotations

import math
import os
import statistics
import time
from pathlib import Path
from typing import Any
from unittest import mock

import requests

from benchmarks.measure import Home, connector_env
from benchmarks.sandboxes import Sandboxes, get, patch, post
from visma_airbase_pipeline.chaos.processes import Service, free_port, venv_command, wait_healthy
from visma_airbase_pipeline.sandbox.environment import SANDBOX_CREDENTIALS
from visma_airbase_pipeline.settings import Settings


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (p50, p95) of a small sample."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(share * len(ordered))))
    return ordered[rank - 1]


def sensor_interval(env: dict[str, str]) -> int:
    """The inbox sensors' interval the daemon runs with: settings read from the daemon's own
    environment (``connector_env`` leaves out this process's ``VAB_*`` variables) and ``.env``."""
    with mock.patch.dict(os.environ, env, clear=True):
        return Settings().sensor_interval_s


def _candidates(sandboxes: Sandboxes, count: int) -> list[tuple[str, str]]:
    """(invoice number, bill airbase_id) of Balanced invoices whose bill awaits approval."""
    bills = {b["erp_reference_id"]: b for b in get(sandboxes.airbase_url, "state/bills", timeout=900)}
    found = []
    for invoice in get(sandboxes.visma_url, "state/supplierInvoice", timeout=900):
        bill = bills.get(f"{invoice['documentType']}/{invoice['referenceNumber']}")
        if (
            bill
            and invoice["documentType"] == "Invoice"
            and invoice["status"] == "Balanced"
            and bill.get("approval_status") == "pending_approval"
        ):
            found.append((str(invoice["referenceNumber"]), str(bill["airbase_id"])))
            if len(found) == count:
                break
    return found


def _first_tick(log: Path, sensor: str, timeout_s: float) -> None:
    """Wait until the daemon has evaluated ``sensor`` once (code location loaded, sensor ticking),
    so the clock starts on a running connector, not on a daemon still importing."""
    line = f"Checking for new runs for sensor: {sensor}".encode()
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if log.exists() and line in log.read_bytes():
            return
        time.sleep(0.25)
    raise TimeoutError(f"dagster-daemon did not tick {sensor} within {timeout_s:.0f} s (see {log})")


def webhook_latency(
    sandboxes: Sandboxes, home: Home, edits: int, spacing_s: float, wait_s: float
) -> dict[str, Any]:
    """Edit ``edits`` invoices (status -> Hold, new description), one every ``spacing_s``; time each
    until its Airbase bill carries the new memo. Needs ``home`` to hold the first full sync."""
    env = connector_env(sandboxes, home)
    interval = sensor_interval(env)
    port = free_port()
    targets = _candidates(sandboxes, edits)
    latencies: dict[str, float] = {}
    receiver = Service(
        "receiver",
        [venv_command("vab"), "webhooks", "serve", "--port", str(port)],
        env,
        home.path / "receiver.log",
    )
    daemon = Service(
        "daemon",
        [venv_command("dagster-daemon"), "run", "-m", "visma_airbase_pipeline.definitions"],
        env,
        home.path / "daemon.log",
    )
    try:
        receiver.start()
        daemon.start()
        receiver_url = f"http://127.0.0.1:{port}"
        wait_healthy(f"{receiver_url}/health")
        secret = SANDBOX_CREDENTIALS["VAB_VISMA_WEBHOOK_SECRET"]
        post(sandboxes.visma_url, "webhooks", {"url": f"{receiver_url}/webhooks/visma", "secret": secret})
        _first_tick(home.path / "daemon.log", "visma_inbox", timeout_s=60)
        api = requests.Session()
        api.headers["Authorization"] = f"Token {SANDBOX_CREDENTIALS['VAB_AIRBASE_TOKEN']}"
        admin = requests.Session()
        started: dict[str, float] = {}
        pending: dict[str, tuple[str, str]] = {}
        next_edit = time.monotonic()
        queue = list(enumerate(targets))
        end = None
        while queue or pending:
            now = time.monotonic()
            if queue and now >= next_edit:
                n, (number, airbase_id) = queue.pop(0)
                memo = f"bench webhook {n} {int(time.time())}"
                patch(
                    admin,
                    sandboxes.visma_url,
                    "supplierInvoice",
                    number,
                    {"status": "Hold", "hold": True, "description": memo},
                )
                started[number] = time.monotonic()
                pending[number] = (airbase_id, memo)
                next_edit = started[number] + spacing_s
                if not queue:
                    end = time.monotonic() + wait_s
            for number, (airbase_id, memo) in list(pending.items()):
                response = api.get(f"{sandboxes.airbase_url}/v1/accounting/bills/{airbase_id}/", timeout=30)
                if response.ok and response.json().get("memo") == memo:
                    latencies[number] = time.monotonic() - started[number]
                    del pending[number]
            if end is not None and time.monotonic() > end:
                break
            time.sleep(0.25)
    finally:
        try:
            post(sandboxes.visma_url, "webhooks", {"url": None})
        finally:
            daemon.stop()
            receiver.stop()
    values = list(latencies.values())
    return {
        "ok": len(values) == len(targets) == edits,
        "edits": len(targets),
        "updated": len(values),
        "missed": len(targets) - len(values),
        "spacing_s": spacing_s,
        "sensor_interval_s": interval,
        "p50_s": round(percentile(values, 0.50), 2) if values else None,
        "p95_s": round(percentile(values, 0.95), 2) if values else None,
        "max_s": round(max(values), 2) if values else None,
        "mean_s": round(statistics.fmean(values), 2) if values else None,
    }
