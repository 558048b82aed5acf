"""The shapes of Airbase's answers when things go wrong (``api/airbase.md`` section 9).

Django REST Framework writes ``{"detail": ...}`` for 401/403/404/405/409/429 and ``{"field": ["msg"]}``
for 400; a CDN in front of it answers gateway errors with an HTML page. Injected faults reproduce
both, so a client meets JSON, HTML and plain-text error bodies.
"""

from __future__ import annotations

import math
from typing import Any

from starlette.responses import HTMLResponse, PlainTextResponse, Response

from visma_airbase_pipeline.sandbox.faults import FaultDecision
from visma_airbase_pipeline.sandbox.framework import ApiError
from visma_airbase_pipeline.sandbox.jsonio import JSONResponse

SERVER_ERROR = "A server error occurred."
# Starlette's own texts (unmatched path, wrong method) in DRF's wording.
_DRF_WORDING = {"Not Found": "Not found.", "Method Not Allowed": "Method not allowed."}
_REASONS = {
    500: "Internal server error",
    502: "Bad gateway",
    503: "Service unavailable",
    504: "Gateway timeout",
}


def field_errors(errors: dict[str, Any], status: int = 400) -> ApiError:
    """A DRF validation error: ``{"field": ["msg"]}`` or ``{"non_field_errors": [...]}``."""
    return ApiError(status, "Invalid input.", errors=errors)


def field_error(field: str, message: str) -> ApiError:
    """A single-field validation error."""
    return field_errors({field: [message]})


def throttled_message(wait_s: float | None) -> str:
    """DRF's throttle text, with the wait when one is known."""
    if wait_s is None:
        return "Request was throttled."
    seconds = max(1, math.ceil(wait_s))
    return f"Request was throttled. Expected available in {seconds} second{'s' if seconds != 1 else ''}."


def error_response(status: int, message: str, **extra: Any) -> Response:
    """An API error in DRF's shape; ``errors`` replaces the body, ``headers`` are added."""
    if status == 429:
        message = throttled_message(extra.get("retry_after"))
    elif status >= 500:
        message = SERVER_ERROR
    body = extra.get("errors") or {"detail": _DRF_WORDING.get(message, message)}
    response = JSONResponse(body, status_code=status)
    if status == 401:
        response.headers["WWW-Authenticate"] = "Token"
    response.headers.update(extra.get("headers") or {})
    return response


def _cloudflare_page(status: int) -> str:
    reason = _REASONS.get(status, "Error")
    return (
        '<!DOCTYPE html>\n<html lang="en-US"><head><title>api.airbase.io | '
        f'{status}: {reason}</title></head><body><div id="cf-error-details">'
        f"<h1><span>{reason}</span> <span>Error code {status}</span></h1>"
        '<p>Visit <a href="https://www.cloudflare.com/">cloudflare.com</a> for more information.</p>'
        "<p>Cloudflare Ray ID: 8b2f6c1d9e4a7f30</p></div></body></html>\n"
    )


def fault_response(decision: FaultDecision) -> Response:
    """The answer of an injected fault: DRF JSON, a Cloudflare HTML page, or plain text.

    A 429 carries ``Retry-After`` only when the rule sets ``retry_after`` (the contract says "with or
    without"); 502/504 default to the CDN's HTML page, 500/503 to DRF's JSON.
    """
    status = decision.status or 500
    kind = decision.body
    if kind == "default" and status in (502, 504):
        kind = "html"
    response: Response
    if status == 429 and kind == "default":
        response = JSONResponse({"detail": throttled_message(decision.retry_after)}, status_code=429)
    elif kind in ("html", "gateway"):
        response = HTMLResponse(_cloudflare_page(status), status_code=status)
        response.headers["Server"] = "cloudflare"
        response.headers["CF-RAY"] = "8b2f6c1d9e4a7f30-ARN"
    elif kind == "text":
        response = PlainTextResponse(f"{status} {_REASONS.get(status, 'Too many requests')}", status)
    else:
        response = JSONResponse({"detail": SERVER_ERROR}, status_code=status)
    if status == 429 and decision.retry_after is not None:
        response.headers["Retry-After"] = str(max(0, math.ceil(decision.retry_after)))
    return response
