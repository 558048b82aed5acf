"""Refused webhook deliveries are kept in the ledger quarantine (kind ``webhook``) with their reason,
shown redacted by ``vab quarantine``, and replayed through the same checks once the cause is fixed:
a replay re-verifies against the secrets configured now and is idempotent."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from test_webhook_receiver import (
    AIRBASE_SECRET,
    OLD_AIRBASE_SECRET,
    VISMA_SECRET,
    _without,
    airbase_delivery,
    post,
    rows,
    visma_delivery,
)

from visma_airbase_pipeline import cli
from visma_airbase_pipeline.ledger.store import LedgerStore, QuarantineItem
from visma_airbase_pipeline.sync.context import RunContext
from visma_airbase_pipeline.sync.replay import WebhookKeys, replay_webhook
from visma_airbase_pipeline.webhooks.rejections import KIND, body_of
from visma_airbase_pipeline.webhooks.server import running_receiver, split_secrets


@pytest.fixture
def home_ledger(dagster_home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[LedgerStore]:
    """The default ledger in DAGSTER_HOME (the one `vab quarantine` opens), with no secrets set."""
    for name in ("VAB_VISMA_WEBHOOK_SECRET", "VAB_AIRBASE_WEBHOOK_SECRET", "VAB_LEDGER_URL"):
        monkeypatch.delenv(name, raising=False)
    store = LedgerStore()
    yield store
    store.close()


def _kept(store: LedgerStore) -> list[QuarantineItem]:
    return store.quarantined(KIND, include_resolved=True)


BAD = {
    # name: (source, delivery, status, words in the kept reason)
    "visma-wrong-secret": ("visma", lambda: visma_delivery("not-the-secret"), 401, "does not match"),
    "visma-unsigned": ("visma", lambda: _without(visma_delivery(), "x-vwd-signature-v1"), 401, "missing"),
    "airbase-stale": (
        "airbase",
        lambda: airbase_delivery(timestamp=int(time.time()) - 3600),
        401,
        "stale or replayed",
    ),
    "visma-not-json": ("visma", lambda: visma_delivery(raw=b'{"entity": '), 400, "not valid JSON"),
    "visma-not-utf8": ("visma", lambda: visma_delivery(raw=b"\xff\xfe\x00 junk"), 400, "not valid JSON"),
    "airbase-missing-data": (
        "airbase",
        lambda: airbase_delivery(raw=b'{"id": "evt_X", "type": "bill_paid"}'),
        400,
        "'data'",
    ),
    "airbase-injection": (
        "airbase",
        lambda: airbase_delivery(
            raw=json.dumps(
                {"id": "'; DROP TABLE vab_quarantine; --", "type": "<script>", "data": []}
            ).encode()
        ),
        400,
        "'data'",
    ),
}


@pytest.mark.parametrize("case", list(BAD))
def test_each_refused_delivery_is_answered_and_kept_once(case, home_ledger):
    source, make, status, words = BAD[case]
    delivery = make()
    with running_receiver(home_ledger.engine, VISMA_SECRET, AIRBASE_SECRET) as running:
        url = running.visma_url if source == "visma" else running.airbase_url
        answers = [post(url, delivery) for _ in range(3)]  # the sender retries the same junk
    assert [a.status_code for a in answers] == [status] * 3
    assert all(a.json()["detail"] for a in answers)
    assert rows(home_ledger) == []  # nothing reached the inbox
    (item,) = _kept(home_ledger)
    assert item.attempts == 3 and item.resolved_at is None
    assert item.record_key.startswith(f"{source}:") and len(item.record_key) == len(source) + 65
    assert item.error.startswith(str(status)) and words in item.error
    kept = item.payload
    assert kept["source"] == source and kept["status"] == status and kept["size"] == len(delivery[0])
    assert kept["received_at"] and kept["peer"] == "127.0.0.1"
    assert body_of(kept) == delivery[0]
    signature = "x-vwd-signature-v1" if source == "visma" else "x-airbase-signature"
    assert kept["headers"].get(signature) == {k.lower(): v for k, v in delivery[1].items()}.get(signature)


def test_over_cap_bodies_are_recorded_without_the_body(home_ledger):
    with running_receiver(home_ledger.engine, VISMA_SECRET, AIRBASE_SECRET, max_body=1024) as running:
        for size in (2000, 5000):
            assert post(running.airbase_url, airbase_delivery(raw=b" " * size)).status_code == 413
    (item,) = _kept(home_ledger)
    assert item.record_key == "airbase:over-cap" and item.attempts == 2
    assert item.payload["body"] is None and item.payload["size"] == 5000
    assert "5000 bytes" in item.error and "1024-byte cap" in item.error


def test_a_broken_ledger_does_not_change_the_answer(home_ledger, caplog):
    with home_ledger.engine.begin() as conn:
        conn.execute(text("DROP TABLE vab_quarantine"))
    caplog.set_level(logging.ERROR)
    with running_receiver(home_ledger.engine, VISMA_SECRET, None) as running:
        assert post(running.visma_url, visma_delivery("wrong")).status_code == 401
        assert post(running.visma_url, visma_delivery(raw=b"[")).status_code == 400
        assert post(running.airbase_url, airbase_delivery()).status_code == 503
    assert "rejection (401) not kept: OperationalError" in caplog.text


def test_show_redacts_signatures_and_nothing_prints_a_secret(home_ledger, capsys, caplog):
    caplog.set_level(logging.DEBUG)
    raw, headers = airbase_delivery(OLD_AIRBASE_SECRET)
    with running_receiver(home_ledger.engine, VISMA_SECRET, AIRBASE_SECRET) as running:
        assert post(running.airbase_url, (raw, headers)).status_code == 401
    (item,) = _kept(home_ledger)
    assert cli.main(["quarantine", "list", "--kind", KIND]) == 0
    listing = capsys.readouterr().out
    assert item.record_key in listing and "does not match" in listing
    assert cli.main(["quarantine", "show", str(item.id)]) == 0
    printed = capsys.readouterr().out
    shown = json.loads(printed)
    signature = headers["X-Airbase-Signature"]
    assert shown["payload"]["headers"]["x-airbase-signature"] == f"<present, {len(signature)} characters>"
    assert shown["payload"]["body"] == raw.decode()
    for secret_or_signature in (signature, AIRBASE_SECRET, OLD_AIRBASE_SECRET, VISMA_SECRET):
        assert secret_or_signature not in printed and secret_or_signature not in caplog.text
        assert secret_or_signature not in item.error


def test_replay_after_the_secret_is_configured_goes_in_once(home_ledger, monkeypatch, capsys):
    delivery = visma_delivery(VISMA_SECRET, notification_id="n-before-config")
    with running_receiver(home_ledger.engine, None, AIRBASE_SECRET) as running:
        assert post(running.visma_url, delivery).status_code == 503  # the sender's retry case
    (item,) = _kept(home_ledger)
    assert item.error == "503 Not Configured: no visma webhook secret is configured"

    # Still no secret: the replay refuses, keeps the item and counts the attempt.
    assert cli.main(["quarantine", "replay", str(item.id)]) == 1
    assert "still refused: no visma webhook secret is configured" in capsys.readouterr().out
    # A wrong secret configured: still refused, for the new reason.
    monkeypatch.setenv("VAB_VISMA_WEBHOOK_SECRET", "a-mistyped-secret")
    assert cli.main(["quarantine", "replay", "--all"]) == 1
    assert "signature does not match" in capsys.readouterr().out
    (item,) = _kept(home_ledger)
    assert item.attempts == 3 and "does not match" in item.error and rows(home_ledger) == []

    # The right secret (during a rotation, among others): the event goes into the inbox.
    monkeypatch.setenv("VAB_VISMA_WEBHOOK_SECRET", f"next-secret,{VISMA_SECRET}")
    assert cli.main(["quarantine", "replay", str(item.id)]) == 0
    out = capsys.readouterr().out
    assert "visma event n-before-config (AP Invoice.Status Changed) went into the inbox" in out
    (event,) = rows(home_ledger)
    assert (event.event_id, event.entity_id, event.processed_at) == (
        "n-before-config",
        "Invoice/000123",
        None,
    )
    (item,) = _kept(home_ledger)
    assert item.resolved_at is not None and item.replayed_at is not None

    # Twice changes nothing.
    assert cli.main(["quarantine", "replay", str(item.id)]) == 0
    assert "already resolved" in capsys.readouterr().out
    assert cli.main(["quarantine", "replay", "--all"]) == 0
    assert "No open quarantine items to replay." in capsys.readouterr().out
    assert len(rows(home_ledger)) == 1 and len(_kept(home_ledger)) == 1
    for secret in (VISMA_SECRET, "a-mistyped-secret"):
        assert secret not in out


def test_replay_judges_freshness_at_arrival_and_dedupes_with_the_inbox(home_ledger):
    ctx = RunContext(run_id="replay-test")
    keys = WebhookKeys({"airbase": split_secrets(f"{AIRBASE_SECRET},{OLD_AIRBASE_SECRET}")})
    signed_fresh = airbase_delivery(OLD_AIRBASE_SECRET, event_id="evt_FRESH")
    stale_on_arrival = airbase_delivery(
        OLD_AIRBASE_SECRET, event_id="evt_STALE", timestamp=int(time.time()) - 900
    )
    with running_receiver(home_ledger.engine, VISMA_SECRET, AIRBASE_SECRET) as running:
        # The old secret was dropped too early: both refused.
        assert post(running.airbase_url, signed_fresh).status_code == 401
        assert post(running.airbase_url, stale_on_arrival).status_code == 401
    fresh, stale = _kept(home_ledger)

    # However late the replay, the timestamp is judged against the arrival time.
    outcome = replay_webhook(fresh, home_ledger, ctx, keys)
    assert outcome.resolved and "evt_FRESH" in outcome.message
    outcome = replay_webhook(stale, home_ledger, ctx, keys)
    assert not outcome.resolved and "stale or replayed" in outcome.message and outcome.attempts == 2
    assert [e.event_id for e in rows(home_ledger)] == ["evt_FRESH"]

    # The sender redelivers the fresh one after all: the replay of a copy is a no-op in the inbox.
    with running_receiver(home_ledger.engine, VISMA_SECRET, keys.secrets["airbase"]) as running:
        again = airbase_delivery(OLD_AIRBASE_SECRET, event_id="evt_LATE")
        assert post(running.airbase_url, again).status_code == 202
    raw, headers = again
    with running_receiver(home_ledger.engine, VISMA_SECRET, "rotated-away") as running:
        assert post(running.airbase_url, (raw, headers)).status_code == 401
    late = next(i for i in _kept(home_ledger) if i.resolved_at is None and i.id not in (fresh.id, stale.id))
    outcome = replay_webhook(late, home_ledger, ctx, keys)
    assert outcome.resolved and "was already in the inbox" in outcome.message
    assert [e.event_id for e in rows(home_ledger)] == ["evt_FRESH", "evt_LATE"]


def test_postgres_keeps_refused_deliveries_with_nul_bytes(postgres_url):
    store = LedgerStore(postgres_url)
    try:
        raw = b'{"id": "evt_NUL\\u0000", "note": "\x00 NUL in UTF-8", "type": "bill_paid"}'
        with running_receiver(store.engine, VISMA_SECRET, AIRBASE_SECRET) as running:
            assert post(running.airbase_url, airbase_delivery("wrong", raw=raw)).status_code == 401
            assert post(running.airbase_url, airbase_delivery(raw=raw)).status_code == 400
        kept = [i for i in _kept(store) if body_of(i.payload) == raw]
        assert len(kept) == 1 and kept[0].attempts == 2 and kept[0].error.startswith("400")
    finally:
        with store.engine.begin() as conn:
            conn.execute(text("DELETE FROM vab_quarantine WHERE kind = 'webhook'"))
        store.close()
