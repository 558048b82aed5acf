"""The rate pacer: slow down before the budget is spent, for Visma's and Airbase's header styles."""

from __future__ import annotations

import pytest
import responses
from transport_fakes import BASE, WALL, FakeClock

from visma_airbase_pipeline.transport import RatePacer, Transport

URL = f"{BASE}/v1/thing"


def make_pacer(clock: FakeClock) -> RatePacer:
    return RatePacer(sleep=clock.sleep, clock=clock, wall=lambda: WALL)


def test_no_pause_while_remaining_is_above_the_reserve(clock: FakeClock):
    pacer = make_pacer(clock)
    pacer.observe({"X-RateLimit-Limit": "500", "X-RateLimit-Remaining": "25", "X-RateLimit-Reset": "900"})
    assert pacer.before_request() == 0.0
    assert clock.sleeps == []


def test_pause_until_reset_when_remaining_is_under_5_percent(clock: FakeClock):
    pacer = make_pacer(clock)
    pacer.observe({"X-RateLimit-Limit": "500", "X-RateLimit-Remaining": "24", "X-RateLimit-Reset": "900"})
    assert pacer.before_request() == 900.0
    assert clock.sleeps == [900.0]
    # The window has reset: no second pause until a response says otherwise.
    assert pacer.before_request() == 0.0


def test_pause_until_reset_when_exhausted_and_reset_is_an_epoch(clock: FakeClock):
    pacer = make_pacer(clock)
    pacer.observe(
        {"X-RateLimit-Limit": "10", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(WALL + 42)}
    )
    assert pacer.before_request() == 42.0


def test_reset_counts_from_the_response_not_from_the_next_call(clock: FakeClock):
    pacer = make_pacer(clock)
    pacer.observe({"X-RateLimit-Limit": "100", "X-RateLimit-Remaining": "1", "X-RateLimit-Reset": "30"})
    clock.now += 20  # time spent doing other work
    assert pacer.before_request() == pytest.approx(10.0)


def test_airbase_headers_without_reset_slow_down_per_call(clock: FakeClock):
    # Airbase: X-Ratelimit-Limit/Remaining (lower-case "l"), no Reset header.
    pacer = make_pacer(clock)
    pacer.observe({"X-Ratelimit-Limit": "500", "X-Ratelimit-Remaining": "3"})
    assert pacer.before_request() == 1.0
    assert pacer.before_request() == 1.0
    pacer.observe({"X-Ratelimit-Limit": "500", "X-Ratelimit-Remaining": "499"})
    assert pacer.before_request() == 0.0


def test_responses_without_rate_headers_change_nothing(clock: FakeClock):
    pacer = make_pacer(clock)
    pacer.observe({"Content-Type": "application/json"})
    assert pacer.before_request() == 0.0
    assert pacer.headroom is None


def test_transport_paces_and_reports_headroom(transport: Transport, clock: FakeClock):
    with responses.RequestsMock() as rsps:
        rsps.get(
            URL,
            json={},
            headers={"X-RateLimit-Limit": "500", "X-RateLimit-Remaining": "20", "X-RateLimit-Reset": "60"},
        )
        rsps.get(
            URL,
            json={},
            headers={"X-RateLimit-Limit": "500", "X-RateLimit-Remaining": "499", "X-RateLimit-Reset": "3600"},
        )
        transport.request("GET", "/v1/thing")
        transport.request("GET", "/v1/thing")
    assert clock.sleeps == [60.0]
    snapshot = transport.stats.snapshot()
    assert snapshot["pacing_wait_s"] == 60.0
    assert snapshot["rate_headroom"] == 0.998
