"""Shared fakes and constants of these tests: a clock whose sleep only advances time, client factories."""

from __future__ import annotations

from typing import Any

from fake_clock import FakeClock

from visma_airbase_pipeline.airbase import AirbaseClient
from visma_airbase_pipeline.transport import RetryConfig, TransportConfig

BASE = "https://api.airbase.test"
API = f"{BASE}/v1/accounting"
TOKEN = "vab-sandbox-airbase-token"


def make_client(clock: FakeClock, **options: Any) -> AirbaseClient:
    settings: dict[str, Any] = {
        "base_url": BASE,
        "token": TOKEN,
        "config": TransportConfig(retry=RetryConfig(jitter_s=0.0)),
        "sleep": clock.sleep,
        "clock": clock,
    }
    settings.update(options)
    return AirbaseClient(**settings)


def page(items: list[dict[str, Any]], *, next_url: str | None = None, size: int = 250) -> dict[str, Any]:
    return {"data": items, "pagination": {"next": next_url, "previous": None, "page": 1, "page_size": size}}
