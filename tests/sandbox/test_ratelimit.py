"""Fixed-window budgets and the same-request rule, on a fake clock."""

from visma_airbase_pipeline.sandbox.ratelimit import FixedWindowLimiter, SameRequestGuard


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_budget_counts_down_refuses_then_resets_with_the_window():
    clock = Clock()
    limiter = FixedWindowLimiter(3, 3600, clock)
    remaining = [limiter.take("c1").remaining for _ in range(3)]
    assert remaining == [2, 1, 0]
    refused = limiter.take("c1")
    assert not refused.allowed and refused.retry_after == 3600
    clock.now += 1800
    assert limiter.take("c1").retry_after == 1800
    assert limiter.take("c2").allowed  # budgets are per key
    clock.now += 1800
    again = limiter.take("c1")
    assert again.allowed and again.remaining == 2 and again.reset_s == 3600


def test_peek_does_not_spend():
    limiter = FixedWindowLimiter(2, 60, Clock())
    assert limiter.peek("k").remaining == 2
    limiter.take("k")
    assert limiter.peek("k").remaining == 1
    assert limiter.peek("k").remaining == 1


def test_the_sixth_identical_request_in_a_minute_is_refused():
    clock = Clock()
    guard = SameRequestGuard(5, 60, clock)
    assert [guard.check("GET /v1/supplier/70001") for _ in range(5)] == [None] * 5
    assert guard.check("GET /v1/supplier/70001") == 60
    assert guard.check("GET /v1/supplier/70002") is None
    clock.now += 61
    assert guard.check("GET /v1/supplier/70001") is None


def test_same_request_rule_can_be_switched_off():
    guard = SameRequestGuard(5, 60, Clock())
    guard.configure(limit=0)
    assert all(guard.check("same") is None for _ in range(50))


def test_a_client_waiting_reset_seconds_after_remaining_0_is_never_refused():
    # Reset is whole seconds rounded up, so waiting it from the answer that said Remaining 0 always
    # lands in the next window, however far into the window that answer came (api/visma.md s. 8).
    for offset in (0.0, 0.01, 0.5, 3.3, 9.99):
        clock = Clock()
        limiter = FixedWindowLimiter(3, 10, clock)
        limiter.take("k")
        clock.now += offset
        limiter.take("k")
        last = limiter.take("k")
        assert last.allowed and last.remaining == 0
        refused = limiter.take("k")  # one past 0 is refused, not the 0th
        assert not refused.allowed and refused.retry_after == last.reset_s
        clock.now += last.reset_s
        assert limiter.take("k").allowed, offset


def test_remaining_counts_this_call_so_limit_calls_fit_a_window():
    limiter = FixedWindowLimiter(10, 10, Clock())
    decisions = [limiter.take("k") for _ in range(11)]
    assert [d.allowed for d in decisions] == [True] * 10 + [False]
    assert [d.remaining for d in decisions] == [9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 0]
