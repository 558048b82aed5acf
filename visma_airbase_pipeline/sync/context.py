"""Who is running a sync step, over which window: what every ledger row is stamped with."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from visma_airbase_pipeline.mapping.reference import Company

#: Partition D pulls [D - overlap, D + 1): Visma's naive timestamps and clock skew make the edge fuzzy.
DELTA_OVERLAP = timedelta(minutes=10)
#: Attempts at a Visma create that is not idempotent when its answer is lost (5xx, timeout): the
#: record is looked up again before each further attempt, never posted blind.
CREATE_ATTEMPTS = 3


@dataclass(frozen=True)
class Window:
    """A half-open UTC window of days ``[start, end)``: one partition or a backfilled range."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("window bounds must be timezone-aware UTC")
        if self.end <= self.start:
            raise ValueError("window end must be after its start")

    @classmethod
    def days(cls, first: date, last: date | None = None) -> Window:
        """The window covering whole UTC days ``first..last`` (both inclusive)."""
        last = last or first
        start = datetime(first.year, first.month, first.day, tzinfo=UTC)
        end = datetime(last.year, last.month, last.day, tzinfo=UTC) + timedelta(days=1)
        return cls(start, end)

    @property
    def first_day(self) -> str:
        """``YYYY-MM-DD`` of the first day."""
        return self.start.date().isoformat()

    @property
    def last_day(self) -> str:
        """``YYYY-MM-DD`` of the last day (inclusive)."""
        return (self.end - timedelta(microseconds=1)).date().isoformat()

    @property
    def pull_since(self) -> datetime:
        """Where the delta read starts: the window start less the overlap."""
        return self.start - DELTA_OVERLAP

    def label(self) -> str:
        """``2026-11-01`` or ``2026-11-01..2026-11-07``."""
        return self.first_day if self.first_day == self.last_day else f"{self.first_day}..{self.last_day}"


@dataclass(frozen=True)
class RunContext:
    """The run and partition a step belongs to, and the company it syncs."""

    run_id: str | None = None
    partition: str | None = None
    company: Company = field(default_factory=Company)
