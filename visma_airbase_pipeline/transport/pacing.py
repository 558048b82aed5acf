"""Spend the rate budget to the last call, then wait for the window to reset, instead of a 429.

Visma sends ``X-RateLimit-Limit/Remaining/Reset`` (Reset in seconds to the window end; values above
10^9 are a Unix epoch on older responses). Airbase sends ``X-Ratelimit-Limit/Remaining`` and maybe
``X-Ratelimit-Reset``. Header names are case-insensitive, so one reader serves both. Once
``Remaining`` reaches the held-back share (0 calls by default), the next call waits until the
window resets; when the system does not say when that is, it waits a short fixed interval per call
until the budget recovers. The budget is fixed-window: ``Remaining`` counts down to 0 and the call
after that is refused until ``Reset``, so waiting at 0 is exact and costs no 429.

What the reserve is for decides its default, which is none:

- The steps of one run hand the budget on: clients built by one resource share a ``RateBudget``,
  so a step starts knowing the window the previous step left (0 remaining: it waits for the reset
  instead of spending its first call on a 429). A single run never sees a 429 of its own making.
- Other runs of this deployment (the poller, webhook runs, a backfill) are separate processes, but
  the ``visma_api`` / ``airbase_api`` pools let one step at a time call each system, so they never
  spend the budget concurrently. A run that starts in a window another run spent to 0 learns so
  from its first answer, a 429 whose ``Retry-After`` the retry policy waits out: the same wait the
  pacer would have made, and one answer per hand-over at most.
- A reserve (``VAB_RATE_LIMIT_RESERVE``, a fraction of the limit) makes each pacer stop
  ``ceil(limit x reserve)`` calls short of 0. That leaves those calls to whoever does not know the
  window yet: the first call of the next run (so even the hand-over costs no 429), another
  integration on the same Visma client id and company, pools raised above one step. It costs every
  budget-bound sync that share of its throughput, in every window, so it is opt-in: set it when the
  budget is shared outside the pools (5 % held 25 of Visma's 500 calls an hour back).
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


class RateBudget:
    """What is known of one rate budget, shared by the pacers that spend it one after another.

    A Dagster resource hands one to every client it builds, so the steps of a run know the window
    the previous step left. ``reset_at`` is on the pacers' clock: share a budget only between
    pacers with the same clock (the defaults). Not for concurrent use: one step calls at a time.
    """

    def __init__(self) -> None:
        self.window = RateWindow()


class RatePacer:
    """Reads rate-limit headers after each response and sleeps before a call when the budget is spent."""

    def __init__(
        self,
        *,
        reserve: float = 0.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
        idle_without_reset_s: float = 1.0,
        max_sleep_s: float = 3600.0,
        budget: RateBudget | None = None,
    ) -> None:
        if not 0.0 <= reserve < 1.0:
            raise ValueError(f"rate limit reserve must be in [0, 1), not {reserve}")
        self.reserve = reserve
        self._sleep = sleep
        self._clock = clock
        self._wall = wall
        self.idle_without_reset_s = idle_without_reset_s
        self.max_sleep_s = max_sleep_s
        self.budget = budget or RateBudget()

    @property
    def window(self) -> RateWindow:
        """The budget as the last response (of any pacer sharing it) announced it."""
        return self.budget.window

    @window.setter
    def window(self, value: RateWindow) -> None:
        self.budget.window = value

    def held_back(self, limit: int | None) -> int:
        """Calls of each window left unspent for others: ``ceil(limit x reserve)``, 0 by default."""
        if not limit or self.reserve <= 0:
            return 0
        return math.ceil(limit * self.reserve - 1e-9)  # 100 x 0.07 is 7.000000000000001

    def observe(self, headers: Mapping[str, str]) -> None:
        """Remember the budget announced by a response (any status, 429 included)."""
        limit = _number(_header(headers, "X-RateLimit-Limit"))
        remaining = _number(_header(headers, "X-RateLimit-Remaining"))
        reset = _number(_header(headers, "X-RateLimit-Reset"))
        if limit is None and remaining is None:
            return
        if reset is None and remaining is not None and remaining <= 0:
            # A 429 without Reset (Airbase): its Retry-After (in seconds) says when calls may go on,
            # and the retry waits it; the pacer would otherwise add its idle wait on top.
            retry_after = _number(_header(headers, "Retry-After"))
            reset = retry_after if retry_after is not None and retry_after <= _EPOCH_THRESHOLD else None
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
        remaining = self.window.remaining
        return remaining is not None and remaining <= self.held_back(self.window.limit)

    def before_request(self) -> float:
        """Sleep if the window is spent (down to the reserve); returns the seconds slept (0 if not)."""
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
