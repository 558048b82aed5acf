"""``VismaSandbox``: the Visma.net ERP sandbox (Connect token endpoint + ERP Service API) on the
shared sandbox framework, following ``api/visma.md`` including its gotchas.

The framework supplies the pipeline (faults, fixed-window budget, stats, admin API); this class
supplies the seeded store, the routes, Visma's error and rate-limit shapes, the same-request
rule and the Visma-specific ``POST /_sandbox/config`` options.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import asdict, dataclass, fields, replace
from decimal import Decimal
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from visma_airbase_pipeline.sandbox.faults import FaultDecision
from visma_airbase_pipeline.sandbox.framework import ADMIN_PREFIX, ApiError, Sandbox
from visma_airbase_pipeline.sandbox.ratelimit import RateDecision, SameRequestGuard
from visma_airbase_pipeline.sandbox.seed import seed_company
from visma_airbase_pipeline.sandbox.visma import admin, errors, routes
from visma_airbase_pipeline.sandbox.visma.auth import Grant, TokenStore
from visma_airbase_pipeline.sandbox.visma.background import BackgroundJobs
from visma_airbase_pipeline.sandbox.visma.query import PageCache
from visma_airbase_pipeline.sandbox.visma.store import VismaStore
from visma_airbase_pipeline.sandbox.visma.webhooks import DEFAULT_SECRET, notification, sign

_FRAMEWORK_OPTIONS = frozenset({"rate_limit", "rate_window_s"})


@dataclass
class VismaConfig:
    """The knobs of ``POST /_sandbox/config`` that are Visma's own (restored by a reset)."""

    token_ttl: int = 3600
    max_page_size: int = 500
    strict_params: bool = False
    if_match_on_actions: bool = True
    same_request_limit: int = 5
    same_request_window_s: float = 60.0
    background_delay_s: float = 0.0
    #: Share of conditional writes (``If-Match``) that find the record saved by another user a
    #: moment earlier: the sandbox really changes the record's version first, so the write gets 412.
    concurrent_edit_rate: float = 0.0


def _checked(name: str, value: Any, kind: type) -> Any:
    if kind is bool:
        if not isinstance(value, bool):
            raise ValueError(f"{name} must be true or false")
        return value
    # Admin JSON is parsed with Decimal for every fraction; these are durations and counts.
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal) or value < 0:
        raise ValueError(f"{name} must be a non-negative number")
    if kind is int and value != int(value):
        raise ValueError(f"{name} must be a whole number")
    return kind(value)


class VismaSandbox(Sandbox):
    """The Visma.net ERP sandbox; ``build_app()`` gives the ASGI app ``server.py`` serves."""

    name = "visma"
    collections = (
        "supplier", "supplierInvoice", "purchaseorder", "PurchaseReceipt", "account", "subaccount",
        "supplierPayment", "journaltransaction", "dimension",
    )  # fmt: skip

    def __init__(
        self,
        seed: int = 42,
        invoices: int = 500,
        token_ttl: int = 3600,
        rate_limit: int = 500,
        rate_window_s: float = 3600,
        webhook_url: str | None = None,
    ) -> None:
        self.defaults = VismaConfig(token_ttl=token_ttl)
        self.config = replace(self.defaults)
        self._default_rate = (rate_limit, rate_window_s)
        self.tokens = TokenStore(token_ttl)
        self.guard = SameRequestGuard(self.config.same_request_limit, self.config.same_request_window_s)
        self.cache = PageCache()
        self.background = BackgroundJobs()
        self.store: VismaStore
        self._edits = random.Random(seed)
        super().__init__(
            seed=seed,
            invoices=invoices,
            rate_limit=rate_limit,
            rate_window_s=rate_window_s,
            webhook_signer=sign,
            webhook_secret=DEFAULT_SECRET,
            webhook_url=webhook_url,
        )

    # ----- data -------------------------------------------------------------------------------
    def load_seed(self, seed: int, invoices: int) -> None:
        """A freshly seeded company (suppliers, POs, receipts, invoices, chart, cost centres)."""
        visma, _ = seed_company(seed, invoices)
        self.store = VismaStore.from_seed(visma)
        self.tokens.tenants[visma.tenant_id] = visma.company_id
        self.cache.clear()
        self.background.clear()

    def reset(self, seed: int, invoices: int) -> None:
        """Fresh data and the constructor's settings (tokens survive, as Connect is separate)."""
        self.config = replace(self.defaults)
        self.tokens.ttl = self.defaults.token_ttl
        self.guard.configure(self.config.same_request_limit, self.config.same_request_window_s)
        self.limiter.configure(*self._default_rate)
        super().reset(seed, invoices)

    def edited_concurrently(self) -> bool:
        """Whether this conditional write finds its record just changed by someone else."""
        rate = self.config.concurrent_edit_rate
        return rate > 0 and self._edits.random() < rate

    def admin_routes(self) -> list[BaseRoute]:
        """``POST /_sandbox/tokens/expire``: every issued token expires now, as when Connect revokes
        them early (credentials rotated, a session ended); the next ERP call gets 401."""

        async def expire(request: Request) -> Response:
            return JSONResponse({"expired": self.tokens.expire_all()})

        return [Route(f"{ADMIN_PREFIX}/tokens/expire", expire, methods=["POST"])]

    def state(self, collection: str) -> list[dict[str, Any]]:
        """Every record of the collection in read shape."""
        return admin.state(self, collection)

    def create_record(self, collection: str, body: dict[str, Any]) -> dict[str, Any]:
        """Admin create (permissive; emits the real webhook)."""
        return admin.create_record(self, collection, body)

    def patch_record(self, collection: str, record_id: str, body: dict[str, Any]) -> dict[str, Any]:
        """Admin change (bumps timestamp and ETag; emits the real webhook)."""
        return admin.patch_record(self, collection, record_id, body)

    def notify(self, entity: str, event: str, record_id: str, document_type: str | None = None) -> None:
        """Send one Visma webhook notification."""
        self.emit(notification(self.store.tenant_id, entity, event, record_id, document_type))

    # ----- HTTP shape ---------------------------------------------------------------------------
    def api_routes(self) -> list[BaseRoute]:
        """Connect's token endpoint and every ERP route."""
        return routes.build_routes(self)

    def rewrite_path(self, path: str) -> str:
        """Legacy prefix and resource casing onto the canonical routes."""
        return routes.rewrite_path(path)

    def error_response(self, status: int, message: str, **extra: Any) -> Response:
        """IPPException bodies; the gateway's shapes for 401 and 429."""
        return errors.error_response(status, message, **extra)

    def fault_response(self, decision: FaultDecision) -> Response:
        """An injected 429/5xx with the body kind the rule asks for."""
        status = decision.status or 500
        response = errors.fault_body(status, decision.body)
        if decision.retry_after is not None:
            response.headers["Retry-After"] = errors.retry_after_value(decision.retry_after)
        return response

    def _grant(self, request: Request) -> Grant | None:
        # The middleware's request caches its URL before the path rewrite: read the scope.
        if not routes.is_erp(str(request.scope["path"])):
            return None
        grant = self.tokens.valid(request)
        return grant if grant is not None and grant.company_id is not None else None

    def rate_key(self, request: Request) -> str | None:
        """Company + client of a valid token; the token endpoint and refused calls are not counted."""
        grant = self._grant(request)
        return grant.rate_key if grant is not None else None

    def rate_headers(self, request: Request, decision: RateDecision) -> dict[str, str]:
        """``X-RateLimit-*`` with the policy of the host the client called."""
        legacy = routes.is_legacy(str(request.scope.get("vab_original_path", request.url.path)))
        return {
            "X-RateLimit-Limit": str(decision.limit),
            "X-RateLimit-Remaining": str(decision.remaining),
            "X-RateLimit-Reset": str(decision.reset_s),
            "X-RateLimit-Policy": "6-fixed-window" if legacy else "4-fixed-window",
        }

    def throttle_check(self, request: Request) -> Response | None:
        """Visma's "same request made too many times" for reads (writes are checked with their body)."""
        grant = self._grant(request)
        # Polling a background operation is the documented way to use it: not "the same request".
        if grant is None or request.method != "GET" or "/background/" in str(request.scope["path"]):
            return None
        query = bytes(request.scope.get("query_string", b"")).decode(errors="replace")
        signature = f"{grant.rate_key}|GET|{request.scope['path']}?{query}"
        wait = self.guard.check(signature)
        if wait is None:
            return None
        return errors.rate_limited(wait, f"Same request made too many times. Try again in {wait} seconds.")

    def check_same_write(self, request: Request, grant: Grant, body_hash: str) -> None:
        """The same-request rule for a write: identical method, path and body count together."""
        signature = f"{grant.rate_key}|{request.method}|{request.scope['path']}|{body_hash}"
        wait = self.guard.check(hashlib.sha256(signature.encode()).hexdigest())
        if wait is not None:
            message = f"Same request made too many times. Try again in {wait} seconds."
            raise ApiError(429, message, retry_after=wait, keep_message=True)

    # ----- configuration ------------------------------------------------------------------------
    def configure(self, options: dict[str, Any]) -> dict[str, Any]:
        """``POST /_sandbox/config``: rate budget, token TTL, page cap, strictness, same-request rule."""
        known = {f.name: type(getattr(self.defaults, f.name)) for f in fields(VismaConfig)}
        unknown = sorted(set(options) - set(known) - _FRAMEWORK_OPTIONS)
        if unknown:
            raise ValueError(f"unknown option(s): {', '.join(unknown)}")
        updates = {
            name: _checked(name, value, known[name]) for name, value in options.items() if name in known
        }
        if updates.get("max_page_size") == 0:
            raise ValueError("max_page_size must be at least 1")
        budget = {
            name: _checked(name, options[name], int if name == "rate_limit" else float)
            for name in _FRAMEWORK_OPTIONS & set(options)
        }
        self.config = replace(self.config, **updates)
        self.tokens.ttl = self.config.token_ttl
        if "same_request_limit" in updates or "same_request_window_s" in updates:
            self.guard.configure(self.config.same_request_limit, self.config.same_request_window_s)
        effective = super().configure(budget)
        return {**effective, **asdict(self.config)}
