"""Every knob of the connector, read from ``VAB_*`` environment variables (and ``.env``).

Secrets have no defaults here: they come from the environment or the encrypted vault, never
from code. Non-secret defaults point at the local sandboxes so a fresh clone runs end to end.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

SANDBOX_HOST = "127.0.0.1"
SANDBOX_VISMA_PORT = 8701
SANDBOX_AIRBASE_PORT = 8702


def dagster_home() -> Path:
    """Where the vault and the default SQLite ledger live: ``$DAGSTER_HOME`` or ``.dagster_home``."""
    return Path(os.environ.get("DAGSTER_HOME") or Path.cwd() / ".dagster_home")


class Settings(BaseSettings):
    """Connector settings; environment variables override the vault for CI and containers."""

    model_config = SettingsConfigDict(env_prefix="VAB_", env_file=".env", extra="ignore")

    visma_base_url: str = f"http://{SANDBOX_HOST}:{SANDBOX_VISMA_PORT}"
    visma_token_url: str = f"http://{SANDBOX_HOST}:{SANDBOX_VISMA_PORT}/connect/token"
    visma_client_id: str | None = None
    visma_client_secret: SecretStr | None = Field(default=None, repr=False)
    visma_tenant_id: str | None = None
    visma_company_id: str | None = None
    visma_use_legacy_path: bool = False
    visma_page_size: int = 500
    visma_scope: str = (
        "vismanet_erp_service_api:read vismanet_erp_service_api:create "
        "vismanet_erp_service_api:update vismanet_erp_service_api:delete"
    )

    airbase_base_url: str = f"http://{SANDBOX_HOST}:{SANDBOX_AIRBASE_PORT}"
    airbase_token: SecretStr | None = Field(default=None, repr=False)
    airbase_auth_scheme: str = "Token"
    airbase_page_size: int = 250

    visma_webhook_secret: SecretStr | None = Field(default=None, repr=False)
    airbase_webhook_secret: SecretStr | None = Field(default=None, repr=False)

    ledger_url: str | None = Field(default=None, repr=False)
    #: First day of the daily partitions of the inbound assets (UTC).
    partition_start: str = "2026-01-01"
    #: The poller: today's partition and the payment queue, the backstop for missed webhooks.
    poll_cron: str = "*/15 * * * *"
    #: Reference data (accounts, cost centres, suppliers) re-synced whole once a day.
    reference_cron: str = "0 2 * * *"
    #: Seconds between looks of the inbox sensors at new webhook events. The daemon's sensor loop
    #: wakes every 5 s (fixed in Dagster) and ticks each sensor whose interval has passed: 4 means
    #: every wake-up (5 would skip one whenever the last tick began a moment late: 5 or 10 s). A
    #: tick is cheap (two small run-storage queries and one indexed inbox query), and a webhook
    #: waits for the next one: this interval is most of the webhook -> bill latency.
    sensor_interval_s: int = 4
    #: A webhook batch naming more documents than this runs today's delta instead of fetching each.
    targeted_max_documents: int = 200
    master_key: SecretStr | None = Field(default=None, repr=False)

    connect_timeout_s: float = 10.0
    read_timeout_s: float = 60.0
    max_attempts: int = 5
    max_retry_time_s: float = 300.0
    # Transport tuning (clients, issue 4): backoff 1-2-4-8-16 s + jitter, Retry-After capped,
    # Visma tokens renewed 5 min before expiry.
    backoff_base_s: float = 1.0
    backoff_cap_s: float = 30.0
    backoff_jitter_s: float = 1.0
    retry_after_cap_s: float = 120.0
    #: Share of each rate-limit window left unspent (pacing waits at ceil(limit x reserve) calls
    #: remaining). 0: the budget is spent to the last call, then the pacer waits for the reset.
    #: Raise it when something outside the visma_api/airbase_api pools spends the same budget
    #: (see transport/pacing.py).
    rate_limit_reserve: float = Field(default=0.0, ge=0.0, lt=1.0)
    visma_token_refresh_margin_s: float = 300.0
    visma_delta_overlap_s: float = 600.0


def load_settings() -> Settings:
    """Fresh settings from the current environment (tests change it between calls)."""
    return Settings()
