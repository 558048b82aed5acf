"""What both sandboxes share: the request pipeline (faults, rate limits, call stats), the error
conversion, and the common admin API under ``/_sandbox/`` (DESIGN.md section 7).

A concrete sandbox subclasses :class:`Sandbox`, supplies its API routes, its seeded store and its
error shape, and gets the rest from here.
"""

from __future__ import annotations

import asyncio
import gc
import logging
from abc import ABC, abstractmethod
from typing import Any

from starlette.applications import Starlette
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from visma_airbase_pipeline.sandbox.faults import FaultBook, FaultDecision
from visma_airbase_pipeline.sandbox.jsonio import BadJSON, JSONResponse, read_json
from visma_airbase_pipeline.sandbox.ratelimit import FixedWindowLimiter, RateDecision
from visma_airbase_pipeline.sandbox.stats import CallStats
from visma_airbase_pipeline.sandbox.webhooks import OutgoingEvent, Signer, WebhookSender, WebhookTarget

log = logging.getLogger(__name__)

ADMIN_PREFIX = "/_sandbox"


class ApiError(Exception):
    """Raised by a handler to answer with the real API's error shape and status."""

    def __init__(self, status: int, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.extra = extra


class AdminError(Exception):
    """Raised by an admin handler: answered as ``{"error": message}``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class _Held:
    """The messages of an answer kept back (``after_commit`` faults)."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def append_message(self, message: Message) -> None:
        self.messages.append(message)


class _Pipeline:
    """The request pipeline as plain ASGI middleware (Starlette's ``BaseHTTPMiddleware`` streams every
    answer through a task and a memory channel, which costs more than many handlers)."""

    def __init__(self, app: ASGIApp, sandbox: Sandbox) -> None:
        self.app = app
        self.sandbox = sandbox

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.sandbox._dispatch(scope, receive, send, self.app)


class Sandbox(ABC):
    """One fake API server: its store, routes, budget, faults, stats and webhook sender."""

    name: str = "sandbox"
    collections: tuple[str, ...] = ()

    def __init__(
        self,
        *,
        seed: int,
        invoices: int,
        rate_limit: int,
        rate_window_s: float,
        webhook_signer: Signer,
        webhook_secret: str,
        webhook_url: str | None = None,
    ) -> None:
        self.seed = seed
        self.invoices = invoices
        self.stats = CallStats()
        self.faults = FaultBook(seed)
        self.limiter = FixedWindowLimiter(rate_limit, rate_window_s)
        self.webhooks = WebhookSender(webhook_signer, webhook_secret, seed)
        if webhook_url:
            self.webhooks.configure(WebhookTarget(url=webhook_url, secret=webhook_secret))
        self._routes: list[BaseRoute] = []
        self.reset(seed, invoices)

    # ----- what a concrete sandbox supplies -------------------------------------------------
    @abstractmethod
    def api_routes(self) -> list[BaseRoute]:
        """The routes of the real API."""

    def admin_routes(self) -> list[BaseRoute]:
        """Extra admin routes under ``/_sandbox/`` (full paths)."""
        return []

    @abstractmethod
    def load_seed(self, seed: int, invoices: int) -> None:
        """Replace the store with the seeded company."""

    @abstractmethod
    def state(self, collection: str) -> list[dict[str, Any]]:
        """Every record of a collection in read shape (the collection name is already checked)."""

    @abstractmethod
    def create_record(self, collection: str, body: dict[str, Any]) -> dict[str, Any]:
        """Create a record as a user of the product would; returns the stored record."""

    @abstractmethod
    def patch_record(self, collection: str, record_id: str, body: dict[str, Any]) -> dict[str, Any]:
        """Change a record as a user would (bump timestamp and ETag, emit the real webhook)."""

    @abstractmethod
    def error_response(self, status: int, message: str, **extra: Any) -> Response:
        """An error in the API's documented shape."""

    @abstractmethod
    def fault_response(self, decision: FaultDecision) -> Response:
        """The answer of an injected fault (gateway-ish bodies included)."""

    @abstractmethod
    def rate_key(self, request: Request) -> str | None:
        """Whose budget a call spends; None means the call is not counted."""

    @abstractmethod
    def rate_headers(self, request: Request, decision: RateDecision) -> dict[str, str]:
        """The rate-limit headers in the API's own spelling."""

    def throttle_check(self, request: Request) -> Response | None:
        """Extra throttling rules beyond the fixed window (Visma's same-request rule)."""
        return None

    def rewrite_path(self, path: str) -> str:
        """Map aliases (legacy prefixes, other casings) onto the canonical route path."""
        return path

    def configure(self, options: dict[str, Any]) -> dict[str, Any]:
        """Apply ``POST /_sandbox/config`` options the sandbox knows; returns the effective config."""
        if "rate_limit" in options or "rate_window_s" in options:
            self.limiter.configure(options.get("rate_limit"), options.get("rate_window_s"))
        return {"rate_limit": self.limiter.limit, "rate_window_s": self.limiter.window_s}

    # ----- shared behaviour ------------------------------------------------------------------
    def reset(self, seed: int, invoices: int) -> None:
        """Back to a freshly seeded company with no faults, no counts and an empty webhook log."""
        self.seed, self.invoices = seed, invoices
        # Frozen seeds go back to the collector, so what of them is garbage now can be found.
        gc.unfreeze()
        self.load_seed(seed, invoices)
        # The seeded company lives until the next reset and holds no cycles: kept out of the
        # collector's full passes, which at 100k invoices would rescan millions of records again
        # and again while a sync adds its own.
        gc.freeze()
        self.stats.clear()
        self.faults.clear()
        self.limiter.reset()
        self.webhooks.clear()

    def emit(self, event: OutgoingEvent) -> None:
        """Send a webhook the way the real system would (in the background)."""
        self.webhooks.emit(event)

    def shuffle_seed(self, request: Request) -> int | None:
        """A per-page random seed when a shuffle fault is active for this request."""
        return self.faults.shuffle_seed(
            request.method, request.scope.get("vab_original_path", request.url.path)
        )

    def build_app(self) -> Starlette:
        """The ASGI application: API routes, admin routes, and the pipeline around them."""
        self._routes = self.api_routes()
        routes = self._routes + self._common_admin_routes() + self.admin_routes()
        app = Starlette(
            routes=routes,
            middleware=[Middleware(_Pipeline, sandbox=self)],
            exception_handlers={
                ApiError: self._on_api_error,
                AdminError: self._on_admin_error,
                BadJSON: self._on_bad_json,
                HTTPException: self._on_http_exception,
                Exception: self._on_unexpected,
            },
        )
        app.state.sandbox = self
        return app

    def route_template(self, request: Request) -> str:
        """The matched route's path template, for stats (unmatched paths count as ``<unmatched>``)."""
        cached = request.scope.get("vab_route_template")
        if cached is not None and cached[0] == request.scope["path"]:
            return str(cached[1])
        template = "<unmatched>"
        for route in self._routes:
            match, _ = route.matches(request.scope)
            if match == Match.FULL:
                template = str(getattr(route, "path", "<route>"))
                break
        request.scope["vab_route_template"] = (request.scope["path"], template)
        return template

    async def _dispatch(self, scope: Scope, receive: Receive, send: Send, app: ASGIApp) -> None:
        """One API call through faults, the rate budget and the stats, around the routed app."""
        request = Request(scope, receive)
        path = request.url.path
        if path.startswith(ADMIN_PREFIX + "/"):
            await app(scope, receive, send)
            return
        scope["vab_original_path"] = path
        rewritten = self.rewrite_path(path)
        if rewritten != path:
            scope["path"] = rewritten
        template = self.route_template(request)
        decision = self.faults.decide(request.method, path)
        if decision.delay_s and not decision.after_commit:
            await asyncio.sleep(decision.delay_s)
        rate: RateDecision | None = None
        response: Response | None = None
        held = _Held()
        if decision.status and not decision.after_commit:
            response = self.fault_response(decision)
        else:
            key = self.rate_key(request)
            rate = self.limiter.take(key) if key is not None else None
            throttled = self.throttle_check(request) if rate is None or rate.allowed else None
            if rate is not None and not rate.allowed:
                response = self.error_response(429, "Rate limit exceeded", retry_after=rate.retry_after)
                response.headers["Retry-After"] = str(rate.retry_after)
            elif throttled is not None:
                response = throttled
            elif decision.after_commit:
                # The write commits; its answer is held back (and maybe replaced) as a timeout would.
                await app(scope, receive, held.append_message)
            else:
                await app(scope, receive, self._answering(request, template, rate, send))
                return
            if decision.after_commit:
                if decision.delay_s:
                    await asyncio.sleep(decision.delay_s)
                if decision.status:
                    response = self.fault_response(decision)
                elif response is None:
                    answer = self._answering(request, template, rate, send)
                    for message in held.messages:
                        await answer(message)
                    return
        assert response is not None
        if rate is not None:
            response.headers.update(self.rate_headers(request, rate))
        self.stats.record(request.method, template, response.status_code)
        await response(scope, receive, send)

    def _answering(self, request: Request, template: str, rate: RateDecision | None, send: Send) -> Send:
        """A ``send`` that stamps the rate headers on the routed app's answer and counts it."""

        async def answer(message: Message) -> None:
            if message["type"] == "http.response.start":
                if rate is not None:
                    MutableHeaders(scope=message).update(self.rate_headers(request, rate))
                self.stats.record(request.method, template, message["status"])
            await send(message)

        return answer

    async def _on_api_error(self, request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ApiError)
        return self.error_response(exc.status, exc.message, **exc.extra)

    async def _on_bad_json(self, request: Request, exc: Exception) -> Response:
        if request.url.path.startswith(ADMIN_PREFIX + "/"):
            return JSONResponse({"error": str(exc)}, status_code=400)
        return self.error_response(400, str(exc))

    async def _on_admin_error(self, request: Request, exc: Exception) -> Response:
        assert isinstance(exc, AdminError)
        return JSONResponse({"error": exc.message}, status_code=exc.status)

    async def _on_http_exception(self, request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        if request.url.path.startswith(ADMIN_PREFIX + "/"):
            return JSONResponse({"error": exc.detail}, status_code=exc.status_code)
        response = self.error_response(exc.status_code, str(exc.detail))
        if exc.status_code == 405 and exc.headers:
            response.headers.update(exc.headers)
        return response

    async def _on_unexpected(self, request: Request, exc: Exception) -> Response:
        log.exception("sandbox %s failed on %s %s", self.name, request.method, request.url.path)
        return self.error_response(500, "An unexpected error occurred in the sandbox.")

    # ----- the common admin API ----------------------------------------------------------------
    def _common_admin_routes(self) -> list[BaseRoute]:
        p = ADMIN_PREFIX
        return [
            Route(f"{p}/health", self._admin_health, methods=["GET"]),
            Route(f"{p}/reset", self._admin_reset, methods=["POST"]),
            Route(f"{p}/state/{{collection}}", self._admin_state, methods=["GET"]),
            Route(f"{p}/stats", self._admin_stats, methods=["GET", "DELETE"]),
            Route(f"{p}/records/{{collection}}", self._admin_create, methods=["POST"]),
            Route(f"{p}/records/{{collection}}/{{record_id}}", self._admin_patch, methods=["PATCH"]),
            Route(f"{p}/faults", self._admin_faults, methods=["GET", "POST", "DELETE"]),
            Route(f"{p}/webhooks", self._admin_webhooks, methods=["GET", "POST"]),
            Route(f"{p}/config", self._admin_config, methods=["GET", "POST"]),
        ]

    def _collection(self, request: Request) -> str:
        name = request.path_params["collection"]
        for known in self.collections:
            if known.lower() == name.lower():
                return known
        raise AdminError(404, f"Unknown collection {name!r}; known: {', '.join(self.collections)}.")

    async def _admin_health(self, request: Request) -> Response:
        return JSONResponse(
            {"status": "ok", "sandbox": self.name, "seed": self.seed, "invoices": self.invoices}
        )

    async def _admin_reset(self, request: Request) -> Response:
        body = await read_json(request) if (await request.body()).strip() else {}
        seed, invoices = body.get("seed", self.seed), body.get("invoices", self.invoices)
        if not isinstance(seed, int) or isinstance(seed, bool):
            raise AdminError(400, "seed must be an integer.")
        if not isinstance(invoices, int) or isinstance(invoices, bool) or not 0 <= invoices <= 1_000_000:
            raise AdminError(400, "invoices must be an integer from 0 to 1000000.")
        self.reset(seed, invoices)
        return JSONResponse({"status": "reset", "seed": seed, "invoices": invoices})

    async def _admin_state(self, request: Request) -> Response:
        return JSONResponse(self.state(self._collection(request)))

    async def _admin_stats(self, request: Request) -> Response:
        if request.method == "DELETE":
            self.stats.clear()
            return Response(status_code=204)
        return JSONResponse(self.stats.snapshot())

    async def _admin_create(self, request: Request) -> Response:
        collection = self._collection(request)
        record = self.create_record(collection, await read_json(request))
        return JSONResponse(record, status_code=201)

    async def _admin_patch(self, request: Request) -> Response:
        collection = self._collection(request)
        record = self.patch_record(collection, request.path_params["record_id"], await read_json(request))
        return JSONResponse(record)

    async def _admin_faults(self, request: Request) -> Response:
        if request.method == "DELETE":
            self.faults.clear()
            return Response(status_code=204)
        if request.method == "POST":
            body = await read_json(request)
            try:
                rules = self.faults.parse(body)
            except ValueError as exc:
                raise AdminError(400, str(exc)) from None
            self.faults.install(rules, body.get("seed"))
        return JSONResponse({"rules": self.faults.describe()})

    async def _admin_webhooks(self, request: Request) -> Response:
        if request.method == "POST":
            body = await read_json(request)
            merged = {"secret": self.webhooks.target.secret, **body}
            try:
                self.webhooks.configure(WebhookTarget.model_validate(merged))
            except ValueError as exc:
                raise AdminError(400, f"Bad webhook settings: {exc}") from None
        target = self.webhooks.target.model_dump(exclude={"secret"})
        return JSONResponse(
            {
                "target": target,
                "pending": self.webhooks.pending(),
                "deliveries": self.webhooks.deliveries(),
                "events": self.webhooks.events(),
            }
        )

    async def _admin_config(self, request: Request) -> Response:
        options = await read_json(request) if request.method == "POST" else {}
        try:
            return JSONResponse(self.configure(options))
        except (TypeError, ValueError) as exc:
            raise AdminError(400, f"Bad config: {exc}") from None
