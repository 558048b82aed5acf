"""Fixed-window call budgets, as both real APIs enforce them, with the numbers their headers show."""

from __future__ import annotations

import math
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class RateDecision:
    """The outcome of spending one call: allowed or not, and what the rate-limit headers say."""

    allowed: bool
    limit: int
    remaining: int
    reset_s: int
    retry_after: int | None = None
    reason: str = ""


class FixedWindowLimiter:
    """``limit`` calls per ``window_s`` for each key (company + client, or API token)."""

    def __init__(self, limit: int, window_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window_s = window_s
        self._clock = clock
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[float, int]] = {}

    def configure(self, limit: int | None = None, window_s: float | None = None) -> None:
        """Change the budget (tests lower it to force throttling); windows restart."""
        with self._lock:
            if limit is not None:
                self.limit = limit
            if window_s is not None:
                self.window_s = window_s
            self._windows.clear()

    def reset(self) -> None:
        """Start every window afresh."""
        with self._lock:
            self._windows.clear()

    def _current(self, key: str, now: float) -> tuple[float, int, int]:
        """(window start, calls used, seconds to reset) of the key's window as of ``now``."""
        start, used = self._windows.get(key, (now, 0))
        if now - start >= self.window_s:
            start, used = now, 0
        return start, used, max(1, math.ceil(self.window_s - (now - start)))

    def take(self, key: str) -> RateDecision:
        """Spend one call from the key's window, or refuse with the seconds until it resets."""
        now = self._clock()
        with self._lock:
            start, used, reset_s = self._current(key, now)
            if used >= self.limit:
                self._windows[key] = (start, used)
                return RateDecision(False, self.limit, 0, reset_s, reset_s, "budget")
            used += 1
            self._windows[key] = (start, used)
            return RateDecision(True, self.limit, self.limit - used, reset_s)

    def peek(self, key: str) -> RateDecision:
        """The headers' numbers without spending a call (for answers that are not counted)."""
        with self._lock:
            _, used, reset_s = self._current(key, self._clock())
        return RateDecision(used < self.limit, self.limit, max(0, self.limit - used), reset_s)


class SameRequestGuard:
    """Visma's "same request made too many times": at most ``limit`` identical requests a window."""

    def __init__(self, limit: int = 5, window_s: float = 60.0, clock: Callable[[], float] = time.monotonic):
        self.limit = limit
        self.window_s = window_s
        self._clock = clock
        self._lock = threading.Lock()
        self._seen: dict[str, deque[float]] = defaultdict(deque)

    def configure(self, limit: int | None = None, window_s: float | None = None) -> None:
        """Change the rule (0 switches it off)."""
        with self._lock:
            if limit is not None:
                self.limit = limit
            if window_s is not None:
                self.window_s = window_s
            self._seen.clear()

    def reset(self) -> None:
        """Forget every request seen."""
        with self._lock:
            self._seen.clear()

    def check(self, signature: str) -> int | None:
        """None when allowed, else the seconds until the oldest identical request leaves the window."""
        if self.limit <= 0:
            return None
        now = self._clock()
        with self._lock:
            times = self._seen[signature]
            while times and now - times[0] >= self.window_s:
                times.popleft()
            if len(times) >= self.limit:
                return max(1, math.ceil(self.window_s - (now - times[0])))
            times.append(now)
            if len(self._seen) > 50_000:
                self._seen = defaultdict(deque, {k: v for k, v in self._seen.items() if v})
        return None
