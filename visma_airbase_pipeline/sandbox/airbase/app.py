"""The Airbase sandbox server: the framework's pipeline (faults, budgets, stats, admin API) around the
routes of ``api/airbase.md``, with Airbase's token auth, headers, errors and webhook signature.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from visma_airbase_pipeline.sandbox.airbase import (
    admin,
    ledger,
    responses,
    routes_bills,
    routes_ledger,
    routes_reference,
)
from visma_airbase_pipeline.sandbox.airbase.auth import authenticate
from visma_airbase_pipeline.sandbox.airbase.store import COLLECTIONS, AirbaseStore, Record
from visma_airbase_pipeline.sandbox.airbase.webhooks import WEBHOOK_SECRET, sign
from visma_airbase_pipeline.sandbox.airbase.wire import to_wire
from visma_airbase_pipeline.sandbox.faults import FaultDecision
from visma_airbase_pipeline.sandbox.framework import ADMIN_PREFIX, Sandbox
from visma_airbase_pipeline.sandbox.ratelimit import RateDecision
from visma_airbase_pipeline.sandbox.seed import seed_company

RELEASE_VERSION = "v4583"
BULK_MODES = ("partial", "strict")


@dataclass
class AirbaseOptions:
    """Airbase-specific ``POST /_sandbox/config`` settings; they survive a reset, as the budget does."""

    bulk_mode: str = "partial"
    max_page_size: int = 250
    approval_steps: int = 1


def _integer(options: dict[str, Any], key: str, low: int, high: int) -> int | None:
    value = options.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"{key} must be an integer from {low} to {high}")
    return value


class _AirbaseHeaders:
    """Pure ASGI middleware: the headers Airbase puts on every API answer, errors and faults included."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(ADMIN_PREFIX + "/"):
            await self.app(scope, receive, send)
            return
        extra = [
            (b"x-request-id", str(uuid.uuid4()).encode()),
            (b"x-airbase-release-version", RELEASE_VERSION.encode()),
        ]
        authorization = dict(scope["headers"]).get(b"authorization", b"").decode("latin-1")
        token_id = authenticate(authorization).token_id
        if token_id is not None:
            extra.append((b"x-airbase-auth-token-id", str(token_id).encode()))

        async def send_with_headers(message: Message) -> None:
            """Add the headers to the response start; pass the body through."""
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class AirbaseSandbox(Sandbox):
    """A seeded Airbase company behind the Airbase accounting API, for the demo, tests and benchmarks."""

    name = "airbase"
    collections = COLLECTIONS

    def __init__(
        self,
        seed: int = 42,
        invoices: int = 500,
        rate_limit: int = 500,
        rate_window_s: float = 60,
        webhook_url: str | None = None,
    ) -> None:
        self.options = AirbaseOptions()
        self.store = AirbaseStore(seed)
        super().__init__(
            seed=seed,
            invoices=invoices,
            rate_limit=rate_limit,
            rate_window_s=rate_window_s,
            webhook_signer=sign,
            webhook_secret=WEBHOOK_SECRET,
            webhook_url=webhook_url,
        )

    # ----- routes and app ----------------------------------------------------------------------
    def api_routes(self) -> list[BaseRoute]:
        """Reference routes first: their ``bulk_upsert`` paths must win over ``{airbase_id}`` ones."""
        return [*routes_reference.routes(self), *routes_bills.routes(self), *routes_ledger.routes(self)]

    def admin_routes(self) -> list[BaseRoute]:
        """Approver, payment, ledger and redelivery actions (section 11)."""
        return admin.admin_routes(self)

    def build_app(self) -> Starlette:
        """The framework's app, without slash redirects (DRF answers 404) and with Airbase's headers."""
        app = super().build_app()
        app.router.redirect_slashes = False
        app.add_middleware(_AirbaseHeaders)
        return app

    # ----- data --------------------------------------------------------------------------------
    def load_seed(self, seed: int, invoices: int) -> None:
        """A fresh store with Airbase's state before the first sync (the invoice volume is Visma's)."""
        self.store = AirbaseStore(seed)
        airbase = seed_company(seed, invoices=0)[1]
        for collection in ("subsidiaries", "currencies", "vendors", "tags", "employees"):
            for record in getattr(airbase, collection):
                self.store[collection].put(self.store.stamp_new(dict(record)))
        for entry in airbase.ledger_entries:
            self.store["ledger_entries"].put(ledger.finish_entry(self.store, dict(entry)))

    def state(self, collection: str) -> list[dict[str, Any]]:
        """Every record of a collection in read shape."""
        return [to_wire(record) for record in self.store[collection]]

    def create_record(self, collection: str, body: dict[str, Any]) -> Record:
        """A record made by a user of the product (see ``admin.create_record``)."""
        return admin.create_record(self, collection, body)

    def patch_record(self, collection: str, record_id: str, body: dict[str, Any]) -> Record:
        """A record changed by a user of the product (see ``admin.patch_record``)."""
        return admin.patch_record(self, collection, record_id, body)

    # ----- wire behaviour ------------------------------------------------------------------------
    def error_response(self, status: int, message: str, **extra: Any) -> Response:
        """DRF's error shapes (``{"detail"}`` or field errors)."""
        return responses.error_response(status, message, **extra)

    def fault_response(self, decision: FaultDecision) -> Response:
        """DRF JSON, Cloudflare HTML or plain text, as the rule asks."""
        return responses.fault_response(decision)

    def rate_key(self, request: Request) -> str | None:
        """The budget belongs to the API key; unauthenticated calls spend none."""
        token_id = authenticate(request.headers.get("authorization")).token_id
        return f"token:{token_id}" if token_id is not None else None

    def rate_headers(self, request: Request, decision: RateDecision) -> dict[str, str]:
        """``X-Ratelimit-Limit``/``-Remaining`` (recorded) and ``-Reset`` in seconds (assumed)."""
        return {
            "X-Ratelimit-Limit": str(decision.limit),
            "X-Ratelimit-Remaining": str(decision.remaining),
            "X-Ratelimit-Reset": str(decision.reset_s),
        }

    def throttle_check(self, request: Request) -> Response | None:
        """Authentication, answered where DRF does it: after routing (unknown paths are 404 first)
        and before the method check (a wrong method without a key is 401, as in DRF)."""
        if self.route_template(request) == "<unmatched>":
            return None
        failure = authenticate(request.headers.get("authorization")).failure
        return self.error_response(401, failure) if failure else None

    def configure(self, options: dict[str, Any]) -> dict[str, Any]:
        """``rate_limit``, ``rate_window_s``, ``bulk_mode``, ``max_page_size``, ``approval_steps``."""
        common: dict[str, Any] = {}
        limit = _integer(options, "rate_limit", 0, 1_000_000)
        if limit is not None:
            common["rate_limit"] = limit
        window = options.get("rate_window_s")
        if window is not None:
            if isinstance(window, bool) or not isinstance(window, int | Decimal | float) or not window > 0:
                raise ValueError("rate_window_s must be a positive number")
            common["rate_window_s"] = float(window)
        mode = options.get("bulk_mode")
        if mode is not None and mode not in BULK_MODES:
            raise ValueError(f"bulk_mode must be one of {', '.join(BULK_MODES)}")
        page_size = _integer(options, "max_page_size", 1, 10_000)
        steps = _integer(options, "approval_steps", 1, 10)
        effective = super().configure(common)
        if mode is not None:
            self.options.bulk_mode = mode
        if page_size is not None:
            self.options.max_page_size = page_size
        if steps is not None:
            self.options.approval_steps = steps
        return {**effective, **asdict(self.options)}
