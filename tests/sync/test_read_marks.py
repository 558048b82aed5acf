"""Read marks: a window is read again only from where the last complete read of its days stopped."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from visma_airbase_pipeline.ledger import LedgerStore
from visma_airbase_pipeline.sync.bills import INVOICE
from visma_airbase_pipeline.sync.context import DELTA_OVERLAP, Window
from visma_airbase_pipeline.sync.purchase_orders import ORDER, RECEIPT
from visma_airbase_pipeline.sync.read_marks import DOCUMENT_KINDS, forget_reads, mark_read, read_since
from visma_airbase_pipeline.sync.report import SyncReport

KIND = "supplier_invoice"


def _store(tmp_path) -> LedgerStore:
    return LedgerStore(f"sqlite:///{tmp_path / 'ledger.db'}")


def test_a_window_never_read_is_read_whole(tmp_path):
    window = Window.days(date(2026, 11, 1), date(2026, 11, 7))
    report = SyncReport("visma/supplier_invoices")
    assert read_since(_store(tmp_path), KIND, window, report) == window.pull_since
    assert report.notes == []


def test_days_read_past_their_end_are_not_read_again(tmp_path):
    store = _store(tmp_path)
    week = Window.days(date(2026, 11, 1), date(2026, 11, 7))
    mark_read(store, KIND, week, started=datetime(2026, 11, 20, 9, 0, tzinfo=UTC))
    report = SyncReport("visma/supplier_invoices")
    # Every day of the week is complete: only the overlap before the window's end is read.
    assert read_since(store, KIND, week, report) == week.end - DELTA_OVERLAP
    assert report.notes and report.notes[0].startswith("read from 2026-11-07T23:50:00")
    # A wider window that takes in an unread day starts at that day.
    wider = Window.days(date(2026, 11, 1), date(2026, 11, 8))
    assert (
        read_since(store, KIND, wider, SyncReport("x")) == datetime(2026, 11, 8, tzinfo=UTC) - DELTA_OVERLAP
    )
    # Another kind has its own marks.
    assert read_since(store, "purchase_order", week, SyncReport("x")) == week.pull_since


def test_today_is_read_from_the_last_poll(tmp_path):
    store = _store(tmp_path)
    today = Window.days(date(2026, 11, 25))
    poll = datetime(2026, 11, 25, 10, 15, tzinfo=UTC)
    mark_read(store, KIND, today, started=poll)
    assert read_since(store, KIND, today, SyncReport("x")) == poll - DELTA_OVERLAP
    later = poll + timedelta(minutes=15)
    mark_read(store, KIND, today, started=later)
    assert read_since(store, KIND, today, SyncReport("x")) == later - DELTA_OVERLAP
    # A mark never moves back (an older, slower run finishing last).
    mark_read(store, KIND, today, started=poll)
    assert read_since(store, KIND, today, SyncReport("x")) == later - DELTA_OVERLAP


def test_forgotten_days_are_read_whole_again(tmp_path):
    store = _store(tmp_path)
    week = Window.days(date(2026, 11, 1), date(2026, 11, 7))
    for kind in DOCUMENT_KINDS:
        mark_read(store, kind, week, started=datetime(2026, 11, 20, tzinfo=UTC))
    assert forget_reads(store, list(DOCUMENT_KINDS), Window.days(date(2026, 11, 3))) == 3
    assert read_since(store, KIND, week, SyncReport("x")) == datetime(2026, 11, 3, tzinfo=UTC) - DELTA_OVERLAP


def test_the_kinds_are_the_ones_the_pulls_mark():
    assert DOCUMENT_KINDS == (INVOICE, ORDER, RECEIPT)
