"""Fault rule bookkeeping: which calls a rule fires on, independent of any server."""

import pytest

from visma_airbase_pipeline.sandbox.faults import FaultBook


def _book(*rules: dict) -> FaultBook:
    book = FaultBook(seed=7)
    book.install(FaultBook.parse({"rules": list(rules)}))
    return book


def _fired(book: FaultBook, calls: int, method: str = "GET", path: str = "/v1/supplier") -> list[int]:
    return [i for i in range(1, calls + 1) if book.decide(method, path).status is not None]


def test_nth_fires_once_on_that_call():
    assert _fired(_book({"path": "supplier", "status": 500, "nth": 3}), 6) == [3]


def test_nth_with_times_fires_a_run_of_calls():
    assert _fired(_book({"path": "supplier", "status": 503, "nth": 2, "times": 3}), 8) == [2, 3, 4]


def test_times_alone_bounds_the_rule():
    assert _fired(_book({"status": 429, "times": 2}), 5) == [1, 2]


def test_rate_is_seeded_and_roughly_right():
    first = _fired(_book({"status": 500, "rate": 0.25}), 2000)
    again = _fired(_book({"status": 500, "rate": 0.25}), 2000)
    assert first == again  # same seed, same calls: repeatable chaos
    assert 400 < len(first) < 600


def test_method_and_path_must_both_match():
    book = _book({"method": "post", "path": r"^/v1/supplierPayment$", "status": 500})
    assert book.decide("GET", "/v1/supplierPayment").status is None
    assert book.decide("POST", "/v1/supplier").status is None
    assert book.decide("POST", "/v1/supplierPayment").status == 500


def test_after_commit_and_delay_are_carried_to_the_decision():
    decision = _book({"status": 500, "after_commit": True, "delay_s": 1.5, "retry_after": 3}).decide(
        "POST", "/x"
    )
    assert (decision.status, decision.after_commit, decision.delay_s, decision.retry_after) == (
        500,
        True,
        1.5,
        3,
    )


def test_shuffle_rules_give_a_fresh_seed_per_page_and_never_a_status():
    book = _book({"path": "supplierInvoice", "shuffle": True})
    assert book.decide("GET", "/v1/supplierInvoice").status is None
    seeds = {book.shuffle_seed("GET", "/v1/supplierInvoice") for _ in range(5)}
    assert None not in seeds and len(seeds) == 5
    assert book.shuffle_seed("GET", "/v1/supplier") is None


@pytest.mark.parametrize(
    "body, fragment",
    [
        ({}, '{"rules"'),
        ({"rules": [{"status": 418}]}, "rules[0]: status"),
        ({"rules": [{"path": "("}]}, "not a valid regular expression"),
        ({"rules": [{"path": "x"}]}, "needs a status, a delay_s or shuffle"),
        ({"rules": [{"status": 500, "rate": 2}]}, "rate"),
        ({"rules": [{"status": 500, "colour": "red"}]}, "colour"),
    ],
)
def test_bad_rules_are_refused_with_a_reason(body, fragment):
    with pytest.raises(ValueError, match=None) as info:
        FaultBook.parse(body)
    assert fragment in str(info.value)


def test_clear_removes_every_rule():
    book = _book({"status": 500})
    book.clear()
    assert book.decide("GET", "/v1/supplier").status is None
    assert book.describe() == []
