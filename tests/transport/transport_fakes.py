"""Shared fakes and constants of these tests: a clock whose sleep only advances time, client factories."""

from __future__ import annotations

from visma_airbase_pipeline.transport import RetryConfig, Transport, TransportConfig

BASE = "https://api.test"
WALL = 1_750_000_000.0  # a fixed "now" for HTTP-date Retry-After and epoch resets


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


def make_transport(clock: FakeClock, **retry: float) -> Transport:
    """A transport with no jitter (waits are exact) unless the test asks for it."""
    config = TransportConfig(retry=RetryConfig(**{"jitter_s": 0.0, **retry}))  # type: ignore[arg-type]
    return Transport(BASE, system="test", config=config, sleep=clock.sleep, clock=clock, wall=lambda: WALL)
