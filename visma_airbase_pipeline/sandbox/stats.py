"""Counts of calls per method, route template and status: the sandbox's bill of API cost."""

from __future__ import annotations

import threading
from collections import Counter


class CallStats:
    """A thread-safe tally that tests and benchmarks read through ``GET /_sandbox/stats``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[tuple[str, str, int]] = Counter()

    def record(self, method: str, path_template: str, status: int) -> None:
        """Count one answered call."""
        with self._lock:
            self._counts[(method, path_template, status)] += 1

    def snapshot(self) -> list[dict[str, object]]:
        """Every (method, path, status) with its count, sorted for stable output."""
        with self._lock:
            items = sorted(self._counts.items())
        return [{"method": m, "path": p, "status": s, "count": c} for (m, p, s), c in items]

    def clear(self) -> None:
        """Forget every count (on reset)."""
        with self._lock:
            self._counts.clear()
