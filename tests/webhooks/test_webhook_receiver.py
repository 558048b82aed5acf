"""The webhook receiver (DESIGN.md section 6) over real HTTP on a free loopback port, writing to a
SQLite ledger (and once to PostgreSQL): signatures, parsing, size cap, dedupe, concurrency, the
``serve`` entry point, and deliveries from the real sandboxes' senders."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from visma_airbase_pipeline.ledger.inbox import InboxEvent, events
from visma_airbase_pipeline.ledger.store import LedgerStore
from visma_airbase_pipeline.webhooks.events import EventError, parse_airbase, parse_visma
from visma_airbase_pipeline.webhooks.server import RunningReceiver, running_receiver, serve, split_secrets
from visma_airbase_pipeline.webhooks.signatures import (
    Secrets,
    SignatureError,
    airbase_signature,
    verify_airbase,
    verify_visma,
    visma_signature,
)

VISMA_SECRET = "whsec-visma-current-0123"
OLD_VISMA_SECRET = "whsec-visma-previous-4567"
AIRBASE_SECRET = "whsec-airbase-current-89ab"
OLD_AIRBASE_SECRET = "whsec-airbase-previous-cdef"
SANDBOX_VISMA_SECRET = "vab-sandbox-visma-webhook-secret"
SANDBOX_AIRBASE_SECRET = "vab-sandbox-airbase-webhook-secret"
ALL_SECRETS = (VISMA_SECRET, OLD_VISMA_SECRET, AIRBASE_SECRET, OLD_AIRBASE_SECRET)
ROOT = Path(__file__).resolve().parents[2]


# ----- deliveries, signed the way the contracts say (independently of the code under test) -------
def visma_delivery(
    secret: str = VISMA_SECRET,
    *,
    notification_id: str | None = None,
    entity: str = "AP Invoice",
    event: str = "Status Changed",
    record_id: str = "000123",
    document_type: str | None = "Invoice",
    raw: bytes | None = None,
) -> tuple[bytes, dict[str, str]]:
    body: dict[str, Any] = {"tenantId": "6f1c2e9a-tenant", "entity": entity, "event": event}
    if document_type is not None:
        body["documentType"] = document_type
    body.update(id=record_id, timestamp="2025-03-14T09:21:08.120Z")
    raw = json.dumps(body).encode() if raw is None else raw
    digest = hmac.new(secret.encode(), raw, hashlib.sha256).digest()
    headers = {
        "Content-Type": "application/json",
        "x-vwd-signature-v1": base64.b64encode(digest).decode(),
        "x-vwd-notification-id": notification_id or str(uuid.uuid4()),
        "x-vwd-notification-timestamp": str(int(time.time() * 1000)),
        "x-vwd-event-id": f"{entity}.{event}",
        "x-vwd-tenant-id": "6f1c2e9a-tenant",
        "x-vwd-subscription-id": "sub-1",
    }
    return raw, headers


def airbase_delivery(
    secret: str = AIRBASE_SECRET,
    *,
    event_id: str | None = None,
    event_type: str = "bill_approved",
    mode: str = "body",
    timestamp: int | str | None = "now",
    raw: bytes | None = None,
) -> tuple[bytes, dict[str, str]]:
    body = {
        "id": event_id or f"evt_{uuid.uuid4().hex[:26].upper()}",
        "object": "event",
        "type": event_type,
        "created_date": "2026-03-05T09:12:44Z",
        "data": {
            "object": "bill",
            "airbase_id": "5e2f0c1d-bill",
            "erp_reference_id": "SI-000123",
            "approval_status": "approved",
        },
    }
    raw = json.dumps(body).encode() if raw is None else raw
    stamp = str(int(time.time())) if timestamp == "now" else None if timestamp is None else str(timestamp)
    message = f"{stamp}.".encode() + raw if mode == "timestamped" else raw
    headers = {
        "Content-Type": "application/json",
        "X-Airbase-Signature": "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest(),
    }
    if stamp is not None:
        headers["X-Airbase-Timestamp"] = stamp
    return raw, headers


def post(url: str, delivery: tuple[bytes, dict[str, str]], session: Any = requests) -> requests.Response:
    raw, headers = delivery
    return session.post(url, data=raw, headers=headers, timeout=30)


def rows(store: LedgerStore, source: str | None = None) -> list[InboxEvent]:
    return events(store.engine, source)


def wait_for(condition: Callable[[], Any], timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.05)


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[LedgerStore]:
    store = LedgerStore(f"sqlite:///{tmp_path / 'ledger.db'}")
    yield store
    store.close()


@pytest.fixture
def receiver(ledger: LedgerStore) -> Iterator[RunningReceiver]:
    """Two Visma secrets (current and previous) and one Airbase secret, body mode."""
    with running_receiver(ledger.engine, [VISMA_SECRET, OLD_VISMA_SECRET], AIRBASE_SECRET) as running:
        yield running


# ----- accepted deliveries -----------------------------------------------------------------------
def test_valid_visma_deliveries_are_stored_with_parsed_fields(receiver, ledger):
    invoice = visma_delivery(notification_id="n-invoice")
    supplier = visma_delivery(
        notification_id="n-supplier",
        entity="Supplier",
        event="Updated",
        record_id="50012",
        document_type=None,
    )
    for delivery in (invoice, supplier):
        response = post(receiver.visma_url, delivery)
        assert response.status_code == 202, response.text
        assert response.json() == {"status": "accepted", "duplicate": False}
    first, second = rows(ledger, "visma")
    assert (first.event_id, first.event_type, first.entity, first.entity_id) == (
        "n-invoice",
        "AP Invoice.Status Changed",
        "AP Invoice",
        "Invoice/000123",
    )
    assert first.payload == json.loads(invoice[0]) and first.processed_at is None
    assert (second.event_id, second.event_type, second.entity, second.entity_id) == (
        "n-supplier",
        "Supplier.Updated",
        "Supplier",
        "50012",
    )


def test_valid_airbase_deliveries_are_stored_with_and_without_timestamp(receiver, ledger):
    stamped = airbase_delivery(event_id="evt_STAMPED")
    bare = airbase_delivery(event_id="evt_BARE", event_type="bill_paid", timestamp=None)
    for delivery in (stamped, bare):
        response = post(receiver.airbase_url, delivery)
        assert response.status_code == 202, response.text
        assert response.json() == {"status": "accepted", "duplicate": False}
    first, second = rows(ledger, "airbase")
    assert (first.event_id, first.event_type, first.entity, first.entity_id) == (
        "evt_STAMPED",
        "bill_approved",
        "bill",
        "5e2f0c1d-bill",
    )
    assert first.payload["data"]["erp_reference_id"] == "SI-000123"
    assert (second.event_id, second.event_type) == ("evt_BARE", "bill_paid")
    assert rows(ledger, "visma") == []


def test_a_rotated_secret_is_still_accepted(ledger):
    airbase_secrets = split_secrets(f"{AIRBASE_SECRET}, {OLD_AIRBASE_SECRET}")
    with running_receiver(ledger.engine, [VISMA_SECRET, OLD_VISMA_SECRET], airbase_secrets) as running:
        assert post(running.visma_url, visma_delivery(OLD_VISMA_SECRET)).status_code == 202
        assert post(running.visma_url, visma_delivery(VISMA_SECRET)).status_code == 202
        assert post(running.airbase_url, airbase_delivery(OLD_AIRBASE_SECRET)).status_code == 202
    assert len(rows(ledger)) == 3


def test_duplicate_event_id_is_accepted_once(receiver, ledger):
    delivery = visma_delivery(notification_id="n-dup")
    answers = [post(receiver.visma_url, delivery).json() for _ in range(3)]
    assert [a["duplicate"] for a in answers] == [False, True, True]
    assert all(a["status"] == "accepted" for a in answers)
    again = airbase_delivery(event_id="evt_DUP")
    assert [post(receiver.airbase_url, again).json()["duplicate"] for _ in range(2)] == [False, True]
    assert [(r.source, r.event_id) for r in rows(ledger)] == [("visma", "n-dup"), ("airbase", "evt_DUP")]


def test_timestamped_mode_signs_timestamp_and_body(ledger):
    with running_receiver(ledger.engine, VISMA_SECRET, AIRBASE_SECRET, airbase_mode="timestamped") as running:
        good = airbase_delivery(mode="timestamped", event_id="evt_TS")
        assert post(running.airbase_url, good).status_code == 202
        body_only = airbase_delivery(mode="body")
        assert post(running.airbase_url, body_only).status_code == 401
        unstamped = airbase_delivery(mode="timestamped", timestamp=None)
        assert post(running.airbase_url, unstamped).status_code == 401
        raw, headers = airbase_delivery(mode="timestamped")
        later = {**headers, "X-Airbase-Timestamp": str(int(headers["X-Airbase-Timestamp"]) + 5)}
        assert post(running.airbase_url, (raw, later)).status_code == 401  # timestamp is signed
    assert [r.event_id for r in rows(ledger)] == ["evt_TS"]


# ----- rejected deliveries -----------------------------------------------------------------------
def _without(delivery: tuple[bytes, dict[str, str]], header: str) -> tuple[bytes, dict[str, str]]:
    return delivery[0], {k: v for k, v in delivery[1].items() if k != header}


def _tampered(delivery: tuple[bytes, dict[str, str]]) -> tuple[bytes, dict[str, str]]:
    return delivery[0].replace(b"000123", b"000124").replace(b"SI-000123", b"SI-000999"), delivery[1]


UNAUTHORIZED = {
    "visma-wrong-secret": ("visma", lambda: visma_delivery("not-the-secret")),
    "visma-missing-signature": ("visma", lambda: _without(visma_delivery(), "x-vwd-signature-v1")),
    "visma-tampered-body": ("visma", lambda: _tampered(visma_delivery())),
    "visma-airbase-secret": ("visma", lambda: visma_delivery(AIRBASE_SECRET)),
    "airbase-wrong-secret": ("airbase", lambda: airbase_delivery("not-the-secret")),
    "airbase-missing-signature": ("airbase", lambda: _without(airbase_delivery(), "X-Airbase-Signature")),
    "airbase-tampered-body": ("airbase", lambda: _tampered(airbase_delivery())),
    "airbase-replayed-stale": ("airbase", lambda: airbase_delivery(timestamp=int(time.time()) - 301)),
    "airbase-replayed-old": ("airbase", lambda: airbase_delivery(timestamp=int(time.time()) - 86_400)),
    "airbase-future": ("airbase", lambda: airbase_delivery(timestamp=int(time.time()) + 600)),
    "airbase-bad-timestamp": ("airbase", lambda: airbase_delivery(timestamp="yesterday")),
    "airbase-timestamped-sig-in-body-mode": ("airbase", lambda: airbase_delivery(mode="timestamped")),
}


@pytest.mark.parametrize("case", list(UNAUTHORIZED))
def test_bad_missing_or_replayed_signatures_are_401_and_store_nothing(case, receiver, ledger):
    source, make = UNAUTHORIZED[case]
    url = receiver.visma_url if source == "visma" else receiver.airbase_url
    response = post(url, make())
    assert response.status_code == 401, response.text
    assert response.json()["detail"].startswith("Unauthorized")
    assert rows(ledger) == []


def test_malformed_json_and_missing_fields_are_400(receiver, ledger):
    cases = [
        (receiver.visma_url, visma_delivery(raw=b'{"entity": "Supplier", ')),
        (receiver.visma_url, visma_delivery(raw=b"[1, 2, 3]")),
        (receiver.visma_url, visma_delivery(raw=b'{"entity": "Supplier", "event": "Updated"}')),
        (receiver.visma_url, visma_delivery(raw=b'{"entity": "AP Invoice", "event": "Updated", "id": "1"}')),
        (receiver.visma_url, _without(visma_delivery(), "x-vwd-notification-id")),
        (receiver.visma_url, visma_delivery(raw=b"\xff\xfe not utf-8")),
        (receiver.airbase_url, airbase_delivery(raw=b"NaN")),
        (receiver.airbase_url, airbase_delivery(raw=b'{"id": "evt_1", "type": "bill_paid"}')),
        (receiver.airbase_url, airbase_delivery(raw=b'{"id": "evt_1", "type": "t", "data": {"x": 1}}')),
        (receiver.airbase_url, airbase_delivery(raw=json.dumps({"id": "e" * 161, "type": "t"}).encode())),
    ]
    for url, delivery in cases:
        response = post(url, delivery)
        assert response.status_code == 400, (delivery, response.text)
        assert response.json()["detail"]
    assert rows(ledger) == []


def test_oversize_bodies_are_413_declared_or_streamed(ledger):
    cap = 4096
    with running_receiver(ledger.engine, VISMA_SECRET, AIRBASE_SECRET, max_body=cap) as running:
        raw, _ = visma_delivery(notification_id="n-at-cap")
        exact = visma_delivery(notification_id="n-at-cap", raw=raw + b" " * (cap - len(raw)))
        assert post(running.visma_url, exact).status_code == 202  # exactly the cap is fine
        over = airbase_delivery(raw=b" " * (cap + 1))
        response = post(running.airbase_url, over)
        assert response.status_code == 413 and "4096" in response.json()["detail"]

        def chunks() -> Iterator[bytes]:  # no Content-Length: only the streamed size can tell
            for _ in range(5):
                yield b" " * 1024

        streamed = requests.post(running.visma_url, data=chunks(), headers=visma_delivery()[1], timeout=30)
        assert streamed.status_code == 413
    assert [r.event_id for r in rows(ledger)] == ["n-at-cap"]


def test_default_cap_is_one_mebibyte_and_comes_before_the_signature(receiver, ledger):
    response = post(receiver.visma_url, visma_delivery("wrong", raw=b" " * (1024 * 1024 + 1)))
    assert response.status_code == 413
    assert rows(ledger) == []


def test_health_and_unknown_routes(receiver):
    health = requests.get(f"{receiver.url}/health", timeout=10)
    assert health.status_code == 200 and health.json()["status"] == "ok"
    assert requests.get(receiver.visma_url, timeout=10).status_code == 405
    assert requests.post(f"{receiver.url}/webhooks/other", data=b"{}", timeout=10).status_code == 404


def test_a_source_without_secret_is_503_not_open(ledger):
    with running_receiver(ledger.engine, VISMA_SECRET, None) as running:
        response = post(running.airbase_url, airbase_delivery())
        assert response.status_code == 503
        assert requests.get(f"{running.url}/health", timeout=10).json()["airbase"] is False
    assert rows(ledger) == []


# ----- load --------------------------------------------------------------------------------------
def test_1000_concurrent_events_land_exactly_once(receiver, ledger):
    # 1,000 deliveries from 20 threads; every 10th re-sends an id of the same source (100 duplicates).
    deliveries = []
    for n in range(1000):
        key = n - 2 if n % 10 == 9 else n
        if n % 2 == 0:
            deliveries.append((receiver.visma_url, visma_delivery(notification_id=f"n-{key}")))
        else:
            deliveries.append((receiver.airbase_url, airbase_delivery(event_id=f"evt_{key}")))
    distinct = {(url, d[1].get("x-vwd-notification-id") or json.loads(d[0])["id"]) for url, d in deliveries}
    local = threading.local()

    def send(item: tuple[str, tuple[bytes, dict[str, str]]]) -> tuple[int, bool]:
        if not hasattr(local, "session"):
            local.session = requests.Session()
        response = post(item[0], item[1], local.session)
        return response.status_code, response.json().get("duplicate")

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(send, deliveries))
    assert {status for status, _ in results} == {202}
    assert sum(duplicate for _, duplicate in results) == len(deliveries) - len(distinct) == 100
    stored = rows(ledger)
    assert len(stored) == len(distinct) == len({(r.source, r.event_id) for r in stored}) == 900


# ----- PostgreSQL ledger -------------------------------------------------------------------------
@pytest.fixture
def postgres_ledger(postgres_url: str) -> Iterator[LedgerStore]:
    """A database of its own on the session's cluster, so other tests' inbox rows do not mix in."""
    name = f"vab_webhooks_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    store = LedgerStore(make_url(postgres_url).set(database=name).render_as_string(hide_password=False))
    try:
        yield store
    finally:
        store.close()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def test_postgres_ledger_receives_concurrent_duplicates_once(postgres_ledger):
    store = postgres_ledger
    with running_receiver(store.engine, VISMA_SECRET, AIRBASE_SECRET) as running:
        deliveries = [(running.visma_url, visma_delivery(notification_id=f"pg-{n % 50}")) for n in range(100)]
        deliveries += [(running.airbase_url, airbase_delivery(event_id=f"evt_{n % 50}")) for n in range(100)]
        with ThreadPoolExecutor(max_workers=20) as pool:
            results = list(pool.map(lambda item: post(*item), deliveries))
        assert {r.status_code for r in results} == {202}
        assert sum(r.json()["duplicate"] for r in results) == 100
        assert post(running.airbase_url, airbase_delivery("wrong")).status_code == 401
    stored = rows(store)
    assert len(stored) == 100
    invoice = next(r for r in stored if r.event_id == "pg-0")
    assert (invoice.entity, invoice.entity_id) == ("AP Invoice", "Invoice/000123")


# ----- secrets stay secret; the CLI entry point -------------------------------------------------
def test_secrets_never_appear_in_logs_errors_or_reprs(receiver, caplog):
    caplog.set_level(logging.DEBUG)
    post(receiver.visma_url, visma_delivery("wrong"))
    post(receiver.airbase_url, airbase_delivery(timestamp=1))
    post(receiver.airbase_url, airbase_delivery(raw=b"{"))
    post(receiver.visma_url, visma_delivery())
    secrets = Secrets([VISMA_SECRET, OLD_VISMA_SECRET])
    texts = [caplog.text, repr(secrets), str(secrets), repr(receiver), repr(split_secrets(AIRBASE_SECRET))]
    for attempt in (
        lambda: verify_visma(b"{}", "AAAA", secrets),
        lambda: verify_airbase(b"{}", "sha256=00", None, Secrets(AIRBASE_SECRET), now=time.time()),
    ):
        with pytest.raises(SignatureError) as caught:
            attempt()
        texts += [str(caught.value), repr(caught.value)]
    assert "401" in caplog.text and "400" in caplog.text
    for blob in texts:
        for secret in ALL_SECRETS:
            assert secret not in blob, blob


def test_signature_helpers_match_the_contract_examples():
    raw = b'{"a":1}'
    assert (
        visma_signature(VISMA_SECRET, raw)
        == base64.b64encode(hmac.new(VISMA_SECRET.encode(), raw, hashlib.sha256).digest()).decode()
    )
    assert (
        airbase_signature(AIRBASE_SECRET, raw, "timestamped", "17")
        == "sha256=" + hmac.new(AIRBASE_SECRET.encode(), b"17." + raw, hashlib.sha256).hexdigest()
    )
    upper = "sha256=" + hmac.new(AIRBASE_SECRET.encode(), raw, hashlib.sha256).hexdigest().upper()
    verify_airbase(raw, upper, None, Secrets(AIRBASE_SECRET), now=0)
    assert len(Secrets(VISMA_SECRET)) == 1  # a lone string is one secret, not its characters
    assert len(split_secrets(" a , ,b,a ")) == 2
    with pytest.raises(EventError):
        parse_visma(b'{"entity": "Supplier", "event": "Created", "id": "1"}', None)
    numeric = {"id": "e", "type": "t", "data": {"object": "o", "airbase_id": 7}}
    assert parse_airbase(json.dumps(numeric).encode()).entity_id == "7"
    with pytest.raises(ValueError, match="mode"):
        verify_airbase(raw, "sha256=00", None, Secrets("s"), mode="header", now=0)


def test_serve_fails_with_one_sentence_without_secrets_or_port(dagster_home, monkeypatch, capsys):
    monkeypatch.chdir(dagster_home)  # no stray .env
    monkeypatch.delenv("VAB_LEDGER_URL", raising=False)
    monkeypatch.delenv("VAB_VISMA_WEBHOOK_SECRET", raising=False)
    monkeypatch.delenv("VAB_AIRBASE_WEBHOOK_SECRET", raising=False)
    assert serve("127.0.0.1", 0) == 2
    missing = capsys.readouterr().err.strip()
    assert missing.count("\n") == 0 and "VAB_VISMA_WEBHOOK_SECRET" in missing and "VAB_AIRBASE" in missing
    monkeypatch.setenv("VAB_VISMA_WEBHOOK_SECRET", VISMA_SECRET)
    monkeypatch.setenv("VAB_AIRBASE_WEBHOOK_SECRET", AIRBASE_SECRET)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        assert serve("127.0.0.1", taken.getsockname()[1]) == 2
    busy = capsys.readouterr().err.strip()
    assert busy.startswith("Could not start the webhook receiver") and busy.count("\n") == 0
    for secret in ALL_SECRETS:
        assert secret not in missing + busy


def test_serve_runs_in_the_foreground_until_interrupted(tmp_path, dagster_home):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "DAGSTER_HOME": str(dagster_home),
        "VAB_LEDGER_URL": f"sqlite:///{tmp_path / 'serve.db'}",
        "VAB_VISMA_WEBHOOK_SECRET": f"{VISMA_SECRET},{OLD_VISMA_SECRET}",
        "VAB_AIRBASE_WEBHOOK_SECRET": AIRBASE_SECRET,
        "VAB_AIRBASE_WEBHOOK_MODE": "timestamped",
    }
    code = (
        "import sys; from visma_airbase_pipeline.webhooks.server import serve; "
        "sys.exit(serve(sys.argv[1], int(sys.argv[2])))"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", code, "127.0.0.1", str(port)],
        cwd=dagster_home,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        banner = process.stdout.readline()
        assert f"http://127.0.0.1:{port}/webhooks/visma" in banner, banner + process.stderr.read()
        base = f"http://127.0.0.1:{port}"
        assert wait_for(lambda: _healthy(base))
        assert post(f"{base}/webhooks/visma", visma_delivery(OLD_VISMA_SECRET)).status_code == 202
        assert post(f"{base}/webhooks/airbase", airbase_delivery(mode="timestamped")).status_code == 202
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, err
    assert "Stopped." in out
    store = LedgerStore(f"sqlite:///{tmp_path / 'serve.db'}")
    try:
        assert len(rows(store)) == 2
    finally:
        store.close()
    for secret in ALL_SECRETS:
        assert secret not in out + err


def _healthy(base: str) -> bool:
    try:
        return requests.get(f"{base}/health", timeout=2).status_code == 200
    except requests.ConnectionError:
        return False


# ----- the real senders: the sandboxes' webhooks delivered to the receiver ------------------------
def _target(sandbox_url: str, url: str | None, secret: str) -> None:
    body = {"url": url, "secret": secret}
    response = requests.post(f"{sandbox_url}/_sandbox/webhooks", json=body, timeout=10)
    assert response.status_code == 200, response.text


def _sandbox_events(sandbox_url: str) -> list[dict[str, Any]]:
    return requests.get(f"{sandbox_url}/_sandbox/webhooks", timeout=10).json()["events"]


@pytest.mark.integration
def test_visma_sandbox_delivers_to_the_receiver(sandboxes, ledger):
    visma = sandboxes.visma_url
    invoices = requests.get(f"{visma}/_sandbox/state/supplierInvoice", timeout=30).json()
    invoice = next(i for i in invoices if i["status"] == "Balanced")
    path = f"{visma}/_sandbox/records/supplierInvoice/{invoice['referenceNumber']}"
    with running_receiver(ledger.engine, SANDBOX_VISMA_SECRET, SANDBOX_AIRBASE_SECRET) as running:
        _target(visma, running.visma_url, SANDBOX_VISMA_SECRET)
        try:
            changed = requests.patch(path, json={"status": "Open"}, timeout=10)
            assert changed.status_code == 200, changed.text
            stored = wait_for(lambda: rows(ledger, "visma"))
        finally:
            _target(visma, None, SANDBOX_VISMA_SECRET)
            requests.patch(path, json={"status": "Balanced"}, timeout=10)
    [event] = stored
    assert (event.event_type, event.entity) == ("AP Invoice.Status Changed", "AP Invoice")
    assert event.entity_id == f"{invoice['documentType']}/{invoice['referenceNumber']}"
    sent = [e for e in _sandbox_events(visma) if e["event_id"] == event.event_id]
    assert sent and sent[0]["body"] == event.payload


@pytest.mark.integration
def test_airbase_sandbox_delivers_to_the_receiver(sandboxes, ledger):
    airbase = sandboxes.airbase_url
    erp_id = f"SI-WH-{uuid.uuid4().hex[:8]}"
    bill = {"erp_reference_id": erp_id, "total_amount": "10.00"}
    created = requests.post(f"{airbase}/_sandbox/records/bills", json=bill, timeout=10)
    assert created.status_code == 201, created.text
    bill_id = created.json()["airbase_id"]
    with running_receiver(ledger.engine, SANDBOX_VISMA_SECRET, SANDBOX_AIRBASE_SECRET) as running:
        _target(airbase, running.airbase_url, SANDBOX_AIRBASE_SECRET)
        try:
            for _ in range(5):  # as many approvers as the sandbox's approval_steps asks for
                decided = requests.post(f"{airbase}/_sandbox/bills/{bill_id}/approve", timeout=10)
                assert decided.status_code == 200, decided.text
                if decided.json()["bill"]["approval_status"] == "approved":
                    break
            stored = wait_for(lambda: len(rows(ledger, "airbase")) >= 2 and rows(ledger, "airbase"))
        finally:
            _target(airbase, None, SANDBOX_AIRBASE_SECRET)
    by_type = {event.event_type: event for event in stored}
    assert set(by_type) == {"bill_approved", "ledger_entry_sync_ready"}
    approved = by_type["bill_approved"]
    assert (approved.entity, approved.entity_id) == ("bill", bill_id)
    assert approved.payload["data"]["erp_reference_id"] == erp_id
    assert by_type["ledger_entry_sync_ready"].entity == "ledger_entry"
    deliveries = requests.get(f"{airbase}/_sandbox/webhooks", timeout=10).json()["deliveries"]
    ours = [d for d in deliveries if d["event_id"] in {e.event_id for e in stored}]
    assert ours and all(d["delivered"] and d["statuses"] == [202] for d in ours)
