"""The call ledger of one client: what each endpoint cost, so assets can report API spend.

Counted per (method, path template), where the template has ids replaced by names
(``GET /v1/supplierInvoice/{documentType}/{number}``), so metadata stays small and comparable
between runs however many records were touched.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any


@dataclass
class EndpointStats:
    """Counters of one (method, template)."""

    calls: int = 0
    retries: int = 0
    wait_s: float = 0.0
    statuses: Counter[str] = field(default_factory=Counter)


class CallStats:
    """Calls, retries, seconds spent waiting and status codes, per endpoint template, for one system."""

    def __init__(self, system: str) -> None:
        self.system = system
        self._lock = threading.Lock()
        self._endpoints: dict[tuple[str, str], EndpointStats] = {}
        self.pacing_wait_s = 0.0
        self.rate_limit: int | None = None
        self.rate_remaining: int | None = None

    def _entry(self, method: str, template: str) -> EndpointStats:
        return self._endpoints.setdefault((method.upper(), template), EndpointStats())

    def record_call(self, method: str, template: str, outcome: int | str) -> None:
        """One HTTP attempt and its outcome: a status code, or the transport failure kind."""
        with self._lock:
            entry = self._entry(method, template)
            entry.calls += 1
            entry.statuses[str(outcome)] += 1

    def record_retry(self, method: str, template: str, wait_s: float) -> None:
        """One retry decided after a failed attempt, with the backoff slept before it."""
        with self._lock:
            entry = self._entry(method, template)
            entry.retries += 1
            entry.wait_s += wait_s

    def record_pacing(self, wait_s: float) -> None:
        """Seconds slept by the rate pacer before a call (not tied to one endpoint)."""
        with self._lock:
            self.pacing_wait_s += wait_s

    def observe_rate(self, limit: int | None, remaining: int | None) -> None:
        """Latest rate-limit headers seen, for the headroom figure."""
        with self._lock:
            if limit is not None:
                self.rate_limit = limit
            if remaining is not None:
                self.rate_remaining = remaining

    @property
    def calls(self) -> int:
        """HTTP attempts made, retries included."""
        return sum(e.calls for e in self._endpoints.values())

    @property
    def retries(self) -> int:
        """Attempts that were retries of an earlier failed attempt."""
        return sum(e.retries for e in self._endpoints.values())

    @property
    def wait_s(self) -> float:
        """Seconds slept in total: retry backoff plus pacing."""
        return sum(e.wait_s for e in self._endpoints.values()) + self.pacing_wait_s

    @property
    def headroom(self) -> float | None:
        """Fraction of the rate budget left at the last response (None until a header was seen)."""
        if not self.rate_limit or self.rate_remaining is None:
            return None
        return round(self.rate_remaining / self.rate_limit, 4)

    def snapshot(self) -> dict[str, Any]:
        """A JSON-able copy of all counters (for tests, logs and benchmarks)."""
        with self._lock:
            endpoints = {
                f"{method} {template}": {
                    "calls": e.calls,
                    "retries": e.retries,
                    "wait_s": round(e.wait_s, 3),
                    "statuses": dict(sorted(e.statuses.items())),
                }
                for (method, template), e in sorted(self._endpoints.items())
            }
        return {
            "system": self.system,
            "calls": self.calls,
            "retries": self.retries,
            "wait_s": round(self.wait_s, 3),
            "pacing_wait_s": round(self.pacing_wait_s, 3),
            "rate_limit": self.rate_limit,
            "rate_remaining": self.rate_remaining,
            "rate_headroom": self.headroom,
            "endpoints": endpoints,
        }

    def as_metadata(self) -> dict[str, Any]:
        """Flat, prefixed figures for a materialization's metadata (plain values; Dagster wraps them)."""
        snap = self.snapshot()
        prefix = f"{self.system}_api"
        return {
            f"{prefix}_calls": snap["calls"],
            f"{prefix}_retries": snap["retries"],
            f"{prefix}_wait_s": snap["wait_s"],
            f"{prefix}_rate_headroom": snap["rate_headroom"],
            f"{prefix}_endpoints": snap["endpoints"],
        }

    def __repr__(self) -> str:
        return f"CallStats(system={self.system!r}, calls={self.calls}, retries={self.retries})"
