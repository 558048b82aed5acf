"""Write mapped records to Airbase: only what changed, in bulk, with the ledger kept in step.

A record's payload is hashed; when the hash equals the one last written, nothing is sent. Changed
records go out 100 to a bulk upsert (replay-safe); each answer is booked in one ledger transaction:
crosswalk + transitions for what was stored, quarantine for what Airbase refused.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from visma_airbase_pipeline.airbase.bulk import BulkUpsertResult
from visma_airbase_pipeline.ledger import CrosswalkRow, LedgerStore, Transition
from visma_airbase_pipeline.mapping import content_hash
from visma_airbase_pipeline.sync.context import RunContext
from visma_airbase_pipeline.sync.report import SyncReport

BULK_SIZE = 100

#: Sends one chunk of items to a bulk-upsert endpoint.
BulkUpsert = Callable[[Sequence[dict[str, Any]]], BulkUpsertResult]


@dataclass
class Candidate:
    """A mapped record ready to be written: its Visma id, the payload, and what it came from."""

    visma_id: str
    payload: dict[str, Any]
    source_modified: str | None = None
    source: Any = None
    force: bool = False


#: A candidate to send, its payload hash, and its crosswalk row so far.
Entry = tuple[Candidate, str, CrosswalkRow | None]


def quarantine(
    kind: str,
    visma_id: str,
    payload: Any,
    reason: str,
    store: LedgerStore,
    ctx: RunContext,
    report: SyncReport,
) -> None:
    """Keep a record that cannot be written, with the reason, and count it (nothing half-written)."""
    with store.transaction() as tx:
        tx.quarantine(kind, visma_id, payload, reason, run_id=ctx.run_id, partition=ctx.partition)
        transition = Transition(
            kind, "quarantined", visma_id=visma_id, run_id=ctx.run_id, partition=ctx.partition, reason=reason
        )
        tx.record_transitions([transition])
    report.quarantined[visma_id] = reason
    report.transitions.append(transition)


class PushPipeline:
    """Keeps one bulk upsert in flight while the caller maps and hashes the next records, so that
    Airbase's work on a chunk and ours on the next overlap (the API answers on its own core, or
    across the network). Answers are booked in order, in the caller's thread. The client is used by
    one thread at a time: call :meth:`settle` before using it for anything else."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="vab-push")
        self._pending: tuple[Future[BulkUpsertResult], Callable[[BulkUpsertResult], None]] | None = None

    def send(
        self,
        upsert: BulkUpsert,
        payloads: list[dict[str, Any]],
        book: Callable[[BulkUpsertResult], None],
    ) -> None:
        """Book the chunk in flight, then start this one."""
        self.settle()
        self._pending = (self._pool.submit(upsert, payloads), book)

    def settle(self) -> None:
        """Wait for the chunk in flight (if any) and book its answer; its error is raised here."""
        pending, self._pending = self._pending, None
        if pending is not None:
            future, book = pending
            book(future.result())

    def __enter__(self) -> PushPipeline:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            if exc is None:
                self.settle()
            else:  # what Airbase stored is still booked; the first error is the one reported
                with contextlib.suppress(Exception):
                    self.settle()
        finally:
            self._pool.shutdown(wait=True)


def _reasons(errors: dict[str, list[str]]) -> str:
    return "; ".join(f"{name}: {' '.join(messages)}" for name, messages in sorted(errors.items()))


def push(
    kind: str,
    candidates: Sequence[Candidate],
    upsert: BulkUpsert,
    store: LedgerStore,
    ctx: RunContext,
    report: SyncReport,
    *,
    on_in_airbase: Callable[[Candidate], None] | None = None,
    pipeline: PushPipeline | None = None,
) -> None:
    """Upsert the changed candidates and book every outcome in the ledger. ``on_in_airbase`` hears
    of each candidate Airbase holds afterwards (written now, or unchanged since it was written);
    with a ``pipeline`` the last chunk may still be in flight on return."""
    existing = store.crosswalk(kind, [c.visma_id for c in candidates])
    pending: list[Entry] = []
    for candidate in candidates:
        digest = content_hash(candidate.payload)
        row = existing.get(candidate.visma_id)
        if row and row.airbase_id and row.content_hash == digest and not candidate.force:
            report.unchanged += 1
            if on_in_airbase:
                on_in_airbase(candidate)
            continue
        pending.append((candidate, digest, row))
    for start in range(0, len(pending), BULK_SIZE):
        chunk = pending[start : start + BULK_SIZE]
        payloads = [c.payload for c, _, _ in chunk]

        def book(result: BulkUpsertResult, chunk: list[Entry] = chunk) -> None:
            _book(kind, chunk, result, store, ctx, report, on_in_airbase)

        if pipeline is None:
            book(upsert(payloads))
        else:
            pipeline.send(upsert, payloads, book)


def _book(
    kind: str,
    chunk: list[Entry],
    result: BulkUpsertResult,
    store: LedgerStore,
    ctx: RunContext,
    report: SyncReport,
    on_in_airbase: Callable[[Candidate], None] | None,
) -> None:
    stored = {item.index: (item, "created") for item in result.created if item.index is not None}
    stored.update({item.index: (item, "updated") for item in result.updated if item.index is not None})
    errors = result.errors_by_index()
    rows: list[CrosswalkRow] = []
    transitions: list[Transition] = []
    resolved: list[str] = []
    with store.transaction() as tx:
        for index, (candidate, digest, previous) in enumerate(chunk):
            if index in stored:
                item, outcome = stored[index]
                airbase_id = item.airbase_id or (previous.airbase_id if previous else None)
                rows.append(
                    CrosswalkRow(
                        kind,
                        candidate.visma_id,
                        airbase_id,
                        digest,
                        source_modified=candidate.source_modified,
                    )
                )
                state = "created" if previous is None or not previous.airbase_id else "updated"
                transitions.append(
                    Transition(
                        kind,
                        visma_id=candidate.visma_id,
                        run_id=ctx.run_id,
                        partition=ctx.partition,
                        airbase_id=airbase_id,
                        from_state=previous.state if previous else None,
                        to_state=state,
                        reason=f"Airbase {outcome}",
                        old_hash=previous.content_hash if previous else None,
                        new_hash=digest,
                    )
                )
                resolved.append(candidate.visma_id)
                if state == "created":
                    report.created += 1
                else:
                    report.updated += 1
                if on_in_airbase:
                    on_in_airbase(candidate)
            else:
                reason = (
                    f"Airbase rejected it: {_reasons(errors[index])}"
                    if index in errors
                    else "Airbase neither stored nor rejected it"
                )
                tx.quarantine(
                    kind,
                    candidate.visma_id,
                    candidate.payload,
                    reason,
                    run_id=ctx.run_id,
                    partition=ctx.partition,
                )
                transitions.append(
                    Transition(
                        kind,
                        "quarantined",
                        visma_id=candidate.visma_id,
                        run_id=ctx.run_id,
                        partition=ctx.partition,
                        reason=reason,
                    )
                )
                report.quarantined[candidate.visma_id] = reason
        tx.save_crosswalk(rows)
        tx.record_transitions(transitions)
        tx.resolve_quarantine(kind, resolved)
    report.transitions.extend(transitions)
