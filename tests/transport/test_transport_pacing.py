"""The rate pacer: spend the budget to 0, then wait for the reset, for Visma's and Airbase's headers."""

from __future__ import annotations

import pytest
import requests
import responses
from transport_fakes import BASE, WALL, FakeClock, make_transport

from visma_airbase_pipeline.errors import RateLimited
from visma_airbase_pipeline.sandbox.ratelimit import FixedWindowLimiter
from visma_airbase_pipeline.transport import RateBudget, RatePacer, Transport

URL = f"{BASE}/v1/thing"


def make_pacer(clock: FakeClock, reserve: float = 0.0) -> RatePacer:
    return RatePacer(reserve=reserve, sleep=clock.sleep, clock=clock, wall=lambda: WALL)


def test_no_pause_while_one_call_remains(clock: FakeClock):
    pacer = make_pacer(clock)
    pacer.observe({"X-RateLimit-Limit": "500", "X-RateLimit-Remaining": "1", "X-RateLimit-Reset": "900"})
    assert pacer.before_request() == 0.0
    assert clock.sleeps == []


def test_pause_until_reset_at_zero_remaining(clock: FakeClock):
    pacer = make_pacer(clock)
    pacer.observe({"X-RateLimit-Limit": "500", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "900"})
    assert pacer.before_request() == 900.0
    assert clock.sleeps == [900.0]
    # The window has reset: no second pause until a response says otherwise.
    assert pacer.before_request() == 0.0


def test_a_reserve_holds_back_its_share_of_the_limit(clock: FakeClock):
    pacer = make_pacer(clock, reserve=0.05)  # 25 of 500
    assert pacer.held_back(500) == 25 and pacer.held_back(10) == 1 and pacer.held_back(None) == 0
    pacer.observe({"X-RateLimit-Limit": "500", "X-RateLimit-Remaining": "26", "X-RateLimit-Reset": "900"})
    assert pacer.before_request() == 0.0
    pacer.observe({"X-RateLimit-Limit": "500", "X-RateLimit-Remaining": "25", "X-RateLimit-Reset": "900"})
    assert pacer.before_request() == 900.0
    assert make_pacer(clock, reserve=0.07).held_back(100) == 7  # not 8: 100 x 0.07 is 7.000000000000001


def test_reserve_out_of_range_is_refused():
    with pytest.raises(ValueError, match="reserve"):
        RatePacer(reserve=1.0)


def test_pause_until_reset_when_exhausted_and_reset_is_an_epoch(clock: FakeClock):
    pacer = make_pacer(clock)
    pacer.observe(
        {"X-RateLimit-Limit": "10", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(WALL + 42)}
    )
    assert pacer.before_request() == 42.0


def test_reset_counts_from_the_response_not_from_the_next_call(clock: FakeClock):
    pacer = make_pacer(clock)
    pacer.observe({"X-RateLimit-Limit": "100", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "30"})
    clock.now += 20  # time spent doing other work
    assert pacer.before_request() == pytest.approx(10.0)


def test_airbase_headers_without_reset_slow_down_per_call(clock: FakeClock):
    # Airbase: X-Ratelimit-Limit/Remaining (lower-case "l"), no Reset header.
    pacer = make_pacer(clock)
    pacer.observe({"X-Ratelimit-Limit": "500", "X-Ratelimit-Remaining": "0"})
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
            headers={"X-RateLimit-Limit": "500", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "60"},
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


class FixedWindowServer:
    """The sandbox's fixed-window limiter behind ``responses``, on the test's clock, with its headers;
    each answer takes ``latency_s`` so the window's elapsed time is fractional (Reset is rounded up)."""

    def __init__(self, clock: FakeClock, limit: int, window_s: float, latency_s: float = 0.3) -> None:
        self.clock = clock
        self.limiter = FixedWindowLimiter(limit, window_s, clock)
        self.latency_s = latency_s
        self.statuses: list[int] = []
        self.windows: list[int] = []  # calls allowed in each window

    def __call__(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        self.clock.now += self.latency_s
        decision = self.limiter.take("company+client")
        headers = {
            "X-RateLimit-Limit": str(decision.limit),
            "X-RateLimit-Remaining": str(decision.remaining),
            "X-RateLimit-Reset": str(decision.reset_s),
        }
        if not decision.allowed:
            self.statuses.append(429)
            return 429, {**headers, "Retry-After": str(decision.retry_after)}, '{"message": "Rate limit"}'
        if decision.remaining == decision.limit - 1:  # the first call of a window
            self.windows.append(0)
        self.windows[-1] += 1
        self.statuses.append(200)
        return 200, headers, "{}"


def test_spends_the_whole_window_to_zero_then_waits_for_the_reset_without_a_429(clock: FakeClock):
    server = FixedWindowServer(clock, limit=4, window_s=10.0)
    transport = make_transport(clock)
    with responses.RequestsMock() as rsps:
        rsps.add_callback(responses.GET, URL, callback=server)
        for _ in range(10):
            transport.request("GET", "/v1/thing")
    assert server.statuses == [200] * 10
    assert server.windows == [4, 4, 2]  # every window spent to the last call
    # The 4th call of a window answers Remaining 0 0.9 s after the window's first, Reset "10" (9.1 s
    # rounded up): the pacer waits 10 s, a little past the reset and never before it.
    assert clock.sleeps == [10.0, 10.0]
    assert transport.stats.snapshot()["pacing_wait_s"] == 20.0


def test_clients_sharing_a_budget_hand_the_spent_window_on(clock: FakeClock):
    # The steps of one run: each gets a fresh client from the resource, with the run's RateBudget.
    server = FixedWindowServer(clock, limit=3, window_s=10.0)
    budget = RateBudget()
    first, second = (
        Transport(BASE, system="test", sleep=clock.sleep, clock=clock, wall=lambda: WALL, budget=budget)
        for _ in range(2)
    )
    with responses.RequestsMock() as rsps:
        rsps.add_callback(responses.GET, URL, callback=server)
        for _ in range(3):
            first.request("GET", "/v1/thing")  # spends the window to 0
        second.request("GET", "/v1/thing")  # waits for the reset instead of a 429
    assert server.statuses == [200] * 4
    assert clock.sleeps == [10.0]  # Reset "10" (9.4 s rounded up) from the first client's last answer
    assert second.stats.snapshot()["pacing_wait_s"] > 0


def test_a_client_with_its_own_budget_runs_into_the_429_and_waits_retry_after(clock: FakeClock):
    # Another run (process) spent the window to 0: this client's first answer is a 429.
    server = FixedWindowServer(clock, limit=3, window_s=10.0)
    others, ours = make_transport(clock), make_transport(clock)
    with responses.RequestsMock() as rsps:
        rsps.add_callback(responses.GET, URL, callback=server)
        for _ in range(3):
            others.request("GET", "/v1/thing")
        ours.request("GET", "/v1/thing")
    assert server.statuses == [200, 200, 200, 429, 200]
    assert ours.stats.snapshot()["retries"] == 1
    assert clock.sleeps == [10.0]  # Retry-After "10" (9.1 s rounded up); no pacing wait on top


def test_429_from_another_clients_spending_is_retried_after_retry_after(
    transport: Transport, clock: FakeClock
):
    with responses.RequestsMock() as rsps:
        rsps.get(URL, json={}, headers={"X-RateLimit-Limit": "500", "X-RateLimit-Remaining": "40"})
        # Someone else on the same client id spent the other 40 calls: refused, with Retry-After.
        rsps.get(
            URL,
            status=429,
            json={"statusCode": 429, "message": "Rate limit is exceeded. Try again in 7 seconds."},
            headers={
                "Retry-After": "7",
                "X-RateLimit-Limit": "500",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": "7",
            },
        )
        rsps.get(URL, json={}, headers={"X-RateLimit-Limit": "500", "X-RateLimit-Remaining": "499"})
        transport.request("GET", "/v1/thing")
        transport.request("GET", "/v1/thing")
    assert clock.sleeps == [7.0]  # Retry-After once; the pacer sees the reset has passed
    snapshot = transport.stats.snapshot()
    assert snapshot["retries"] == 1 and snapshot["pacing_wait_s"] == 0.0


def test_429s_beyond_the_attempt_cap_surface_as_rate_limited(transport: Transport, clock: FakeClock):
    with responses.RequestsMock() as rsps:
        rsps.get(URL, status=429, headers={"Retry-After": "2", "X-RateLimit-Remaining": "0"})
        with pytest.raises(RateLimited):
            transport.request("GET", "/v1/thing")
    assert clock.sleeps == [2.0] * 4  # 5 attempts; Retry-After also tells the pacer when to go on
