"""Dagster resources handing out the library clients, one fresh client per use.

Run config holds only non-secret knobs (base URLs, page size, legacy path); secrets are resolved at
run time from the environment or the vault (``credentials.py``) and never enter run config, the
Dagster UI or event logs. Each ``get_client()`` opens a new session; the Visma token is fetched
once per run (batch cycle) and handed from step to step (the resource lives as long as the run),
and again after a 401. So is each system's rate window (``RateBudget``): a step starts knowing how
much of the window the previous one left, and waits for the reset rather than running into a 429.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import dagster as dg
from pydantic import Field, PrivateAttr

from visma_airbase_pipeline.airbase import AirbaseClient
from visma_airbase_pipeline.credentials import resolve_credentials
from visma_airbase_pipeline.ledger import LedgerStore
from visma_airbase_pipeline.settings import load_settings
from visma_airbase_pipeline.transport import RateBudget
from visma_airbase_pipeline.visma import VismaClient
from visma_airbase_pipeline.visma.auth import AccessToken


def _overrides(**values: Any) -> dict[str, Any]:
    return {name: value for name, value in values.items() if value is not None}


class VismaResource(dg.ConfigurableResource):
    """Visma.net ERP client factory; unset fields fall back to ``VAB_*`` settings and the vault."""

    base_url: str | None = Field(default=None, description="Visma API base URL (default VAB_VISMA_BASE_URL).")
    token_url: str | None = Field(
        default=None, description="Visma Connect token URL (default VAB_VISMA_TOKEN_URL)."
    )
    use_legacy_path: bool | None = Field(default=None, description="Use /API/controller/api/v1 paths.")
    page_size: int | None = Field(default=None, description="Requested pageSize (Visma caps it at 500).")
    _token: AccessToken | None = PrivateAttr(default=None)
    _budget: RateBudget = PrivateAttr(default_factory=RateBudget)

    @contextmanager
    def get_client(self) -> Iterator[VismaClient]:
        """A fresh client (new session, the run's token and rate window) for one step; closed on exit."""
        settings = load_settings()
        credentials = resolve_credentials(settings)
        options = _overrides(
            base_url=self.base_url,
            token_url=self.token_url,
            use_legacy_path=self.use_legacy_path,
            page_size=self.page_size,
        )
        options["budget"] = self._budget
        with VismaClient.from_credentials(credentials, settings, **options) as client:
            client.auth.adopt(self._token)
            try:
                yield client
            finally:
                self._token = client.auth.current


class AirbaseResource(dg.ConfigurableResource):
    """Airbase client factory; unset fields fall back to ``VAB_*`` settings and the vault."""

    base_url: str | None = Field(default=None, description="Airbase base URL (default VAB_AIRBASE_BASE_URL).")
    page_size: int | None = Field(default=None, description="Requested page_size (Airbase caps it at 250).")
    _budget: RateBudget = PrivateAttr(default_factory=RateBudget)

    @contextmanager
    def get_client(self) -> Iterator[AirbaseClient]:
        """A fresh client (new session, the run's rate window) for one step; closed on exit."""
        settings = load_settings()
        credentials = resolve_credentials(settings)
        options = _overrides(base_url=self.base_url, page_size=self.page_size)
        options["budget"] = self._budget
        with AirbaseClient.from_credentials(credentials, settings, **options) as client:
            yield client


class LedgerResource(dg.ConfigurableResource):
    """The connector's state store. Its URL (which may hold a password) comes from ``VAB_LEDGER_URL``
    at run time, never from run config; unset, a SQLite file beside the Dagster instance."""

    @contextmanager
    def get_store(self) -> Iterator[LedgerStore]:
        """An open store for one step; its connections are released on exit."""
        store = LedgerStore(load_settings().ledger_url)
        try:
            yield store
        finally:
            store.close()
