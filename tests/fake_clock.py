"""A clock the client tests control: time moves only when something sleeps."""

from __future__ import annotations


class FakeClock:
    """Monotonic clock + sleep: sleeping only moves time forward and records the wait."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
