"""How an Airbase endpoint behaves around its handler, the way a DRF ``APIView`` does: one path, the
methods it has (``Allow`` on every answer, 405 with DRF's text for the others, ``OPTIONS``), request
bodies parsed into DRF error shapes, and ``Idempotency-Key`` replays (``api/airbase.md`` section 8).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from visma_airbase_pipeline.sandbox.airbase import wire
from visma_airbase_pipeline.sandbox.airbase.auth import authenticate
from visma_airbase_pipeline.sandbox.airbase.responses import field_errors
from visma_airbase_pipeline.sandbox.airbase.store import StoredResponse
from visma_airbase_pipeline.sandbox.framework import ApiError
from visma_airbase_pipeline.sandbox.jsonio import dumps, loads

if TYPE_CHECKING:
    from visma_airbase_pipeline.sandbox.airbase.app import AirbaseSandbox

API_PREFIX = "/v1/accounting"
IDEMPOTENCY_TTL_S = 24 * 3600
Handler = Callable[[Request], Awaitable[Response]]
_ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
_DRF_ORDER = ("GET", "POST", "PUT", "PATCH", "DELETE")
_JSON_TYPES = ("application/json", "")


def ok(data: Any, status: int = 200) -> Response:
    """A JSON answer of stored records in read shape (Decimals as strings, internal keys hidden)."""
    return Response(wire.wire_json(data), status_code=status, media_type="application/json")


async def read_body(request: Request) -> dict[str, Any]:
    """The JSON object of a write; an empty body is ``{}`` as DRF treats it.

    Malformed JSON is ``400 {"detail": "JSON parse error - ..."}``; another JSON type is DRF's
    ``non_field_errors``; a form or text body is ``415``.
    """
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type not in _JSON_TYPES and not media_type.endswith("+json"):
        raise ApiError(415, f'Unsupported media type "{media_type}" in request.')
    raw = await request.body()
    if not raw.strip():
        return {}
    parsed = request.scope.get("vab_parsed_body")
    try:
        payload = parsed[1] if parsed is not None and parsed[0] == raw else loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(400, f"JSON parse error - {exc}") from None
    if not isinstance(payload, dict):
        raise field_errors(
            {"non_field_errors": [f"Invalid data. Expected a dictionary, but got {wire.type_name(payload)}."]}
        )
    return payload


def api_route(sandbox: AirbaseSandbox, path: str, name: str, **handlers: Handler) -> Route:
    """A route under ``/v1/accounting`` answering the given methods (``get=``, ``post=``, ``patch=``)."""
    methods = [m for m in _DRF_ORDER if m.lower() in handlers]
    allow = ", ".join([*methods, *(["HEAD"] if "GET" in methods else []), "OPTIONS"])
    title = name.replace("_", " ").title()

    async def endpoint(request: Request) -> Response:
        """DRF's view dispatch: OPTIONS, 405, idempotency, then the handler."""
        method = request.method
        handler = handlers.get("get" if method == "HEAD" else method.lower())
        if method == "OPTIONS":
            response = ok({"name": title, "description": "", "renders": ["application/json"],
                           "parses": ["application/json"]})  # fmt: skip
        elif handler is None:
            raise ApiError(405, f'Method "{method}" not allowed.', headers={"Allow": allow})
        elif method in ("POST", "PATCH") and request.headers.get("idempotency-key"):
            response = await _idempotent(sandbox, request, handler)
        else:
            response = await handler(request)
        response.headers["Allow"] = allow
        response.headers.setdefault("Vary", "Accept")
        return response

    return Route(API_PREFIX + path, endpoint, methods=_ALL_METHODS, name=name)


async def _idempotent(sandbox: AirbaseSandbox, request: Request, handler: Handler) -> Response:
    """Replay the stored answer of the same key and request; 409 when the key meets another request.

    The fingerprint covers method, path and the body as canonical JSON (key order and spacing do
    not matter). Answers below 500 are kept for 24 h, per API key.
    """
    key = request.headers["idempotency-key"]
    raw = await request.body()
    try:
        if raw.strip():
            payload = loads(raw)
            # Parsed once: the handler's read_body takes it from here (it fingerprints first).
            request.scope["vab_parsed_body"] = (raw, payload)
            canonical = dumps(payload, sort_keys=True)
        else:
            canonical = b""
    except (ValueError, UnicodeDecodeError):
        canonical = raw
    fingerprint = hashlib.sha256(f"{request.method} {request.url.path}\n".encode() + canonical).hexdigest()
    store = sandbox.store
    now = time.time()
    for stale in [k for k, v in store.idempotency.items() if now - v.stored_at > IDEMPOTENCY_TTL_S]:
        del store.idempotency[stale]
    slot = (authenticate(request.headers.get("authorization")).token or "", key)
    stored = store.idempotency.get(slot)
    if stored is not None:
        if stored.fingerprint != fingerprint:
            raise ApiError(409, "Idempotency-Key was already used with another request.")
        replay = Response(stored.body, status_code=stored.status, media_type="application/json")
        replay.headers["Idempotent-Replayed"] = "true"
        return replay
    try:
        response = await handler(request)
    except ApiError as exc:
        response = sandbox.error_response(exc.status, exc.message, **exc.extra)
    if response.status_code < 500:
        store.idempotency[slot] = StoredResponse(fingerprint, response.status_code, bytes(response.body), now)
    return response
