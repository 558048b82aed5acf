"""`vab ping`: each failure mode becomes one plain sentence saying what is wrong and what to check."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import responses
from pydantic import SecretStr

from visma_airbase_pipeline.credentials import Credentials
from visma_airbase_pipeline.ping import PingReport, ping
from visma_airbase_pipeline.settings import Settings

VISMA = "https://visma.ping.test"
TOKEN_URL = "https://connect.ping.test/connect/token"
AIRBASE = "https://airbase.ping.test"
SECRETS = ("vab-sandbox-secret", "vab-sandbox-airbase-token", "tok-ping-123456")


def credentials(**changes: Any) -> Credentials:
    values: dict[str, Any] = {
        "visma_base_url": VISMA,
        "visma_token_url": TOKEN_URL,
        "visma_client_id": "vab-sandbox-client",
        "visma_client_secret": SecretStr("vab-sandbox-secret"),
        "visma_tenant_id": "vab-sandbox-tenant",
        "visma_company_id": "1000001",
        "airbase_base_url": AIRBASE,
        "airbase_token": SecretStr("vab-sandbox-airbase-token"),
    }
    values.update(changes)
    return Credentials(**values)


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> Settings:
    for name in list(os.environ):
        if name.startswith("VAB_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return Settings(_env_file=None)


@pytest.fixture
def rsps() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def visma_ok(rsps: responses.RequestsMock) -> None:
    rsps.post(TOKEN_URL, json={"access_token": "tok-ping-123456", "expires_in": 3600})
    rsps.get(
        f"{VISMA}/v1/supplier",
        json=[{"number": "50012", "metadata": {"totalCount": 1, "maxPageSize": 500}}],
        headers={"X-RateLimit-Limit": "500", "X-RateLimit-Remaining": "480", "X-RateLimit-Reset": "1800"},
    )


def airbase_ok(rsps: responses.RequestsMock) -> None:
    rsps.get(
        f"{AIRBASE}/v1/accounting/vendors/",
        json={"data": [{"id": "v1"}], "pagination": {"next": None}},
        headers={"X-Ratelimit-Limit": "500", "X-Ratelimit-Remaining": "499"},
    )


def problem(report: PingReport, system: str) -> str:
    failed = [c for c in report.checks if c.system == system and not c.ok]
    assert len(failed) == 1, report.messages()
    return failed[0].message


def assert_no_secrets(report: PingReport) -> None:
    text = "\n".join(report.messages()) + repr(report)
    for secret in SECRETS:
        assert secret not in text


def test_all_good(rsps: responses.RequestsMock, settings: Settings):
    visma_ok(rsps)
    airbase_ok(rsps)
    report = ping(credentials(), settings)
    assert report.ok, report.messages()
    assert [(c.system, c.name) for c in report.checks] == [
        ("visma", "token"),
        ("visma", "company"),
        ("visma", "suppliers"),
        ("airbase", "vendors"),
    ]
    assert all(c.latency_ms is not None for c in report.checks)
    suppliers = report.checks[2]
    assert (suppliers.rate_limit, suppliers.rate_remaining) == (500, 480)
    assert (report.checks[3].rate_limit, report.checks[3].rate_remaining) == (500, 499)
    company_call = rsps.calls[1].request
    assert company_call.headers["ipp-company-id"] == "1000001"
    assert company_call.url == f"{VISMA}/v1/supplier?pageNumber=1&pageSize=1"
    assert_no_secrets(report)


def test_bad_client_secret(rsps: responses.RequestsMock, settings: Settings):
    rsps.post(TOKEN_URL, status=400, json={"error": "invalid_client"})
    airbase_ok(rsps)
    report = ping(credentials(), settings)
    assert not report.ok
    message = problem(report, "visma")
    assert "client id or client secret (invalid_client)" in message and "VAB_VISMA_CLIENT_SECRET" in message
    assert [c.name for c in report.checks if c.system == "visma"] == ["token"]  # nothing after a failed token
    assert_no_secrets(report)


def test_wrong_tenant_at_the_token_endpoint(rsps: responses.RequestsMock, settings: Settings):
    rsps.post(TOKEN_URL, status=400, json={"error": "invalid_tenant"})
    airbase_ok(rsps)
    message = problem(ping(credentials(), settings), "visma")
    assert "invalid_tenant" in message and "not the customer tenant" in message


def test_customer_tenant_gets_a_token_but_401_on_api_calls(rsps: responses.RequestsMock, settings: Settings):
    rsps.post(TOKEN_URL, json={"access_token": "tok-ping-123456", "expires_in": 3600})
    rsps.get(f"{VISMA}/v1/supplier", status=401, json={"message": "Unauthorized"})
    airbase_ok(rsps)
    report = ping(credentials(), settings)
    message = problem(report, "visma")
    assert "customer tenant, not the company tenant" in message and "VAB_VISMA_TENANT_ID" in message
    assert_no_secrets(report)


def test_wrong_company(rsps: responses.RequestsMock, settings: Settings):
    rsps.post(TOKEN_URL, json={"access_token": "tok-ping-123456", "expires_in": 3600})
    rsps.get(
        f"{VISMA}/v1/supplier",
        status=403,
        json={
            "ExceptionType": "IPPException",
            "ExceptionMessage": "Not authorised",
            "ExceptionFaultCode": "12002",
        },
    )
    airbase_ok(rsps)
    message = problem(ping(credentials(visma_company_id="999"), settings), "visma")
    assert message.startswith("Visma refused company 999 (403)") and "VAB_VISMA_COMPANY_ID" in message


def test_unreachable_host(rsps: responses.RequestsMock, settings: Settings):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    closed = f"http://127.0.0.1:{port}"
    rsps.add_passthru(closed)
    airbase_ok(rsps)
    report = ping(credentials(visma_base_url=closed, visma_token_url=f"{closed}/connect/token"), settings)
    message = problem(report, "visma")
    assert message == (
        f"Cannot reach Visma Connect at {closed}/connect/token: connection refused; "
        "check VAB_VISMA_TOKEN_URL and that the server is running."
    )
    assert report.checks[-1].ok  # Airbase is still checked


def test_unknown_host_name(rsps: responses.RequestsMock, settings: Settings):
    rsps.post(TOKEN_URL, json={"access_token": "tok-ping-123456", "expires_in": 3600})
    rsps.get(
        f"{VISMA}/v1/supplier",
        body=requests.exceptions.ConnectionError(
            "HTTPSConnectionPool(host='visma.ping.test', port=443): Max retries exceeded (Caused by "
            "NameResolutionError(\"Failed to resolve 'visma.ping.test' "
            '([Errno -2] Name or service not known)"))'
        ),
    )
    airbase_ok(rsps)
    message = problem(ping(credentials(), settings), "visma")
    assert message == (
        "Cannot reach the Visma API: the host name visma.ping.test does not resolve; "
        "check VAB_VISMA_BASE_URL."
    )


def test_bad_airbase_token(rsps: responses.RequestsMock, settings: Settings):
    visma_ok(rsps)
    rsps.get(f"{AIRBASE}/v1/accounting/vendors/", status=401, json={"detail": "Invalid token."})
    report = ping(credentials(), settings)
    assert not report.ok
    message = problem(report, "airbase")
    assert message.startswith("Airbase rejected the API token (401)") and "VAB_AIRBASE_TOKEN" in message
    assert_no_secrets(report)


def test_tls_error(rsps: responses.RequestsMock, settings: Settings):
    visma_ok(rsps)
    rsps.get(
        f"{AIRBASE}/v1/accounting/vendors/",
        body=requests.exceptions.SSLError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed"),
    )
    message = problem(ping(credentials(), settings), "airbase")
    assert message.startswith(f"The TLS handshake with the Airbase API at {AIRBASE} failed")
    assert "VAB_AIRBASE_BASE_URL" in message


def test_timeout_is_reported_without_retries(rsps: responses.RequestsMock, settings: Settings):
    rsps.post(TOKEN_URL, body=requests.exceptions.ConnectTimeout("connect timed out"))
    airbase_ok(rsps)
    message = problem(ping(credentials(), settings), "visma")
    assert "did not answer in time (connect timeout)" in message and "VAB_VISMA_TOKEN_URL" in message
    assert [c.request.url for c in rsps.calls].count(TOKEN_URL) == 1


def test_missing_credentials(rsps: responses.RequestsMock, settings: Settings):
    airbase_ok(rsps)
    report = ping(credentials(visma_client_secret=None), settings)
    message = problem(report, "visma")
    assert "Visma client secret not set" in message and "VAB_VISMA_CLIENT_SECRET" in message
    assert len(rsps.calls) == 1  # only Airbase was called


def test_rate_limited_api(rsps: responses.RequestsMock, settings: Settings):
    rsps.post(TOKEN_URL, json={"access_token": "tok-ping-123456", "expires_in": 3600})
    rsps.get(f"{VISMA}/v1/supplier", status=429, headers={"Retry-After": "30"}, json={"message": "Too many"})
    airbase_ok(rsps)
    message = problem(ping(credentials(), settings), "visma")
    assert message == "Visma is throttling this client (429); wait 30 s and try again."


def test_malformed_url_and_auth_scheme(rsps: responses.RequestsMock, settings: Settings):
    report = ping(
        credentials(visma_token_url="connect.ping.test/token", airbase_auth_scheme="Basic"), settings
    )
    assert "URL is not valid" in problem(report, "visma") and "check the configured URLs" in problem(
        report, "visma"
    )
    assert "VAB_AIRBASE_AUTH_SCHEME" in problem(report, "airbase")
    assert len(rsps.calls) == 0
