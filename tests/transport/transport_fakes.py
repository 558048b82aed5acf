"""Shared fakes and constants of these tests: a clock whose sleep only advances time, client factories."""

from __future__ import annotations

from fake_clock import FakeClock

from visma_airbase_pipeline.transport import RetryConfig, Transport, TransportConfig

BASE = "https://api.test"
WALL = 1_750_000_000.0  # a fixed "now" for HTTP-date Retry-After and epoch resets


def make_transport(clock: FakeClock, **retry: float) -> Transport:
    """A transport with no jitter (waits are exact) unless the test asks for it."""
    config = TransportConfig(retry=RetryConfig(**{"jitter_s": 0.0, **retry}))  # type: ignore[arg-type]
    return Transport(BASE, system="test", config=config, sleep=clock.sleep, clock=clock, wall=lambda: WALL)
