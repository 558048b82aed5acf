"""How far each day of a document kind has been read from Visma, so that a window is read again only
from where the last complete read stopped.

A record's ``lastModifiedDateTime`` only moves forward, so a day whose end a complete read has passed
holds nothing new: re-running it (a backfill, the unchanged rerun of a range) reads just the ten
minutes of overlap at the window's end. Today's partition, polled every few minutes, reads the
changes since the last poll instead of the whole day so far. A failed read marks nothing; a ledger
without marks (new, or reset) reads everything, as before.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from visma_airbase_pipeline.ledger import LedgerStore
from visma_airbase_pipeline.sync.context import DELTA_OVERLAP, Window
from visma_airbase_pipeline.sync.report import SyncReport

_DAY = timedelta(days=1)
#: The snapshot kinds read by day (sync/bills.py, sync/purchase_orders.py).
DOCUMENT_KINDS = ("supplier_invoice", "purchase_order", "purchase_receipt")


def _name(kind: str, day: datetime) -> str:
    return f"read/{kind}/{day.date().isoformat()}"


def _days(window: Window) -> list[datetime]:
    days, day = [], window.start
    while day < window.end:
        days.append(day)
        day += _DAY
    return days


def read_since(store: LedgerStore, kind: str, window: Window, report: SyncReport) -> datetime:
    """Where the window's delta read starts: the earliest instant some day of it has not been read
    to, less the overlap (Visma's clock against ours); never before the window's own start less it.
    A read that starts later says so in the report."""
    marks = store.cursors([_name(kind, day) for day in _days(window)])
    earliest = window.end
    for day in _days(window):
        mark = marks.get(_name(kind, day))
        read_to = datetime.fromisoformat(mark) if mark else day
        if read_to < min(day + _DAY, window.end):
            earliest = min(earliest, read_to)
    since = max(earliest - DELTA_OVERLAP, window.pull_since)
    if since > window.pull_since:
        report.notes.append(f"read from {since.isoformat()}: the window was read to there before")
    return since


def mark_read(store: LedgerStore, kind: str, window: Window, started: datetime) -> None:
    """After a complete read that began at ``started``: each day of the window is read up to then
    (a day that ended before it, to its end)."""
    started = started.astimezone(UTC)
    marks = store.cursors([_name(kind, day) for day in _days(window)])
    with store.transaction() as tx:
        for day in _days(window):
            read_to = min(day + _DAY, started)
            previous = marks.get(_name(kind, day))
            if previous is None or datetime.fromisoformat(previous) < read_to:
                tx.set_cursor(_name(kind, day), read_to.isoformat())


def forget_reads(store: LedgerStore, kinds: list[str], window: Window) -> int:
    """Drop the read marks of the window's days, so the next sync reads them from Visma whole (an
    operator who suspects a read missed something); returns how many marks there were."""
    names = [_name(kind, day) for kind in kinds for day in _days(window)]
    with store.transaction() as tx:
        return tx.forget_cursors(names)
