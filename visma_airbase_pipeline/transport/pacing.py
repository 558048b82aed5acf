"""Slow down before the rate budget is gone instead of running into 429s.

Visma sends ``X-RateLimit-Limit/Remaining/Reset`` (Reset in seconds to the window end; values above
10^9 are a Unix epoch on older responses). Airbase sends ``X-Ratelimit-Limit/Remaining`` and maybe
``X-Ratelimit-Reset``. Header names are case-insensitive, so one reader serves both. The pacer keeps
a reserve (5 % by default) for other runs and retries: once ``Remaining`` drops below it, the next
call waits for the window to reset, or, when the system does not say when that is, waits a short
fixed interval per call until the budget recovers.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

_EPOCH_THRESHOLD = 1e9


@dataclass
class RateWindow:
    """What the last response said about the budget; ``reset_at`` is on the pacer's clock."""

    limit: int | None = None
    remaining: int | None = None
    reset_at: float | None = None


def _header(headers: Mapping[str, str], name: str) -> str | None:
    lowered = name.lower()
    for key, value in headers.items():
        if key.lower() == lowered:
            return value
    return None


def _number(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        number = float(value.split(",")[0].strip())
    except ValueError:
        return None
    return number if math.isfinite(number) else None


class RatePacer:
    """Reads rate-limit headers after each response and sleeps before a call when the budget is low."""

    def __init__(
        self,
        *,
        reserve: float = 0.05,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
        idle_without_reset_s: float = 1.0,
        max_sleep_s: float = 3600.0,
    ) -> None:
        self.reserve = reserve
        self._sleep = sleep
        self._clock = clock
        self._wall = wall
        self.idle_without_reset_s = idle_without_reset_s
        self.max_sleep_s = max_sleep_s
        self.window = RateWindow()

    def observe(self, headers: Mapping[str, str]) -> None:
        """Remember the budget announced by a response (any status, 429 included)."""
        limit = _number(_header(headers, "X-RateLimit-Limit"))
        remaining = _number(_header(headers, "X-RateLimit-Remaining"))
        reset = _number(_header(headers, "X-RateLimit-Reset"))
        if limit is None and remaining is None:
            return
        reset_at = None
        if reset is not None:
            seconds = reset - self._wall() if reset > _EPOCH_THRESHOLD else reset
            reset_at = self._clock() + max(0.0, seconds)
        self.window = RateWindow(
            limit=int(limit) if limit is not None else self.window.limit,
            remaining=int(remaining) if remaining is not None else None,
            reset_at=reset_at,
        )

    def _low(self) -> bool:
        limit, remaining = self.window.limit, self.window.remaining
        if remaining is None:
            return False
        if remaining <= 0:
            return True
        return limit is not None and remaining < limit * self.reserve

    def before_request(self) -> float:
        """Sleep if the budget is within the reserve; returns the seconds slept (0 when not needed)."""
        if not self._low():
            return 0.0
        if self.window.reset_at is not None:
            wait = min(self.max_sleep_s, max(0.0, self.window.reset_at - self._clock()))
            # The window has (or will have) reset: forget it until the next response says otherwise.
            self.window = RateWindow(limit=self.window.limit)
        else:
            wait = self.idle_without_reset_s
        if wait > 0:
            self._sleep(wait)
        return wait

    @property
    def headroom(self) -> float | None:
        """Fraction of the budget left at the last response, if known."""
        if not self.window.limit or self.window.remaining is None:
            return None
        return self.window.remaining / self.window.limit
