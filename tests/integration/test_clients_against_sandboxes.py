"""The real clients against the real sandboxes, with the sandboxes' fault rules switched on."""

from __future__ import annotations

import math
import time
from decimal import Decimal

import pytest
import requests

from visma_airbase_pipeline.airbase import AirbaseClient
from visma_airbase_pipeline.credentials import resolve_credentials
from visma_airbase_pipeline.ping import ping
from visma_airbase_pipeline.visma import VismaClient

pytestmark = pytest.mark.integration


def _stats(url: str) -> list[dict]:
    return requests.get(f"{url}/_sandbox/stats", timeout=10).json()


def _count(stats: list[dict], method: str, path: str, status: int | None = None) -> int:
    return sum(
        s["count"]
        for s in stats
        if s["method"] == method and s["path"] == path and status in (None, s["status"])
    )


def _faults(url: str, *rules: dict) -> None:
    requests.post(f"{url}/_sandbox/faults", json={"rules": list(rules)}, timeout=10).raise_for_status()


@pytest.fixture
def fast_retries(monkeypatch):
    # Real backoff is seconds; the policy is the same with smaller numbers.
    monkeypatch.setenv("VAB_BACKOFF_BASE_S", "0.01")
    monkeypatch.setenv("VAB_BACKOFF_CAP_S", "0.05")
    monkeypatch.setenv("VAB_BACKOFF_JITTER_S", "0")
    monkeypatch.setenv("VAB_RETRY_AFTER_CAP_S", "1")


def test_reading_ten_thousand_invoices_costs_the_minimum(sandbox_env):
    visma_url = sandbox_env.visma_url
    requests.post(
        f"{visma_url}/_sandbox/reset", json={"seed": 42, "invoices": 10_000}, timeout=120
    ).raise_for_status()
    with VismaClient.from_credentials(resolve_credentials(), page_size=1000) as client:
        invoices = client.iter_supplier_invoices()
        first = next(invoices)  # lazy: the first item needs one page, not the whole pull
        assert _count(_stats(visma_url), "GET", "/v1/supplierInvoice") == 1
        rest = sum(1 for _ in invoices)
    assert 1 + rest == 10_000 and isinstance(first.amount, Decimal)
    stats = _stats(visma_url)
    assert _count(stats, "GET", "/v1/supplierInvoice") == math.ceil(
        10_000 / 500
    )  # requested 1000, capped at 500
    assert _count(stats, "POST", "/connect/token") == 1


def test_visma_client_rides_out_429_and_5xx(sandbox_env, fast_retries):
    visma_url = sandbox_env.visma_url
    _faults(
        visma_url,
        {"method": "GET", "path": "^/v1/supplier$", "status": 429, "retry_after": 1, "nth": 1},
        {"method": "GET", "path": "^/v1/supplier$", "status": 503, "nth": 2, "times": 2, "body": "gateway"},
    )
    with VismaClient.from_credentials(resolve_credentials()) as client:
        suppliers = list(client.iter_suppliers())
        assert len(suppliers) == len({s.number for s in suppliers}) > 0
        assert client.stats.retries == 3
    assert _count(_stats(visma_url), "GET", "/v1/supplier", 429) == 1


def test_airbase_bulk_upsert_replays_safely_after_a_lost_answer(sandbox_env, fast_retries):
    airbase_url = sandbox_env.airbase_url
    _faults(
        airbase_url,
        {"method": "POST", "path": "accounts/bulk_upsert", "status": 500, "after_commit": True, "nth": 1},
    )
    item = {
        "erp_reference_id": "6540",
        "account_number": "6540",
        "name": "IT-tjänster",
        "type": "Expense",
        "category": "",
        "erp_currency_reference_id": "SEK",
        "subsidiary_reference_ids": [{"erp_reference_id": "1"}],
    }
    with AirbaseClient.from_credentials(resolve_credentials()) as client:
        result = client.upsert_accounts([item])
        assert result.stored_indexes == {0} and client.stats.retries == 1
    accounts = requests.get(f"{airbase_url}/_sandbox/state/accounts", timeout=10).json()
    assert [a["erp_reference_id"] for a in accounts].count("6540") == 1  # committed once, replayed harmlessly


def test_a_token_expiring_mid_cycle_is_replaced_once(sandbox_env):
    visma_url = sandbox_env.visma_url
    requests.post(f"{visma_url}/_sandbox/config", json={"token_ttl": 1}, timeout=10).raise_for_status()
    # (The 401-then-refresh path, for a token the server revokes early, is a unit test with responses.)
    with VismaClient.from_credentials(resolve_credentials(), refresh_margin_s=0) as client:
        assert client.get_supplier("70001") is not None
        time.sleep(1.5)
        assert client.get_supplier("70001") is not None
    stats = _stats(visma_url)
    assert _count(stats, "GET", "/v1/supplier/{number}", 200) == 2
    assert _count(stats, "GET", "/v1/supplier/{number}", 401) == 0  # replaced before it failed a call
    assert _count(stats, "POST", "/connect/token") == 2


def test_ping_passes_against_the_sandboxes(sandbox_env):
    report = ping()
    assert report.ok, report.messages()
    assert {c.system for c in report.checks} == {"visma", "airbase"}


def test_ping_names_each_wrong_setting(sandbox_env, monkeypatch):
    monkeypatch.setenv("VAB_VISMA_CLIENT_SECRET", "wrong-secret-value")
    monkeypatch.setenv("VAB_AIRBASE_TOKEN", "wrong-airbase-token")
    report = ping()
    assert not report.ok
    text = " ".join(report.problems())
    assert "client" in text.lower() and "airbase" in text.lower()
    for secret in ("wrong-secret-value", "wrong-airbase-token"):
        assert secret not in text
    monkeypatch.setenv("VAB_VISMA_CLIENT_SECRET", "vab-sandbox-secret")
    monkeypatch.setenv("VAB_VISMA_COMPANY_ID", "9999999")
    assert "company" in " ".join(ping().problems()).lower()
