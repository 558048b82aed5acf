"""Shared fakes and constants of these tests: a clock whose sleep only advances time, client factories."""

from __future__ import annotations

from typing import Any

import responses
from fake_clock import FakeClock

from visma_airbase_pipeline.transport import RetryConfig, TransportConfig
from visma_airbase_pipeline.visma import VismaClient

BASE = "https://api.visma.test"
TOKEN_URL = "https://connect.visma.test/connect/token"
CLIENT_ID = "vab-sandbox-client"
SECRET = "vab-sandbox-secret"
TENANT = "vab-sandbox-tenant"
COMPANY = "1000001"


def make_client(clock: FakeClock, **options: Any) -> VismaClient:
    """A client against the mocked host: no jitter, so every wait is exact."""
    settings: dict[str, Any] = {
        "base_url": BASE,
        "token_url": TOKEN_URL,
        "client_id": CLIENT_ID,
        "client_secret": SECRET,
        "tenant_id": TENANT,
        "company_id": COMPANY,
        "config": TransportConfig(retry=RetryConfig(jitter_s=0.0)),
        "sleep": clock.sleep,
        "clock": clock,
    }
    settings.update(options)
    return VismaClient(**settings)


def add_token(rsps: responses.RequestsMock, token: str = "tok-1", expires_in: int = 3600) -> None:
    rsps.post(TOKEN_URL, json={"access_token": token, "expires_in": expires_in, "token_type": "Bearer"})


def invoice(number: int, *, total: int | None = None, max_page: int = 500, stamp: int = 1) -> dict[str, Any]:
    """A raw list item of /v1/supplierInvoice as Visma sends it (amounts as JSON numbers)."""
    import base64

    record: dict[str, Any] = {
        "documentType": "Invoice",
        "referenceNumber": f"{number:06d}",
        "status": "Open",
        "amount": 1250.10,
        "supplier": {"number": "50012", "name": "Nordisk Kontor AS"},
        "lastModifiedDateTime": "2025-03-14T09:21:07.513",
        "timeStamp": base64.b64encode(stamp.to_bytes(8, "big")).decode(),
    }
    if total is not None:
        record["metadata"] = {"totalCount": total, "maxPageSize": max_page}
    return record
