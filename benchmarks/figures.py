"""Pure helpers of the benchmark harness: API-call tallies, the theoretical minimum of calls, targets
and their verdicts, and the printed table. No I/O here, so the arithmetic is unit-tested."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

#: Visma: ``maxPageSize`` 500 (api/visma.md section 6; the client asks for ``VAB_VISMA_PAGE_SIZE`` = 500).
VISMA_MAX_PAGE = 500
#: Airbase: pages are capped at 250 (api/airbase.md section 7; the client asks for 250).
AIRBASE_MAX_PAGE = 250
#: Airbase bulk upserts take at most 100 entities (api/airbase.md section 4.2; the client sends 100).
AIRBASE_BULK = 100

_AUTH_PATHS = ("/connect/token",)
_BRACKET_PATHS = ("/v1/accounting/entity/sync/",)


@dataclass
class Calls:
    """One sandbox's API calls in a measured interval, from ``GET /_sandbox/stats``."""

    reads: int = 0
    writes: int = 0
    auth: int = 0
    bracket: int = 0
    throttled: int = 0
    by_route: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        """Every call the connector made, whatever it was for."""
        return self.reads + self.writes + self.auth + self.bracket

    def as_dict(self) -> dict[str, Any]:
        """JSON shape for ``latest.json``."""
        return {
            "total": self.total,
            "reads": self.reads,
            "writes": self.writes,
            "auth": self.auth,
            "sync_bracket": self.bracket,
            "status_429": self.throttled,
            "by_route": dict(sorted(self.by_route.items())),
        }


def tally(stats: Iterable[Mapping[str, Any]]) -> Calls:
    """Classify the sandbox's ``[{method, path, status, count}]`` rows so a benchmark can tell record
    writes from token fetches and the Airbase sync bracket (which move no records)."""
    calls = Calls()
    for row in stats:
        method, path, status, count = (
            str(row["method"]),
            str(row["path"]),
            int(row["status"]),
            int(row["count"]),
        )
        if status == 429:
            calls.throttled += count
        key = f"{method} {path}"
        calls.by_route[key] = calls.by_route.get(key, 0) + count
        if path in _AUTH_PATHS:
            calls.auth += count
        elif path in _BRACKET_PATHS:
            calls.bracket += count
        elif method in ("GET", "HEAD"):
            calls.reads += count
        else:
            calls.writes += count
    return calls


def min_calls(read: Mapping[str, int], written: Mapping[str, int], page: Mapping[str, int]) -> int:
    """The fewest calls that could move these records: ceil(n / max page size) reads per collection
    read plus ceil(n / bulk size) upserts per collection written (at least one read per collection,
    since even an empty collection must be asked)."""
    reads = sum(max(1, math.ceil(n / page.get(kind, VISMA_MAX_PAGE))) for kind, n in read.items())
    writes = sum(math.ceil(n / AIRBASE_BULK) for n in written.values() if n > 0)
    return reads + writes


def per_thousand(calls: int, records: int) -> float:
    """Calls per 1,000 records, the issue's unit of API cost."""
    return round(calls * 1000 / records, 2) if records else 0.0


def ratio(value: float | None, reference: float | None) -> float | None:
    """``value / reference`` rounded for the table; None when either side is missing or zero."""
    if value is None or not reference:
        return None
    return round(value / reference, 3)


@dataclass
class Target:
    """One row of the table: what the issue asks, what was measured, and the verdict."""

    name: str
    wanted: str
    measured: Any
    passed: bool | None  # None: not measured (skipped), shown as such
    note: str = ""

    @property
    def verdict(self) -> str:
        """PASS / FAIL / SKIP (not measured) / INFO (a figure the issue asks for, with no target)."""
        if not self.wanted:
            return "INFO"
        return "SKIP" if self.passed is None else ("PASS" if self.passed else "FAIL")

    def as_dict(self) -> dict[str, Any]:
        """JSON shape for ``latest.json``."""
        return {
            "target": self.name,
            "wanted": self.wanted,
            "measured": self.measured,
            "verdict": self.verdict,
            "note": self.note,
        }


def at_most(name: str, measured: float | None, limit: float, unit: str = "", note: str = "") -> Target:
    """A target met when the figure is at or below ``limit`` (missing figures are skipped)."""
    passed = None if measured is None else measured <= limit
    shown = "n/a" if measured is None else f"{measured:g}{unit}"
    return Target(name, f"<= {limit:g}{unit}", shown, passed, note)


def below(name: str, measured: float | None, limit: float, unit: str = "", note: str = "") -> Target:
    """A target met when the figure is strictly below ``limit``."""
    passed = None if measured is None else measured < limit
    shown = "n/a" if measured is None else f"{measured:g}{unit}"
    return Target(name, f"< {limit:g}{unit}", shown, passed, note)


def at_least(name: str, measured: float | None, floor: float, unit: str = "", note: str = "") -> Target:
    """A target met when the figure is at or above ``floor``."""
    passed = None if measured is None else measured >= floor
    shown = "n/a" if measured is None else f"{measured:g}{unit}"
    return Target(name, f">= {floor:g}{unit}", shown, passed, note)


def info(name: str, measured: Any, note: str = "") -> Target:
    """A reported figure without a target (e.g. a peer's ratio to the project)."""
    return Target(name, "", "n/a" if measured is None else measured, None, note)


def table(targets: Iterable[Target]) -> str:
    """The one table ``make bench`` prints: target, wanted, measured, verdict."""
    rows = [("target", "wanted", "measured", "verdict")]
    rows += [
        (t.name, t.wanted, str(t.measured), t.verdict + (f"  ({t.note})" if t.note else "")) for t in targets
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = []
    for n, row in enumerate(rows):
        lines.append("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:3])) + "  " + row[3])
        if n == 0:
            lines.append("  ".join("-" * w for w in widths) + "  -------")
    return "\n".join(lines)
