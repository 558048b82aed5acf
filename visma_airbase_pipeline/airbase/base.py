"""Plumbing of the Airbase client: token header, Idempotency-Key, paging, single GET/PATCH.

``Authorization: <scheme> <token>`` with scheme ``Token`` (default) or ``Bearer``; every path lives
under ``/v1/accounting/`` and ends with ``/``. Money and quantities go out as decimal strings.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Self, TypeVar

import requests
from pydantic import BaseModel, SecretStr

from visma_airbase_pipeline.airbase.paging import AirbasePager
from visma_airbase_pipeline.errors import NotFound
from visma_airbase_pipeline.transport import (
    RateBudget,
    Scrubber,
    ServerClock,
    Transport,
    TransportConfig,
    decode_json,
    expand,
)
from visma_airbase_pipeline.transport.client import TransportClient

if TYPE_CHECKING:
    from visma_airbase_pipeline.credentials import Credentials
    from visma_airbase_pipeline.settings import Settings

M = TypeVar("M", bound=BaseModel)
P = "/v1/accounting"
AUTH_SCHEMES = ("Token", "Bearer")
BULK_RESOURCES = frozenset({"accounts", "tags", "vendors", "bills", "purchase_orders"})
_FILTERS: dict[str, frozenset[str]] = {
    "accounts": frozenset({"erp_reference_id", "is_active"}),
    "tags": frozenset({"erp_reference_id", "type", "is_active"}),
    "vendors": frozenset({"erp_reference_id", "name", "is_active"}),
    "bills": frozenset({"erp_reference_id", "approval_status", "payment_status", "updated_since"}),
    "purchase_orders": frozenset({"erp_reference_id", "status", "updated_since"}),
    "ledger_entries": frozenset({"status", "type"}),
}


def _wire(value: Any) -> Any:
    """Airbase wants money and quantities as decimal strings: the JSON encoder asks this for every
    value it cannot encode itself (a Decimal, a model), so the body is walked once, in C."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, BaseModel):
        return value.model_dump(mode="python", exclude_unset=True)
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"{type(value).__name__} cannot be sent to Airbase")


class AirbaseBase(TransportClient):
    """Session-level behaviour shared by every Airbase endpoint method."""

    def __init__(
        self,
        *,
        base_url: str,
        token: SecretStr | str,
        auth_scheme: str = "Token",
        page_size: int = 250,
        bulk_size: int = 100,
        config: TransportConfig | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
        rng: random.Random | None = None,
        session: requests.Session | None = None,
        budget: RateBudget | None = None,
    ) -> None:
        scheme = next((s for s in AUTH_SCHEMES if s.lower() == auth_scheme.strip().lower()), None)
        if scheme is None:
            raise ValueError(
                f"Airbase auth scheme must be one of {', '.join(AUTH_SCHEMES)}, not {auth_scheme!r}"
            )
        self._token = token if isinstance(token, SecretStr) else SecretStr(token)
        self.auth_scheme = scheme
        self.page_size = page_size
        self.bulk_size = bulk_size
        self.transport = Transport(
            base_url,
            system="airbase",
            config=config,
            sleep=sleep,
            clock=clock,
            wall=wall,
            rng=rng,
            scrubber=Scrubber([self._token.get_secret_value()]),
            session=session,
            budget=budget,
        )

    @classmethod
    def from_credentials(
        cls, credentials: Credentials, settings: Settings | None = None, **overrides: Any
    ) -> Self:
        """A client for the resolved credentials; ``overrides`` replace settings (tests: sleep, clock)."""
        from visma_airbase_pipeline.settings import load_settings

        settings = settings or load_settings()
        airbase = credentials.require_airbase()
        options: dict[str, Any] = {
            "base_url": airbase.base_url,
            "token": airbase.token,
            "auth_scheme": airbase.auth_scheme,
            "page_size": settings.airbase_page_size,
            "config": TransportConfig.from_settings(settings),
        }
        options.update(overrides)
        return cls(**options)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(base_url={self.transport.base_url!r}, auth_scheme={self.auth_scheme!r})"
        )

    # -- plumbing ------------------------------------------------------------------------------------

    def _call(
        self,
        method: str,
        template: str,
        *,
        params: Mapping[str, object] | None = None,
        query: list[tuple[str, Any]] | None = None,
        body: Any = None,
        idempotent: bool = False,
    ) -> requests.Response:
        headers = {"Authorization": f"{self.auth_scheme} {self._token.get_secret_value()}"}
        if method != "GET":
            headers["Idempotency-Key"] = str(uuid.uuid4())
        return self.transport.request(
            method,
            expand(template, **(params or {})),
            template=template,
            query=query,
            json_body=body,
            json_default=_wire,
            headers=headers,
            idempotent=idempotent,
        )

    @staticmethod
    def _query(resource: str, filters: Mapping[str, Any]) -> list[tuple[str, Any]]:
        unknown = sorted(set(filters) - _FILTERS[resource])
        if unknown:
            raise ValueError(
                f"unknown filter(s) {', '.join(unknown)} for Airbase {resource}; "
                f"allowed: {', '.join(sorted(_FILTERS[resource]))}"
            )
        return [(name, "" if filters[name] is None else filters[name]) for name in sorted(filters)]

    def _list(
        self, resource: str, model: type[M], filters: Mapping[str, Any], clock: ServerClock | None = None
    ) -> Iterator[M]:
        query = self._query(resource, filters)  # eager: a bad filter raises before anything is sent
        return self._pages(f"{P}/{resource}/", model, query, clock)

    def _pages(
        self, template: str, model: type[M], query: list[tuple[str, Any]], clock: ServerClock | None = None
    ) -> Iterator[M]:
        pager = AirbasePager(self.page_size)
        while not pager.done:
            page = [*query, ("page", pager.page), ("page_size", self.page_size)]
            response = self._call("GET", template, query=page)
            if clock is not None:
                clock.note(response)
            for raw in pager.advance(decode_json(response)):
                yield model.model_validate(raw)

    def _get(self, resource: str, airbase_id: str, model: type[M]) -> M | None:
        try:
            response = self._call("GET", f"{P}/{resource}/{{id}}/", params={"id": airbase_id})
        except NotFound:
            return None
        return model.model_validate(decode_json(response) or {})

    def _patch(self, resource: str, airbase_id: str, fields: Mapping[str, Any], model: type[M]) -> M:
        response = self._call(
            "PATCH", f"{P}/{resource}/{{id}}/", params={"id": airbase_id}, body=fields, idempotent=True
        )
        return model.model_validate(decode_json(response) or {})
