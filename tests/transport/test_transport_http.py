"""Retry policy of the shared transport: what is retried, how long it waits, when it gives up."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from email.utils import format_datetime

import pytest
import requests
import responses
from transport_fakes import BASE, WALL, FakeClock, make_transport

from visma_airbase_pipeline.errors import (
    AuthError,
    Conflict,
    NotFound,
    RateLimited,
    RemoteError,
    ServerError,
    StaleEtag,
    TransportError,
    ValidationFailed,
)
from visma_airbase_pipeline.transport import RetryConfig, Transport, TransportConfig
from visma_airbase_pipeline.transport.retry import backoff_s, parse_retry_after

URL = f"{BASE}/v1/thing"


def test_429_honours_retry_after_in_seconds(
    rsps: responses.RequestsMock, transport: Transport, clock: FakeClock
):
    rsps.get(URL, status=429, headers={"Retry-After": "7"}, json={"message": "slow down"})
    rsps.get(URL, json={"ok": True})
    assert transport.request("GET", "/v1/thing").json() == {"ok": True}
    assert clock.sleeps == [7.0]
    assert transport.stats.retries == 1


def test_429_honours_retry_after_as_http_date(
    rsps: responses.RequestsMock, transport: Transport, clock: FakeClock
):
    when = format_datetime(datetime.fromtimestamp(WALL + 30, tz=UTC), usegmt=True)
    rsps.get(URL, status=429, headers={"Retry-After": when})
    rsps.get(URL, json={})
    transport.request("GET", "/v1/thing")
    assert clock.sleeps == [30.0]


def test_retry_after_is_capped_at_120_s(rsps: responses.RequestsMock, transport: Transport, clock: FakeClock):
    rsps.get(URL, status=429, headers={"Retry-After": "3600"})
    rsps.get(URL, json={})
    transport.request("GET", "/v1/thing")
    assert clock.sleeps == [120.0]


def test_429_without_retry_after_uses_drf_hint_then_backoff(
    rsps: responses.RequestsMock, transport: Transport, clock: FakeClock
):
    # Airbase's throttle body names the wait; a bare 429 falls back to exponential backoff.
    rsps.get(URL, status=429, json={"detail": "Request was throttled. Expected available in 12 seconds."})
    rsps.get(URL, status=429, body="")
    rsps.get(URL, json={})
    transport.request("GET", "/v1/thing")
    assert clock.sleeps == [12.0, 2.0]


def test_429_is_retried_even_for_a_post_create(
    rsps: responses.RequestsMock, transport: Transport, clock: FakeClock
):
    # A 429 means "not processed": replaying it cannot create a duplicate.
    rsps.post(URL, status=429, headers={"Retry-After": "1"})
    rsps.post(URL, status=201, headers={"Location": f"{BASE}/v1/thing/42"})
    assert transport.request("POST", "/v1/thing", json_body={"a": 1}).status_code == 201
    assert len(rsps.calls) == 2


@pytest.mark.parametrize("status", [400, 401, 403, 404, 405, 409, 412, 422])
def test_other_4xx_are_never_retried(rsps: responses.RequestsMock, transport: Transport, status: int):
    rsps.get(URL, status=status, json={"detail": "no"})
    with pytest.raises(RemoteError) as caught:
        transport.request("GET", "/v1/thing")
    assert caught.value.status == status
    assert len(rsps.calls) == 1


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (400, ValidationFailed),
        (401, AuthError),
        (403, AuthError),
        (404, NotFound),
        (409, Conflict),
        (412, StaleEtag),
        (422, ValidationFailed),
        (429, RateLimited),
        (503, ServerError),
    ],
)
def test_status_maps_to_typed_error(status: int, kind: type[RemoteError], clock: FakeClock):
    with responses.RequestsMock() as rsps:
        rsps.get(URL, status=status, json={"detail": "x"})
        with pytest.raises(kind):
            make_transport(clock, max_attempts=1).request("GET", "/v1/thing")


def test_5xx_retried_with_backoff_then_gives_up_after_max_attempts(
    rsps: responses.RequestsMock, transport: Transport, clock: FakeClock
):
    rsps.get(URL, status=503, body="<html><body><h1>503 Service Unavailable</h1></body></html>")
    with pytest.raises(ServerError) as caught:
        transport.request("GET", "/v1/thing")
    assert len(rsps.calls) == 5
    assert clock.sleeps == [1.0, 2.0, 4.0, 8.0]  # visma.md 9.2: 1-2-4-8-16 s
    assert caught.value.message == "503 Service Unavailable"  # HTML collapsed to its text
    assert transport.stats.snapshot()["endpoints"]["GET /v1/thing"]["statuses"] == {"503": 5}


def test_total_retry_time_is_bounded_even_with_attempts_left(rsps: responses.RequestsMock, clock: FakeClock):
    transport = make_transport(clock, max_attempts=10, max_total_s=10.0)
    rsps.get(URL, status=500)
    with pytest.raises(ServerError):
        transport.request("GET", "/v1/thing")
    # waits 1, 2, 4 fit in 10 s; the next (8 s) would end at 15 s > 10 s, so it stops after 4 calls.
    assert clock.sleeps == [1.0, 2.0, 4.0]
    assert len(rsps.calls) == 4


def test_rate_limited_gives_up_when_retry_after_exceeds_the_time_budget(
    rsps: responses.RequestsMock, clock: FakeClock
):
    transport = make_transport(clock, max_total_s=60.0)
    rsps.get(URL, status=429, headers={"Retry-After": "100"})
    with pytest.raises(RateLimited) as caught:
        transport.request("GET", "/v1/thing")
    assert caught.value.retry_after == 100.0
    assert clock.sleeps == []


def test_timeout_is_retried_for_a_get(rsps: responses.RequestsMock, transport: Transport, clock: FakeClock):
    rsps.get(URL, body=requests.exceptions.ReadTimeout("read timed out"))
    rsps.get(URL, json={"ok": 1})
    assert transport.request("GET", "/v1/thing").json() == {"ok": 1}
    assert transport.stats.snapshot()["endpoints"]["GET /v1/thing"]["statuses"] == {
        "200": 1,
        "read_timeout": 1,
    }


@pytest.mark.parametrize(
    "failure",
    [requests.exceptions.ReadTimeout("read timed out"), requests.exceptions.ConnectionError("reset")],
)
def test_post_create_is_not_retried_on_timeout_or_connection_error(
    rsps: responses.RequestsMock, transport: Transport, failure: Exception
):
    rsps.post(URL, body=failure)
    with pytest.raises(TransportError):
        transport.request("POST", "/v1/thing", json_body={"a": 1})
    assert len(rsps.calls) == 1


def test_post_create_is_not_retried_on_5xx(rsps: responses.RequestsMock, transport: Transport):
    rsps.post(URL, status=500, json={"ExceptionType": "X", "ExceptionMessage": "boom"})
    with pytest.raises(ServerError, match="boom"):
        transport.request("POST", "/v1/thing", json_body={})
    assert len(rsps.calls) == 1


def test_idempotent_write_is_retried_on_5xx(rsps: responses.RequestsMock, transport: Transport):
    rsps.put(URL, status=502)
    rsps.put(URL, status=204)
    assert transport.request("PUT", "/v1/thing", json_body={}, idempotent=True).status_code == 204
    assert len(rsps.calls) == 2


@pytest.mark.parametrize(
    ("failure", "kind"),
    [
        (requests.exceptions.ConnectTimeout("x"), "connect_timeout"),
        (requests.exceptions.ReadTimeout("x"), "read_timeout"),
        (requests.exceptions.SSLError("certificate verify failed"), "tls"),
        (requests.exceptions.ConnectionError("Failed to resolve 'x' (Name or service not known)"), "dns"),
        (requests.exceptions.ConnectionError("[Errno 111] Connection refused"), "refused"),
        (requests.exceptions.ConnectionError("Connection reset by peer"), "connection"),
    ],
)
def test_transport_failures_are_named(clock: FakeClock, failure: Exception, kind: str):
    with responses.RequestsMock() as rsps:
        rsps.get(URL, body=failure)
        with pytest.raises(TransportError) as caught:
            make_transport(clock, max_attempts=1).request("GET", "/v1/thing")
    assert caught.value.kind == kind
    assert caught.value.path == "/v1/thing"


def test_closed_port_is_connection_refused(clock: FakeClock, free_port: int):
    transport = Transport(
        f"http://127.0.0.1:{free_port}",
        system="test",
        config=TransportConfig(retry=RetryConfig(max_attempts=1)),
        sleep=clock.sleep,
        clock=clock,
    )
    with pytest.raises(TransportError) as caught:
        transport.request("GET", "/v1/thing")
    assert caught.value.kind == "refused"
    assert f"127.0.0.1:{free_port}" in str(caught.value)


def test_decimal_bodies_go_out_as_json_numbers(rsps: responses.RequestsMock, transport: Transport):
    from decimal import Decimal

    rsps.post(URL, status=201)
    transport.request("POST", "/v1/thing", json_body={"amount": Decimal("1250.10")})
    assert rsps.calls[0].request.body == b'{"amount":1250.10}'
    assert rsps.calls[0].request.headers["Content-Type"] == "application/json"


def test_timeouts_are_explicit(rsps: responses.RequestsMock, clock: FakeClock):
    seen: list[object] = []
    config = TransportConfig(connect_timeout_s=3.0, read_timeout_s=9.0)
    transport = Transport(BASE, system="test", config=config, sleep=clock.sleep, clock=clock)
    original = transport.session.request

    def spy(*args: object, **kwargs: object) -> requests.Response:
        seen.append(kwargs["timeout"])
        return original(*args, **kwargs)  # type: ignore[arg-type]

    transport.session.request = spy  # type: ignore[method-assign]
    rsps.get(URL, json={})
    transport.request("GET", "/v1/thing")
    assert seen == [(3.0, 9.0)]


def test_jitter_stays_within_its_bound():
    config = RetryConfig(jitter_s=1.0)
    rng = random.Random(7)
    waits = [backoff_s(None, 3, config, rng) for _ in range(50)]
    assert all(4.0 <= wait <= 5.0 for wait in waits)
    assert len(set(waits)) > 1


@pytest.mark.parametrize(
    ("header", "expected"),
    [("12", 12.0), ("0", 0.0), ("-5", 0.0), ("soon", None), (None, None), ("", None)],
)
def test_parse_retry_after(header: str | None, expected: float | None):
    assert parse_retry_after(header, WALL) == expected


def test_error_carries_request_id_and_no_query_secret(rsps: responses.RequestsMock, transport: Transport):
    rsps.get(URL, status=404, json={"detail": "Not found."}, headers={"X-Request-Id": "req-77"})
    with pytest.raises(NotFound) as caught:
        transport.request("GET", "/v1/thing", query=[("api_key", "hunter2-hunter2"), ("page", 1)])
    error = caught.value
    assert error.request_id == "req-77"
    assert error.path == "/v1/thing?api_key=***&page=1"
    assert "hunter2" not in str(error) and "hunter2" not in repr(error)
