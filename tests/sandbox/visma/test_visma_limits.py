"""Rate limits of api/visma.md section 8: the fixed-window budget per company + client with its
headers, 429 + ``Retry-After`` and the gateway body, the budget resetting, and the same-request
rule (6th identical request within a minute)."""

from __future__ import annotations

import time

from visma_helpers import Visma, w


def test_headers_on_every_erp_response(visma: Visma) -> None:
    first = visma.get("/v1/account")
    second = visma.get("/v1/supplier/70001")
    error = visma.get("/v1/supplier/99999")
    for r in (first, second, error):
        assert r.headers["X-RateLimit-Limit"] == "500"
        assert r.headers["X-RateLimit-Policy"] == "4-fixed-window"
        assert 0 < int(r.headers["X-RateLimit-Reset"]) <= 3600
    assert int(first.headers["X-RateLimit-Remaining"]) - int(second.headers["X-RateLimit-Remaining"]) == 1


def test_budget_exhausted_then_reset(visma: Visma) -> None:
    visma.config(rate_limit=3, rate_window_s=1.5)
    remaining = [visma.get("/v1/account", params={"n": n}).headers["X-RateLimit-Remaining"] for n in range(3)]
    assert remaining == ["2", "1", "0"]
    throttled = visma.get("/v1/account", params={"n": 9})
    assert throttled.status_code == 429
    retry = int(throttled.headers["Retry-After"])
    assert 1 <= retry <= 2
    assert throttled.json() == {
        "statusCode": 429,
        "message": f"Rate limit is exceeded. Try again in {retry} seconds.",
    }
    assert throttled.headers["X-RateLimit-Remaining"] == "0"
    time.sleep(1.6)
    fresh = visma.get("/v1/account", params={"n": 10})
    assert fresh.status_code == 200 and fresh.headers["X-RateLimit-Remaining"] == "2"


def test_budget_is_per_company_and_client_not_per_token(visma: Visma) -> None:
    visma.config(rate_limit=2)
    visma.get("/v1/account")
    visma.login()  # a new token of the same client spends the same budget
    assert visma.get("/v1/account", params={"a": 1}).headers["X-RateLimit-Remaining"] == "0"
    assert visma.get("/v1/account", params={"a": 2}).status_code == 429


def test_legacy_prefix_spends_the_same_budget_with_its_policy(visma: Visma) -> None:
    visma.config(rate_limit=1)
    assert visma.get("/v1/account").status_code == 200
    legacy = visma.get("/API/controller/api/v1/account")
    assert legacy.status_code == 429 and legacy.headers["X-RateLimit-Policy"] == "6-fixed-window"


def test_same_request_rule(visma: Visma) -> None:
    answers = [visma.get("/v1/supplier/70001") for _ in range(6)]
    assert [r.status_code for r in answers] == [200] * 5 + [429]
    last = answers[-1]
    assert "Same request made too many times" in last.json()["message"]
    assert int(last.headers["Retry-After"]) >= 1
    assert visma.get("/v1/supplier/70002").status_code == 200  # another request is fine
    assert visma.get("/v1/supplier/70001", params={"x": 1}).status_code == 200  # another query too


def test_same_request_rule_counts_write_bodies(visma: Visma) -> None:
    statuses = [
        visma.call("PUT", "/v1/supplier/70001", json={"name": w("Same")}).status_code for _ in range(6)
    ]
    assert statuses == [204] * 5 + [429]
    sixth = visma.call("PUT", "/v1/supplier/70001", json={"name": w("Same")})
    assert "Same request made too many times" in sixth.json()["message"] and sixth.headers["Retry-After"]
    assert visma.call("PUT", "/v1/supplier/70001", json={"name": w("Other")}).status_code == 204


def test_same_request_rule_configurable(visma: Visma) -> None:
    visma.config(same_request_limit=2)
    assert [visma.get("/v1/account").status_code for _ in range(3)] == [200, 200, 429]
    visma.config(same_request_limit=0)
    assert all(visma.get("/v1/account").status_code == 200 for _ in range(8))


def test_config_rejects_nonsense(visma: Visma) -> None:
    for bad in (
        {"rate_limit": "many"},
        {"token_ttl": -1},
        {"max_page_size": 0},
        {"strict_params": 1},
        {"nope": 1},
    ):
        r = visma.admin("POST", "config", bad)
        assert r.status_code == 400, bad
    effective = visma.admin("GET", "config").json()
    assert effective["rate_limit"] == 500 and effective["max_page_size"] == 500
