"""Injected faults against Airbase routes (every rule field), and a sweep of bad input that must
always get a documented 4xx in DRF's shape, never a 5xx or a traceback."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
import requests
from airbase_helpers import Airbase, bill

pytestmark = pytest.mark.integration


def _install(airbase: Airbase, *rules: dict[str, Any], seed: int | None = None) -> None:
    body: dict[str, Any] = {"rules": list(rules)}
    if seed is not None:
        body["seed"] = seed
    response = airbase.admin("POST", "faults", body)
    assert response.status_code == 200, response.text


def test_429_with_and_without_retry_after(airbase: Airbase) -> None:
    _install(airbase, {"path": "/tags/$", "status": 429, "retry_after": 5, "times": 1})
    throttled = airbase.get("/tags/")
    assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "5"
    assert throttled.json() == {"detail": "Request was throttled. Expected available in 5 seconds."}
    airbase.admin("DELETE", "faults")
    _install(airbase, {"path": "/tags/$", "status": 429, "times": 1})
    bare = airbase.get("/tags/")
    assert bare.status_code == 429 and "Retry-After" not in bare.headers
    assert bare.json() == {"detail": "Request was throttled."}
    assert airbase.get("/tags/").status_code == 200


@pytest.mark.parametrize(
    ("status", "body", "content_type", "check"),
    [
        (500, "default", "application/json", lambda r: r.json() == {"detail": "A server error occurred."}),
        (503, "default", "application/json", lambda r: r.json() == {"detail": "A server error occurred."}),
        (502, "default", "text/html", lambda r: "cloudflare" in r.text and "502" in r.text),
        (504, "default", "text/html", lambda r: "<html" in r.text),
        (502, "html", "text/html", lambda r: "Bad gateway" in r.text),
        (500, "gateway", "text/html", lambda r: "<!DOCTYPE html>" in r.text),
        (503, "html", "text/html", lambda r: "Error code 503" in r.text),
        (502, "text", "text/plain", lambda r: r.text == "502 Bad gateway"),
    ],
)
def test_server_error_bodies(airbase: Airbase, status: int, body: str, content_type: str, check: Any) -> None:
    _install(airbase, {"method": "GET", "path": "/vendors/$", "status": status, "body": body, "times": 1})
    response = airbase.get("/vendors/")
    assert response.status_code == status
    assert response.headers["Content-Type"].startswith(content_type)
    assert check(response)
    # Faults carry Airbase's tracing headers too.
    assert response.headers["X-Airbase-Release-Version"] == "v4583" and response.headers["X-Request-Id"]


def test_nth_fires_on_that_call_once(airbase: Airbase) -> None:
    _install(airbase, {"path": "/vendors/$", "status": 503, "nth": 3})
    assert [airbase.get("/vendors/").status_code for _ in range(5)] == [200, 200, 503, 200, 200]
    [rule] = airbase.admin("GET", "faults").json()["rules"]
    assert (rule["seen"], rule["fired"]) == (5, 1)


def test_times_bounds_the_rule(airbase: Airbase) -> None:
    _install(airbase, {"path": "/vendors/$", "status": 500, "times": 2})
    assert [airbase.get("/vendors/").status_code for _ in range(4)] == [500, 500, 200, 200]


def test_nth_with_times(airbase: Airbase) -> None:
    _install(airbase, {"path": "/vendors/$", "status": 502, "nth": 2, "times": 2})
    assert [airbase.get("/vendors/").status_code for _ in range(4)] == [200, 502, 502, 200]


def test_rate_fires_some_of_the_time_repeatably(airbase: Airbase) -> None:
    def run() -> list[int]:
        airbase.admin("DELETE", "faults")
        _install(airbase, {"path": "/vendors/$", "status": 503, "rate": 0.5}, seed=11)
        return [airbase.get("/vendors/").status_code for _ in range(40)]

    first = run()
    assert 5 < first.count(503) < 35 and first.count(200) == 40 - first.count(503)
    assert run() == first  # seeded: the same calls fail again


def test_rules_match_method_and_path(airbase: Airbase) -> None:
    _install(airbase, {"method": "POST", "path": "/bills/bulk_upsert/", "status": 500})
    assert airbase.get("/bills/").status_code == 200
    assert airbase.get("/vendors/").status_code == 200
    assert airbase.post("/bills/bulk_upsert/", {"entities": []}).status_code == 500
    # The admin API is never faulted.
    assert airbase.admin("GET", "health").status_code == 200


def test_delay_beyond_the_client_timeout(airbase: Airbase) -> None:
    _install(airbase, {"path": "/tags/$", "delay_s": 1.0, "times": 1})
    with pytest.raises(requests.ReadTimeout):
        airbase.get("/tags/", timeout=0.3)
    assert airbase.get("/tags/", timeout=2).status_code == 200


def test_after_commit_failure_on_bulk_upsert_is_safe_to_replay(reference: Airbase) -> None:
    _install(
        reference,
        {"method": "POST", "path": "/bills/bulk_upsert/", "status": 500, "after_commit": True, "times": 1},
    )
    batch = {"entities": [bill("SI-1"), bill("SI-2")]}
    failed = reference.post("/bills/bulk_upsert/", batch)
    assert failed.status_code == 500 and failed.json() == {"detail": "A server error occurred."}
    # The write committed although the client saw a 500 ...
    stored = reference.state("bills")
    assert sorted(b["erp_reference_id"] for b in stored) == ["SI-1", "SI-2"]
    # ... and the client's retry of the same batch changes nothing.
    retry = reference.post("/bills/bulk_upsert/", batch)
    assert retry.status_code == 200
    assert [u["erp_reference_id"] for u in retry.json()["updated"]] == ["SI-1", "SI-2"]
    assert retry.json()["created"] == []
    assert reference.state("bills") == stored


def test_after_commit_delay_is_a_timeout_whose_write_succeeded(reference: Airbase) -> None:
    _install(
        reference, {"method": "POST", "path": "bulk_upsert", "delay_s": 1.0, "after_commit": True, "times": 1}
    )
    with pytest.raises(requests.ReadTimeout):
        reference.post("/bills/bulk_upsert/", {"entities": [bill("SI-7")]}, timeout=0.3)
    assert [b["erp_reference_id"] for b in reference.state("bills")] == ["SI-7"]


def test_lowered_limit_forces_pacing(airbase: Airbase) -> None:
    airbase.admin("POST", "config", {"rate_limit": 2})
    statuses = [airbase.get("/vendors/").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


def test_bad_fault_rules_are_refused(airbase: Airbase) -> None:
    for rules in ({"rules": [{"status": 418}]}, {"rules": [{"path": "("}]}, {"rules": "x"}, {"rules": [{}]}):
        assert airbase.admin("POST", "faults", rules).status_code == 400


# ----- the bad-input sweep ----------------------------------------------------------------------------
GARBAGE: list[Any] = [
    None,
    True,
    0,
    -1,
    Decimal("1e308"),
    "x",
    "",
    " ",
    "9" * 60,
    "ü💥\u0000",
    [],
    {},
    [1, "a"],
    {"a": {"b": []}},
]


@pytest.fixture
def unthrottled(reference: Airbase) -> Airbase:
    """The sweeps make hundreds of calls: lift the budget so every call reaches its handler."""
    reference.admin("POST", "config", {"rate_limit": 1_000_000})
    return reference


def _assert_documented(response: requests.Response) -> None:
    """A 2xx or a 4xx whose body is DRF-shaped JSON (and not a throttle that hides the handler)."""
    assert response.status_code < 500, (response.request.method, response.request.url, response.text)
    assert response.status_code != 429
    if response.status_code >= 400 and response.request.method != "HEAD":
        body = response.json()
        assert isinstance(body, dict) and body
        if "detail" in body:
            assert isinstance(body["detail"], str)
        else:
            assert all(isinstance(v, list | dict) for v in body.values()), body


def test_garbage_in_every_bill_field_is_a_validation_error(unthrottled: Airbase) -> None:
    for field in bill():
        for value in GARBAGE:
            response = unthrottled.post(
                "/bills/bulk_upsert/", {"entities": [bill(f"G-{field}", **{field: value})]}
            )
            _assert_documented(response)
    for field in bill()["lines"][0]:
        for value in GARBAGE:
            line = {**bill()["lines"][0], field: value}
            _assert_documented(
                unthrottled.post("/bills/bulk_upsert/", {"entities": [bill("G", lines=[line])]})
            )


def test_garbage_in_reference_writes(unthrottled: Airbase) -> None:
    vendor_id = unthrottled.get("/vendors/").json()["data"][0]["airbase_id"]
    entry_id = unthrottled.get("/ledger_entries/").json()["data"][0]["airbase_id"]
    common = ["erp_reference_id", "name", "airbase_id", "subsidiary_reference_ids"]
    targets = [
        (
            "POST",
            "/accounts/bulk_upsert/",
            True,
            [*common, "account_number", "type", "category", "is_active", "erp_currency_reference_id"],
        ),
        ("POST", "/tags/bulk_upsert/", True, [*common, "type", "is_active"]),
        ("POST", "/vendors/bulk_upsert/", True, [*common, "email", "is_active", "erp_parent_reference_id"]),
        ("POST", "/purchase_orders/bulk_upsert/", True, ["status", "order_date", "lines", "total_amount"]),
        ("POST", "/vendors/", False, [*common, "email"]),
        ("PATCH", f"/vendors/{vendor_id}/", False, [*common, "is_active"]),
        ("POST", "/subsidiaries/", False, [*common, "iso_code", "erp_currency_reference_id"]),
        ("POST", "/currencies/", False, ["erp_reference_id", "iso_code"]),
        ("POST", "/entity/sync/", False, ["action"]),
        ("PATCH", "/entity/sync/", False, ["action"]),
        ("PATCH", f"/ledger_entries/{entry_id}/", False, ["status", "erp_reference_id", "error_message"]),
        ("POST", "/bills/bulk_upsert/", False, ["entities"]),
    ]
    for method, path, bulk, fields in targets:
        for field in fields:
            for value in GARBAGE:
                item = {"erp_reference_id": "Z1", "name": "Z", field: value}
                body = {"entities": [item]} if bulk else item
                _assert_documented(unthrottled.api(method, path, json=body))


@pytest.mark.parametrize(
    "raw",
    [b"{", b"[1, 2]", b'"text"', b"42", b"null", b"\xff\xfe", b'{"entities": [}', b"{}" * 3, b'{"a": NaN}'],
)
def test_malformed_bodies_everywhere(unthrottled: Airbase, raw: bytes) -> None:
    bill_id = unthrottled.upsert("bills", bill())["created"][0]["airbase_id"]
    entry_id = unthrottled.get("/ledger_entries/").json()["data"][0]["airbase_id"]
    writes = [
        ("POST", "/entity/sync/"),
        ("PATCH", "/entity/sync/"),
        ("POST", "/accounts/bulk_upsert/"),
        ("POST", "/tags/bulk_upsert/"),
        ("POST", "/vendors/bulk_upsert/"),
        ("POST", "/bills/bulk_upsert/"),
        ("POST", "/purchase_orders/bulk_upsert/"),
        ("POST", "/vendors/"),
        ("POST", "/subsidiaries/"),
        ("POST", "/currencies/"),
        ("PATCH", f"/bills/{bill_id}/"),
        ("PATCH", f"/ledger_entries/{entry_id}/"),
    ]
    for method, path in writes:
        response = unthrottled.api(method, path, data=raw, headers={"Content-Type": "application/json"})
        assert response.status_code == 400, (method, path, raw, response.text)
        _assert_documented(response)


def test_json_parse_error_and_media_type(airbase: Airbase) -> None:
    response = airbase.api(
        "POST", "/tags/bulk_upsert/", data=b"{oops", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400 and response.json()["detail"].startswith("JSON parse error - ")
    array = airbase.api(
        "POST", "/tags/bulk_upsert/", data=b"[]", headers={"Content-Type": "application/json"}
    )
    assert array.json() == {"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]}
    form = airbase.api("POST", "/tags/bulk_upsert/", data={"entities": "x"})
    assert form.status_code == 415
    assert form.json() == {"detail": 'Unsupported media type "application/x-www-form-urlencoded" in request.'}


def test_bad_ids_pages_and_filters(unthrottled: Airbase) -> None:
    ids = ["nope", "00000000-0000-4000-8000-000000000000", "x" * 500, "%00", "..", "ü"]
    for airbase_id in ids:
        for path in (
            "/bills/{}/",
            "/ledger_entries/{}/",
            "/purchase_orders/{}/",
            "/vendors/{}/",
            "/subsidiaries/{}/",
        ):
            response = unthrottled.get(path.format(airbase_id))
            assert response.status_code == 404 and response.json() == {"detail": "Not found."}
    queries = [
        {"page": "abc"},
        {"page": "99999999999999999999999"},
        {"page": "-0"},
        {"page_size": "1e9"},
        {"page_size": "99999999999999999999"},
        {"erp_reference_id": "\u0000"},
        {"approval_status": "[]"},
        {"payment_status": "x"},
        {"updated_since": "2026-13-45"},
        {"updated_since": "+0"},
        {"status": "all"},
        {"type": "bill_payment"},
        {"status": ""},
    ]
    for listing in (
        "/bills/",
        "/ledger_entries/",
        "/vendors/",
        "/accounts/",
        "/purchase_orders/",
        "/currencies/",
    ):
        for query in queries:
            _assert_documented(unthrottled.get(listing, params=query))
    oversize = unthrottled.post("/vendors/bulk_upsert/", {"entities": [{"erp_reference_id": "1"}] * 500})
    assert oversize.status_code == 400


def test_every_method_on_every_route(unthrottled: Airbase) -> None:
    paths = [
        "/entity/sync/",
        "/accounts/",
        "/accounts/bulk_upsert/",
        "/tags/",
        "/tags/bulk_upsert/",
        "/vendors/",
        "/vendors/bulk_upsert/",
        "/vendors/x/",
        "/subsidiaries/",
        "/subsidiaries/x/",
        "/currencies/",
        "/employees/",
        "/bills/",
        "/bills/bulk_upsert/",
        "/bills/x/",
        "/purchase_orders/",
        "/purchase_orders/bulk_upsert/",
        "/purchase_orders/x/",
        "/ledger_entries/",
        "/ledger_entries/x/",
    ]
    for path in paths:
        for method in ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"):
            _assert_documented(unthrottled.api(method, path, json={}))


def test_after_commit_delay_answer_arrives_whole_with_rate_headers_and_is_counted(airbase: Airbase) -> None:
    airbase.admin("DELETE", "stats")
    _install(airbase, {"method": "GET", "path": "/tags/$", "delay_s": 0.2, "after_commit": True, "times": 1})
    late = airbase.get("/tags/", timeout=5)
    plain = airbase.get("/tags/")
    assert late.status_code == plain.status_code == 200 and late.json() == plain.json()
    assert late.headers["X-Ratelimit-Limit"] == plain.headers["X-Ratelimit-Limit"]
    assert int(late.headers["X-Ratelimit-Remaining"]) == int(plain.headers["X-Ratelimit-Remaining"]) + 1
    assert late.headers["Allow"] == plain.headers["Allow"]
    stats = airbase.admin("GET", "stats").json()
    assert {"method": "GET", "path": "/v1/accounting/tags/", "status": 200, "count": 2} in stats


def test_after_commit_status_replaces_a_rate_limited_answer_too(airbase: Airbase) -> None:
    airbase.admin("POST", "config", {"rate_limit": 1})
    assert airbase.get("/vendors/").status_code == 200
    rule = {"method": "GET", "path": "/vendors/$", "status": 503, "after_commit": True, "times": 1}
    _install(airbase, rule)
    replaced = airbase.get("/vendors/")
    assert replaced.status_code == 503 and replaced.headers["X-Ratelimit-Remaining"] == "0"
    assert airbase.get("/vendors/").status_code == 429
