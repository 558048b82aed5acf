"""What one sync step did, in numbers a finance team can audit; becomes materialization metadata."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from visma_airbase_pipeline.ledger import Transition

#: How many transitions the metadata table shows; the full list is in the ledger.
TRANSITIONS_SHOWN = 50


class TransitionLog:
    """The first transitions of a step (what its metadata shows) and how many there were: a
    backfill of 100,000 records must not hold 100,000 transitions in memory; the ledger has all."""

    def __init__(self) -> None:
        self.first: list[Transition] = []
        self.count = 0

    def append(self, transition: Transition) -> None:
        """Count one; keep it if it is among the first shown."""
        self.count += 1
        if len(self.first) < TRANSITIONS_SHOWN:
            self.first.append(transition)

    def extend(self, transitions: Iterable[Transition]) -> None:
        """Count and keep several (another step's log adds its whole count)."""
        if isinstance(transitions, TransitionLog):
            room = TRANSITIONS_SHOWN - len(self.first)
            self.first.extend(transitions.first[: max(room, 0)])
            self.count += transitions.count
            return
        for transition in transitions:
            self.append(transition)

    def __len__(self) -> int:
        return self.count

    def __iter__(self) -> Iterator[Transition]:
        return iter(self.first)


@dataclass
class SyncReport:
    """Counts, sums and transitions of one step."""

    step: str
    window: str | None = None
    read: int = 0
    changed: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    linked: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    quarantined: dict[str, str] = field(default_factory=dict)
    conflicts: list[str] = field(default_factory=list)
    #: Records per stage reached (payments: posted, released, acknowledged, failed).
    stages: Counter[str] = field(default_factory=Counter)
    source_sums: dict[str, Decimal] = field(default_factory=dict)
    target_sums: dict[str, Decimal] = field(default_factory=dict)
    transitions: TransitionLog = field(default_factory=TransitionLog)
    api: dict[str, dict[str, Any]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def writes(self) -> int:
        """Records written to the target system."""
        return self.created + self.updated + self.linked

    def add_sum(self, which: dict[str, Decimal], currency: str, amount: Decimal) -> None:
        """Add an amount to a per-currency sum (source or target side)."""
        which[currency] = which.get(currency, Decimal(0)) + amount

    def transitions_markdown(self) -> str:
        """The first transitions as a markdown table."""
        rows = ["| record | from | to | reason |", "|---|---|---|---|"]
        for t in self.transitions:
            record = t.visma_id or t.airbase_id or ""
            reason = (t.reason or "").replace("|", "/")
            rows.append(f"| {t.kind} {record} | {t.from_state or ''} | {t.to_state} | {reason} |")
        if len(self.transitions) > TRANSITIONS_SHOWN:
            rows.append(f"| … {len(self.transitions) - TRANSITIONS_SHOWN} more in the ledger | | | |")
        return "\n".join(rows)

    def summary(self) -> dict[str, Any]:
        """Plain values for metadata, logs and the CLI (no Dagster types)."""
        return {
            "window": self.window,
            "read": self.read,
            "changed": self.changed,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "linked": self.linked,
            "skipped": sum(self.skipped.values()),
            "skipped_reasons": dict(self.skipped),
            "quarantined": len(self.quarantined),
            "quarantined_records": dict(list(self.quarantined.items())[:TRANSITIONS_SHOWN]),
            "conflicts": list(self.conflicts),
            "stages": dict(self.stages),
            "source_sums": {c: f"{v:f}" for c, v in sorted(self.source_sums.items())},
            "target_sums": {c: f"{v:f}" for c, v in sorted(self.target_sums.items())},
            "transitions": len(self.transitions),
            "api": self.api,
            "notes": list(self.notes),
        }
