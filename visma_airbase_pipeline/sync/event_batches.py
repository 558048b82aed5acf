"""Turn pending webhook events into run plans: which job, which documents, which events it settles."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from visma_airbase_pipeline.ledger.inbox import InboxEvent

#: Airbase event types that move the payment queue, and those that touch master data.
PAYMENT_EVENTS = frozenset(
    {
        "bill_approved",
        "bill_denied",
        "bill_sent_back",
        "bill_paid",
        "payment_failed",
        "ledger_entry_sync_ready",
    }
)
REFERENCE_EVENTS = frozenset({"vendor_created"})


@dataclass(frozen=True)
class Batch:
    """One run to request: its job, the events it settles, and the documents to fetch (None: delta)."""

    job: str
    event_ids: tuple[int, ...]
    newest_event_id: str
    documents: tuple[str, ...] | None = None


def compress_ids(ids: Iterable[int]) -> str:
    """``1,2,3,7,9,10`` -> ``1-3,7,9-10``: a short run tag even for a large batch."""
    ordered = sorted(set(ids))
    parts: list[str] = []
    start = prev = None
    for value in ordered:
        if start is None:
            start = prev = value
        elif prev is not None and value == prev + 1:
            prev = value
        else:
            parts.append(f"{start}-{prev}" if start != prev else str(start))
            start = prev = value
    if start is not None:
        parts.append(f"{start}-{prev}" if start != prev else str(start))
    return ",".join(parts)


def expand_ids(text: str) -> list[int]:
    """The inverse of :func:`compress_ids`."""
    ids: list[int] = []
    for part in filter(None, text.split(",")):
        first, _, last = part.partition("-")
        ids.extend(range(int(first), int(last or first) + 1))
    return ids


def plan_visma(events: list[InboxEvent], max_documents: int) -> Batch | None:
    """One run for all pending Visma events: just the named invoices when that is all they are and
    there are few; otherwise today's delta (suppliers, orders and accounts changed too)."""
    if not events:
        return None
    newest = max(events, key=lambda e: e.id)
    invoices = sorted({e.entity_id for e in events if e.entity == "AP Invoice" and e.entity_id})
    only_invoices = all(e.entity == "AP Invoice" for e in events)
    documents = tuple(invoices) if only_invoices and 0 < len(invoices) <= max_documents else None
    return Batch("webhook_documents", tuple(e.id for e in events), newest.event_id, documents)


def plan_airbase(events: list[InboxEvent]) -> list[Batch]:
    """A payments run for approval and payment events, a reference run for new vendors."""
    batches = []
    for job, types in (("payments", PAYMENT_EVENTS), ("reference_sync", REFERENCE_EVENTS)):
        chosen = [e for e in events if e.event_type in types]
        if chosen:
            newest = max(chosen, key=lambda e: e.id)
            batches.append(Batch(job, tuple(e.id for e in chosen), newest.event_id))
    others = [e for e in events if e.event_type not in PAYMENT_EVENTS | REFERENCE_EVENTS]
    if others:
        # Nothing to run for them (the poller covers the rest); settle them with the payments run.
        newest = max(others, key=lambda e: e.id)
        batches.append(Batch("payments", tuple(e.id for e in others), newest.event_id))
    return batches
