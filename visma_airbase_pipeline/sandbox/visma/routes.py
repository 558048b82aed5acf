"""The ERP route table: every resource under ``/v1`` and ``/v2`` (the legacy
``/API/controller/api/v1`` prefix is rewritten onto them), case-insensitive resource names, the
bearer/scope/company check in front of every handler, and the background-mode wrapper.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from visma_airbase_pipeline.sandbox.framework import ApiError
from visma_airbase_pipeline.sandbox.jsonio import BadJSON, JSONResponse
from visma_airbase_pipeline.sandbox.visma.auth import TOKEN_PATH, token_endpoint
from visma_airbase_pipeline.sandbox.visma.resources import (
    dimensions,
    documents,
    invoices,
    ledger,
    payments,
    purchasing,
    suppliers,
)
from visma_airbase_pipeline.sandbox.visma.resources.common import LEGACY_PREFIX, ApiRoute, Call, not_found

if TYPE_CHECKING:
    from visma_airbase_pipeline.sandbox.visma.app import VismaSandbox

VERSIONS = ("/v1", "/v2")
RESOURCES = (
    "supplier", "supplierInvoice", "supplierdocument", "purchaseorder", "PurchaseReceipt", "account",
    "subaccount", "dimension", "supplierPayment", "journaltransaction", "background",
)  # fmt: skip
_CANONICAL = {name.casefold(): name for name in RESOURCES}
_ACTION_RESOURCES = ("supplierInvoice", "supplierPayment")


def is_legacy(path: str) -> bool:
    """True for the deprecated ``/API/controller/api/...`` base."""
    return path.casefold().startswith(LEGACY_PREFIX.casefold() + "/")


def is_erp(path: str) -> bool:
    """True for a (rewritten) ERP API path, the calls that spend the rate budget."""
    return path.startswith(VERSIONS[0] + "/") or path.startswith(VERSIONS[1] + "/")


def rewrite_path(path: str) -> str:
    """Legacy prefix onto ``/v1``, version and resource segments onto their canonical casing."""
    if is_legacy(path):
        path = path[len(LEGACY_PREFIX) :]
    parts = path.split("/")
    if len(parts) < 3 or parts[1].casefold() not in ("v1", "v2"):
        return path
    parts[1] = parts[1].casefold()
    parts[2] = _CANONICAL.get(parts[2].casefold(), parts[2])
    if parts[2] in _ACTION_RESOURCES and len(parts) >= 5 and parts[-2].casefold() == "action":
        parts[-2] = "action"
    return "/".join(parts)


def _wrap(sb: VismaSandbox, route: ApiRoute) -> Route:
    async def endpoint(request: Request) -> Response:
        """Bearer, scope and company check, then the handler (or a background job around it)."""
        grant = sb.tokens.authenticate(request, route.scope)
        mode = request.headers.get("erp-api-background")
        call = Call(request, grant, sb, background=mode is not None)
        if mode is None:
            return await route.handler(call)
        try:
            response = await route.handler(call)
        except ApiError as exc:
            response = sb.error_response(exc.status, exc.message, **exc.extra)
        except BadJSON as exc:
            response = sb.error_response(400, str(exc))
        job = sb.background.submit(response, sb.config.background_delay_s)
        body = {"id": job.id, "stateLocation": f"{call.base()}/v1/background/{job.id}"}
        return JSONResponse(body, status_code=202)

    return Route(route.path, endpoint, methods=[route.method], name=f"{route.method} {route.path}")


async def _background_state(call: Call) -> Response:
    job = call.sb.background.get(call.key("number"))
    if job is None:
        raise not_found(f"Background operation {call.key('number')}")
    return JSONResponse(call.sb.background.state(job, f"{call.base()}/v1/background/{job.id}/content"))


async def _background_content(call: Call) -> Response:
    background = call.sb.background
    job = background.get(call.key("number"))
    if job is None or not background.ready(job):
        raise not_found(f"Content of background operation {call.key('number')}")
    return Response(job.body, status_code=job.status_code, media_type=job.media_type, headers=job.headers)


BACKGROUND = [
    ApiRoute("/background/{number}", "GET", _background_state),
    ApiRoute("/background/{number}/content", "GET", _background_content),
]


def build_routes(sb: VismaSandbox) -> list[BaseRoute]:
    """Connect's token endpoint plus every ERP route under both versions."""
    modules = (suppliers, invoices, documents, purchasing, ledger, dimensions, payments)
    api = [route for module in modules for route in module.ROUTES] + BACKGROUND

    async def token(request: Request) -> Response:
        """Visma Connect's token endpoint (not an ERP call: no budget, no bearer)."""
        return await token_endpoint(request, sb.tokens)

    routes: list[BaseRoute] = [Route(TOKEN_PATH, token, methods=["POST"])]
    for version in VERSIONS:
        for route in api:
            routes.append(_wrap(sb, ApiRoute(version + route.path, route.method, route.handler, route.scope)))
    return routes
