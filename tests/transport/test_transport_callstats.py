"""The call ledger: counts per (method, path template), for assets to report API cost."""

from __future__ import annotations

import json

import responses
from transport_fakes import BASE, FakeClock

from visma_airbase_pipeline.transport import CallStats, Transport, expand


def test_counts_per_template_not_per_record(transport: Transport, clock: FakeClock):
    template = "/v1/supplierInvoice/{documentType}/{number}"
    with responses.RequestsMock() as rsps:
        for number in ("000123", "000124"):
            rsps.get(f"{BASE}/v1/supplierInvoice/Invoice/{number}", json={})
        rsps.get(f"{BASE}/v1/supplierInvoice/Invoice/000125", status=500)
        rsps.get(f"{BASE}/v1/supplierInvoice/Invoice/000125", json={})
        for number in ("000123", "000124", "000125"):
            path = expand(template, documentType="Invoice", number=number)
            transport.request("GET", path, template=template)
    snapshot = transport.stats.snapshot()
    assert snapshot["calls"] == 4
    assert snapshot["retries"] == 1
    assert snapshot["wait_s"] == 1.0
    assert snapshot["endpoints"] == {
        f"GET {template}": {"calls": 4, "retries": 1, "wait_s": 1.0, "statuses": {"200": 3, "500": 1}}
    }


def test_metadata_is_flat_prefixed_and_json_serialisable():
    stats = CallStats("visma")
    stats.record_call("get", "/v1/supplier", 200)
    stats.record_call("GET", "/v1/supplier", 429)
    stats.record_retry("GET", "/v1/supplier", 7.0)
    stats.record_pacing(3.0)
    stats.observe_rate(500, 400)
    metadata = stats.as_metadata()
    assert metadata["visma_api_calls"] == 2
    assert metadata["visma_api_retries"] == 1
    assert metadata["visma_api_wait_s"] == 10.0
    assert metadata["visma_api_rate_headroom"] == 0.8
    assert metadata["visma_api_endpoints"]["GET /v1/supplier"]["statuses"] == {"200": 1, "429": 1}
    json.dumps(metadata)


def test_expand_quotes_ids_whole():
    assert expand("/v1/supplier/{number}", number="A/B 1") == "/v1/supplier/A%2FB%201"
