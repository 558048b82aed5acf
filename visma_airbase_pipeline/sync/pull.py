"""Read Visma records and keep the changed ones as snapshots for the steps that write them on."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel

from visma_airbase_pipeline.ledger import LedgerStore, Snapshot, Transition
from visma_airbase_pipeline.mapping import content_hash
from visma_airbase_pipeline.sync.context import RunContext
from visma_airbase_pipeline.sync.report import SyncReport

M = TypeVar("M", bound=BaseModel)

_BATCH = 1000
#: Fields that move without a visible change (Visma touches records in background processes).
_VOLATILE = ("timeStamp", "lastModifiedDateTime", "metadata", "errorInfo")


def record_payload(record: BaseModel) -> dict[str, Any]:
    """The read-shape dict of a Visma model, as it is kept in a snapshot."""
    return record.model_dump(by_alias=True, exclude_none=True, mode="python")


def source_hash(payload: dict[str, Any]) -> str:
    """The hash of what a person could see changed (volatile fields left out)."""
    return content_hash({k: v for k, v in payload.items() if k not in _VOLATILE})


def pull(
    kind: str,
    records: Iterable[M],
    key: Callable[[M], str | None],
    store: LedgerStore,
    ctx: RunContext,
    report: SyncReport,
    *,
    floor_day: str | None = None,
) -> str | None:
    """Snapshot new and changed records; returns the newest ``lastModifiedDateTime`` seen.

    A record's day is the day of its last change, but never before ``floor_day`` (records read in
    the overlap before a partition belong to that partition's run, so none is left behind).
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

    for record in records:
        visma_id = key(record)
        report.read += 1
        if not visma_id:
            report.skipped["no id"] += 1
            continue
        payload = record_payload(record)
        modified = payload.get("lastModifiedDateTime")
        if modified and (newest is None or str(modified) > newest):
            newest = str(modified)
        batch[visma_id] = (payload, source_hash(payload))
        if len(batch) >= _BATCH:
            flush()
    if batch:
        flush()
    return newest
