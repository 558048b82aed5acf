"""Wire behaviour every Airbase endpoint shares: paths, methods, headers, auth and the rate budget."""

from __future__ import annotations

import time
import uuid

import pytest
from airbase_helpers import TOKEN, Airbase

pytestmark = pytest.mark.integration


def test_paths_need_the_trailing_slash(airbase: Airbase) -> None:
    # DRF answers 404 (the sandbox does not redirect) when the slash is missing.
    response = airbase.get("/vendors")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}
    assert airbase.get("/vendors/").status_code == 200
    assert airbase.get("/no_such_resource/").json() == {"detail": "Not found."}


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("POST", "/ledger_entries/", "GET, HEAD, OPTIONS"),
        ("DELETE", "/vendors/", "GET, POST, HEAD, OPTIONS"),
        ("GET", "/vendors/bulk_upsert/", "POST, OPTIONS"),
        ("PUT", "/entity/sync/", "POST, PATCH, OPTIONS"),
    ],
)
def test_wrong_method_is_405_with_allow(airbase: Airbase, method: str, path: str, allow: str) -> None:
    response = airbase.api(method, path, json={})
    assert response.status_code == 405
    assert response.json() == {"detail": f'Method "{method}" not allowed.'}
    assert response.headers["Allow"] == allow


def test_allow_header_and_options_on_good_calls(airbase: Airbase) -> None:
    # The contract records `Allow: GET, HEAD, OPTIONS` on the ledger listing.
    assert airbase.get("/ledger_entries/").headers["Allow"] == "GET, HEAD, OPTIONS"
    options = airbase.api("OPTIONS", "/vendors/")
    assert options.status_code == 200
    assert options.json()["renders"] == ["application/json"]
    head = airbase.api("HEAD", "/vendors/")
    assert head.status_code == 200 and head.content == b""


def test_every_response_carries_airbase_headers(airbase: Airbase) -> None:
    for response in (airbase.get("/vendors/"), airbase.get("/vendors"), airbase.get("/tags/", auth=None)):
        uuid.UUID(response.headers["X-Request-Id"])
        assert response.headers["X-Airbase-Release-Version"] == "v4583"
    ok = airbase.get("/vendors/")
    assert ok.headers["X-Airbase-Auth-Token-Id"] == "4711"
    assert ok.headers["X-Ratelimit-Limit"] == "500"
    assert int(ok.headers["X-Ratelimit-Remaining"]) < 500
    assert 1 <= int(ok.headers["X-Ratelimit-Reset"]) <= 60
    assert "X-Airbase-Auth-Token-Id" not in airbase.get("/tags/", auth=None).headers
    assert airbase.get("/vendors/").headers["X-Request-Id"] != ok.headers["X-Request-Id"]


def test_unknown_query_parameters_are_ignored(airbase: Airbase) -> None:
    plain = airbase.get("/vendors/").json()
    noisy = airbase.get("/vendors/", params={"ordering": "-name", "foo": "bar", "expand": "x"}).json()
    assert noisy["data"] == plain["data"]


def test_both_auth_schemes_are_accepted(airbase: Airbase) -> None:
    assert airbase.get("/vendors/", auth=f"Token {TOKEN}").status_code == 200
    assert airbase.get("/vendors/", auth=f"Bearer {TOKEN}").status_code == 200
    assert airbase.get("/vendors/", auth=f"token {TOKEN}").status_code == 200


@pytest.mark.parametrize(
    ("auth", "detail"),
    [
        (None, "Authentication credentials were not provided."),
        ("Basic dXNlcjpwdw==", "Authentication credentials were not provided."),
        ("Token wrong-key", "Invalid token."),
        ("Bearer wrong-key", "Invalid token."),
        ("Token", "Invalid token header. No credentials provided."),
        ("Token a b", "Invalid token header. Token string should not contain spaces."),
    ],
)
def test_auth_failures_are_drf_401s(airbase: Airbase, auth: str | None, detail: str) -> None:
    response = airbase.get("/vendors/", auth=auth)
    assert response.status_code == 401
    assert response.json() == {"detail": detail}
    assert response.headers["WWW-Authenticate"] == "Token"


def test_auth_comes_before_the_method_check_but_after_routing(airbase: Airbase) -> None:
    # DRF authenticates inside the view: unknown paths are 404, wrong methods without a key 401.
    assert airbase.api("DELETE", "/vendors/", auth=None).status_code == 401
    assert airbase.get("/nothing/", auth=None).status_code == 404


def test_rate_limit_exhaustion_is_a_drf_429(airbase: Airbase) -> None:
    assert airbase.admin("POST", "config", {"rate_limit": 3, "rate_window_s": 30}).status_code == 200
    remaining = [int(airbase.get("/tags/").headers["X-Ratelimit-Remaining"]) for _ in range(3)]
    assert remaining == [2, 1, 0]
    throttled = airbase.get("/tags/")
    assert throttled.status_code == 429
    wait = int(throttled.headers["Retry-After"])
    assert 1 <= wait <= 30
    assert throttled.json() == {
        "detail": f"Request was throttled. Expected available in {wait} second{'s' if wait != 1 else ''}."
    }
    assert throttled.headers["X-Ratelimit-Remaining"] == "0"
    # The budget is the key's: another key still has its own, the admin API is never counted.
    other = airbase.get("/tags/", auth="Token vab-sandbox-airbase-token-2")
    assert other.status_code == 200 and other.headers["X-Airbase-Auth-Token-Id"] == "4712"
    assert airbase.admin("GET", "health").status_code == 200


def test_rate_window_restarts(airbase: Airbase) -> None:
    airbase.admin("POST", "config", {"rate_limit": 1, "rate_window_s": 0.3})
    assert airbase.get("/tags/").status_code == 200
    assert airbase.get("/tags/").status_code == 429
    time.sleep(0.35)
    assert airbase.get("/tags/").status_code == 200


@pytest.mark.parametrize(
    "config",
    [
        {"bulk_mode": "lenient"},
        {"max_page_size": 0},
        {"max_page_size": "250"},
        {"rate_limit": "many"},
        {"rate_window_s": -1},
        {"approval_steps": 0},
    ],
)
def test_bad_config_is_refused(airbase: Airbase, config: dict) -> None:
    response = airbase.admin("POST", "config", config)
    assert response.status_code == 400
    assert "error" in response.json()


def test_config_reports_the_effective_settings(airbase: Airbase) -> None:
    body = airbase.admin("POST", "config", {"bulk_mode": "strict", "max_page_size": 50}).json()
    assert body["bulk_mode"] == "strict" and body["max_page_size"] == 50
    assert body["rate_limit"] == 500 and body["approval_steps"] == 1
    assert airbase.admin("GET", "config").json() == body


def test_stats_count_calls_by_route_template(airbase: Airbase) -> None:
    airbase.get("/vendors/")
    airbase.get("/vendors/")
    airbase.get("/ledger_entries/00000000-0000-4000-8000-000000000000/")
    stats = airbase.admin("GET", "stats").json()
    counts = {(s["method"], s["path"], s["status"]): s["count"] for s in stats}
    assert counts[("GET", "/v1/accounting/vendors/", 200)] == 2
    assert counts[("GET", "/v1/accounting/ledger_entries/{airbase_id}/", 404)] == 1
