"""Read Visma records and keep the changed ones as snapshots for the steps that write them on."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel

from visma_airbase_pipeline.ledger import LedgerStore, Snapshot, Transition
from visma_airbase_pipeline.mapping import content_hash
from visma_airbase_pipeline.sync.context import RunContext
from visma_airbase_pipeline.sync.push import quarantine
from visma_airbase_pipeline.sync.report import SyncReport

M = TypeVar("M", bound=BaseModel)

_BATCH = 1000
#: The ledger's id columns (schema.py): a longer id cannot be a snapshot key.
_MAX_ID = 120
#: Fields that move without a visible change (Visma touches records in background processes).
_VOLATILE = ("timeStamp", "lastModifiedDateTime", "metadata", "errorInfo")


def record_payload(record: BaseModel) -> dict[str, Any]:
    """The read-shape dict of a Visma model, as it is kept in a snapshot."""
    return record.model_dump(by_alias=True, exclude_none=True, mode="python")


def source_hash(payload: dict[str, Any]) -> str:
    """The hash of what a person could see changed (volatile fields left out)."""
    return content_hash({k: v for k, v in payload.items() if k not in _VOLATILE})


class Unreadable:
    """Collects the records a read left out because they do not fit their model (see
    ``VismaBase.OnUnreadable``), so that :func:`pull` keeps them as read: the step that maps them
    then quarantines each with the reason, instead of the whole read failing or the record vanishing."""

    def __init__(self, key: Callable[[dict[str, Any]], str | None]) -> None:
        self.key = key
        self.raws: list[dict[str, Any]] = []

    def __call__(self, raw: dict[str, Any], _error: Exception) -> None:
        self.raws.append(raw)


def pull(
    kind: str,
    records: Iterable[M],
    key: Callable[[M], str | None],
    store: LedgerStore,
    ctx: RunContext,
    report: SyncReport,
    *,
    floor_day: str | None = None,
    unreadable: Unreadable | None = None,
) -> str | None:
    """Snapshot new and changed records; returns the newest ``lastModifiedDateTime`` seen.

    A record's day is the day of its last change, but never before ``floor_day`` (records read in
    the overlap before a partition belong to that partition's run, so none is left behind). Records
    the read could not parse (``unreadable``) are snapshotted as read, nulls left out; one without a
    usable id is quarantined here under a hash of its content.
    """
    newest: str | None = None
    batch: dict[str, tuple[dict[str, Any], str]] = {}

    def flush() -> None:
        known = store.source_hashes(kind, batch.keys())
        changed: list[Snapshot] = []
        transitions: list[Transition] = []
        for visma_id, (payload, digest) in batch.items():
            if known.get(visma_id) == digest:
                continue
            modified = payload.get("lastModifiedDateTime")
            day = str(modified)[:10] if modified else (floor_day or datetime.now().date().isoformat())
            if floor_day and day < floor_day:
                day = floor_day
            changed.append(Snapshot(kind, visma_id, day, payload, digest, modified, ctx.run_id))
            transitions.append(
                Transition(
                    kind,
                    "pulled",
                    visma_id=visma_id,
                    from_state="pulled" if visma_id in known else None,
                    run_id=ctx.run_id,
                    partition=ctx.partition,
                    reason="changed in Visma" if visma_id in known else "new in Visma",
                    old_hash=known.get(visma_id),
                    new_hash=digest,
                )
            )
        if changed:
            with store.transaction() as tx:
                tx.save_snapshots(changed)
                tx.record_transitions(transitions)
        report.changed += len(changed)
        report.unchanged += len(batch) - len(changed)
        report.transitions.extend(transitions)
        batch.clear()

    def add(visma_id: str | None, payload: dict[str, Any]) -> None:
        nonlocal newest
        report.read += 1
        if not visma_id:
            report.skipped["no id"] += 1
            return
        if len(visma_id) > _MAX_ID:
            digest = content_hash(payload)
            reason = f"its id is longer than {_MAX_ID} characters: {visma_id[:40]}…"
            quarantine(kind, f"long-id:{digest}", payload, reason, store, ctx, report)
            return
        modified = payload.get("lastModifiedDateTime")
        if modified and (newest is None or str(modified) > newest):
            newest = str(modified)
        batch[visma_id] = (payload, source_hash(payload))
        if len(batch) >= _BATCH:
            flush()

    for record in records:
        add(key(record), record_payload(record))
    for raw in unreadable.raws if unreadable else []:
        payload = {k: v for k, v in raw.items() if v is not None}
        visma_id = unreadable.key(raw) if unreadable else None
        if visma_id:
            add(visma_id, payload)
        else:
            reason = "Visma sent a record that cannot be read and has no usable id"
            quarantine(kind, f"no-id:{content_hash(payload)}", payload, reason, store, ctx, report)
            report.read += 1
    if batch:
        flush()
    return newest
