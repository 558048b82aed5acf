"""Helpers of the Airbase sandbox tests: an HTTP client, the reference data and bills of the
contract's examples, and a webhook receiver's record of deliveries."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import requests

from visma_airbase_pipeline.sandbox.airbase.app import AirbaseSandbox

TOKEN = "vab-sandbox-airbase-token"
PREFIX = "/v1/accounting"


@dataclass
class Airbase:
    """A client of the running sandbox: authenticated API calls and unauthenticated admin calls."""

    url: str
    sandbox: AirbaseSandbox
    session: requests.Session = field(default_factory=requests.Session)

    def api(self, method: str, path: str, *, auth: str | None = f"Token {TOKEN}", **kwargs: Any):
        headers = dict(kwargs.pop("headers", {}) or {})
        if auth is not None:
            headers.setdefault("Authorization", auth)
        kwargs.setdefault("timeout", 10)
        return self.session.request(method, f"{self.url}{PREFIX}{path}", headers=headers, **kwargs)

    def get(self, path: str, **kwargs: Any):
        return self.api("GET", path, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any):
        return self.api("POST", path, json=body, **kwargs)

    def patch(self, path: str, body: Any = None, **kwargs: Any):
        return self.api("PATCH", path, json=body, **kwargs)

    def admin(self, method: str, path: str, body: Any = None, **kwargs: Any):
        kwargs.setdefault("timeout", 10)
        return self.session.request(method, f"{self.url}/_sandbox/{path}", json=body, **kwargs)

    def state(self, collection: str) -> list[dict[str, Any]]:
        response = self.admin("GET", f"state/{collection}")
        response.raise_for_status()
        return response.json()

    def upsert(self, resource: str, *entities: dict[str, Any]) -> dict[str, Any]:
        response = self.post(f"/{resource}/bulk_upsert/", {"entities": list(entities)})
        assert response.status_code == 200, response.text
        return response.json()


# ----- reference data and bills -----------------------------------------------------------------
SUBSIDIARY = [{"erp_reference_id": "1"}]
ACCOUNTS = [
    {"erp_reference_id": "2440", "account_number": "2440", "name": "Leverantörsskulder", "type": "Liability"},
    {"erp_reference_id": "6540", "account_number": "6540", "name": "IT-tjänster", "type": "Expense"},
    {"erp_reference_id": "6550", "account_number": "6550", "name": "Konsultarvoden", "type": "Expense"},
    {"erp_reference_id": "1930", "account_number": "1930", "name": "Företagskonto", "type": "Asset"},
    {"erp_reference_id": "6999", "account_number": "6999", "name": "Spärrat", "is_active": False},
]
TAGS = [
    {"erp_reference_id": "CC-200", "name": "IT", "type": "cost_center"},
    {"erp_reference_id": "PRJ-17", "name": "Hamnprojekt", "type": "project"},
]
VENDORS = [
    {"erp_reference_id": "50012", "name": "Hostco GmbH"},
    {"erp_reference_id": "50013", "name": "Kühne Logistik GmbH"},
    {"erp_reference_id": "50099", "name": "Gammal Leverantör AB", "is_active": False},
]


def bill(erp_id: str = "SI-000123", **overrides: Any) -> dict[str, Any]:
    """The contract's example bill (EUR 1500.00 over two lines), with overrides."""
    base: dict[str, Any] = {
        "erp_reference_id": erp_id,
        "invoice_number": f"INV-{erp_id}",
        "erp_vendor_reference_id": "50012",
        "erp_subsidiary_reference_id": "1",
        "erp_currency_reference_id": "EUR",
        "erp_ap_account_reference_id": "2440",
        "invoice_date": "2026-03-02",
        "due_date": "2026-04-01",
        "total_amount": "1500.00",
        "memo": "Hosting and support, March",
        "erp_purchase_order_reference_id": None,
        "lines": [
            {
                "line_number": 1,
                "description": "Hosting",
                "amount": "1200.00",
                "erp_account_reference_id": "6540",
                "erp_tag_reference_ids": ["CC-200", "PRJ-17"],
            },
            {
                "line_number": 2,
                "description": "Support",
                "amount": "300.00",
                "erp_account_reference_id": "6550",
                "erp_tag_reference_ids": ["CC-200"],
            },
        ],
    }
    base.update(overrides)
    return base


def push_bill(airbase: Airbase, erp_id: str = "SI-000123", **overrides: Any) -> str:
    """Upsert one bill and return its Airbase id."""
    result = airbase.upsert("bills", bill(erp_id, **overrides))
    assert not result["validation_errors"], result
    return (result["created"] or result["updated"])[0]["airbase_id"]


def approved_bill(
    airbase: Airbase, erp_id: str = "SI-000123", **overrides: Any
) -> tuple[str, dict[str, Any]]:
    """A pushed and approved bill: its id and its ``bill`` ledger entry."""
    bill_id = push_bill(airbase, erp_id, **overrides)
    response = airbase.admin("POST", f"bills/{bill_id}/approve")
    assert response.status_code == 200, response.text
    return bill_id, response.json()["ledger_entry"]


# ----- a webhook receiver -----------------------------------------------------------------------
@dataclass
class Receiver:
    """Deliveries seen by a loopback HTTP server; ``fail_first`` answers 503 that many times."""

    url: str = ""
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    fail_first: int = 0
    arrived: threading.Condition = field(default_factory=threading.Condition)

    def wait_for(self, count: int, timeout: float = 10.0) -> list[tuple[dict[str, str], bytes]]:
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.received) >= count, timeout)
            return list(self.received)
