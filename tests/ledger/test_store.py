"""The state store on both backends it supports: SQLite (the default) and a real PostgreSQL."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import text

from visma_airbase_pipeline.ledger import CrosswalkRow, LedgerStore, Transition, default_ledger_url


@pytest.fixture(params=["sqlite", "postgres"])
def store(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'ledger.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    ledger = LedgerStore(url)
    yield ledger
    if request.param == "postgres":
        with ledger.engine.begin() as conn:
            for table in (
                "crosswalk",
                "transitions",
                "quarantine",
                "cursors",
                "snapshots",
                "inbox",
                "payment_journal",
            ):
                conn.execute(text(f"DELETE FROM vab_{table}"))
    ledger.close()


def test_crosswalk_upsert_and_batch_lookup(store):
    with store.transaction() as tx:
        tx.save_crosswalk(
            [CrosswalkRow("bill", f"Invoice/{n:06d}", f"ab-{n}", f"h{n}", etag=f"E{n}") for n in range(1200)]
        )
    with store.transaction() as tx:
        tx.save_crosswalk([CrosswalkRow("bill", "Invoice/000007", "ab-7", "changed", etag="E7b")])
    rows = store.crosswalk("bill", [f"Invoice/{n:06d}" for n in range(1500)])
    assert len(rows) == 1200  # batched IN lookups across chunk boundaries
    assert rows["Invoice/000007"].content_hash == "changed"
    assert rows["Invoice/000007"].etag == "E7b"
    assert rows["Invoice/000007"].updated_at.tzinfo is not None
    assert store.by_airbase_id("bill", "ab-8").visma_id == "Invoice/000008"
    assert store.crosswalk("vendor") == {}


def test_transaction_is_all_or_nothing(store):
    with pytest.raises(RuntimeError), store.transaction() as tx:
        tx.save_crosswalk([CrosswalkRow("vendor", "70001", "v-1", "h")])
        tx.record_transitions([Transition("vendor", "created", visma_id="70001")])
        raise RuntimeError("crash between two writes")
    assert store.crosswalk("vendor") == {}
    assert store.transitions(kind="vendor") == []


def test_transitions_keep_run_partition_and_order(store):
    with store.transaction() as tx:
        tx.record_transitions(
            [
                Transition("bill", "created", visma_id="Invoice/1", run_id="r1", partition="2026-11-01"),
                Transition("bill", "updated", visma_id="Invoice/1", from_state="created", run_id="r2"),
                Transition("bill", "created", visma_id="Invoice/2", run_id="r2"),
            ]
        )
    history = store.transitions(kind="bill", visma_id="Invoice/1")
    assert [t.to_state for t in history] == ["created", "updated"]
    assert history[0].partition == "2026-11-01" and history[0].at.tzinfo is not None
    assert len(store.transitions(run_id="r2")) == 2


def test_quarantine_keeps_payload_counts_attempts_and_resolves(store):
    payload = {"referenceNumber": "000042", "amount": Decimal("1250.10"), "supplier": {"number": "99999"}}
    with store.transaction() as tx:
        tx.quarantine("bill", "Invoice/000042", payload, "Unknown supplier 99999", run_id="r1")
    with store.transaction() as tx:
        tx.quarantine("bill", "Invoice/000042", payload, "Unknown supplier 99999", run_id="r2")
    (item,) = store.quarantined("bill")
    assert item.attempts == 2 and item.run_id == "r2"
    assert item.payload["amount"] == Decimal("1250.10")  # money survives the round trip exactly
    with store.transaction() as tx:
        assert tx.resolve_quarantine("bill", ["Invoice/000042"], replayed=True) == 1
    assert store.quarantined("bill") == []
    (resolved,) = store.quarantined("bill", include_resolved=True)
    assert resolved.resolved_at is not None and resolved.replayed_at is not None


def test_cursors_move(store):
    assert store.cursor("visma/supplier_invoices") is None
    with store.transaction() as tx:
        tx.set_cursor("visma/supplier_invoices", "2026-11-01T10:00:00")
    with store.transaction() as tx:
        tx.set_cursor("visma/supplier_invoices", "2026-11-02T08:00:00")
    assert store.cursor("visma/supplier_invoices") == "2026-11-02T08:00:00"


def test_default_url_lives_in_dagster_home(dagster_home):
    assert default_ledger_url() == f"sqlite:///{dagster_home / 'vab-ledger.db'}"
    store = LedgerStore()
    with store.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    store.close()


def test_snapshots_replace_stream_by_day_and_report_hashes(store):
    from visma_airbase_pipeline.ledger import Snapshot

    with store.transaction() as tx:
        tx.save_snapshots(
            [
                Snapshot(
                    "invoice",
                    f"Invoice/{n:06d}",
                    f"2026-11-0{1 + n % 3}",
                    {"amount": Decimal(f"{n}.50")},
                    f"h{n}",
                )
                for n in range(1100)
            ]
        )
    with store.transaction() as tx:
        tx.save_snapshots(
            [Snapshot("invoice", "Invoice/000001", "2026-11-03", {"amount": Decimal("9.99")}, "new")]
        )
    day_one = list(store.snapshots("invoice", first_day="2026-11-01", last_day="2026-11-01"))
    assert len(day_one) == 367 and all(s.day == "2026-11-01" for s in day_one)
    (changed,) = store.snapshots("invoice", visma_ids=["Invoice/000001"])
    assert changed.payload == {"amount": Decimal("9.99")} and changed.day == "2026-11-03"
    hashes = store.source_hashes("invoice", ["Invoice/000001", "Invoice/000002", "Invoice/999999"])
    assert hashes == {"Invoice/000001": "new", "Invoice/000002": "h2"}


def test_inbox_keeps_each_event_once_and_tracks_processing(store):
    from visma_airbase_pipeline.ledger import inbox

    event = {"source": "visma", "event_type": "AP Invoice.Status Changed", "entity": "AP Invoice"}
    assert inbox.record_event(
        store.engine, event_id="n-1", entity_id="Invoice/000001", payload={"a": 1}, **event
    )
    assert not inbox.record_event(
        store.engine, event_id="n-1", entity_id="Invoice/000001", payload={"a": 1}, **event
    )
    assert inbox.record_event(
        store.engine, event_id="n-2", entity_id="Invoice/000002", payload={"a": 2}, **event
    )
    pending = inbox.pending_events(store.engine, "visma")
    assert [e.event_id for e in pending] == ["n-1", "n-2"] and pending[0].payload == {"a": 1}
    assert inbox.pending_events(store.engine, "visma", after_id=pending[0].id)[0].event_id == "n-2"
    assert inbox.mark_processed(store.engine, [pending[0].id], "run-1") == 1
    assert [e.event_id for e in inbox.pending_events(store.engine, "visma")] == ["n-2"]
    assert inbox.pending_events(store.engine, "airbase") == []
