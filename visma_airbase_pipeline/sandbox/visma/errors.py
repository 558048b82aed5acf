"""Visma's error bodies: the ERP's ``IPPException`` (api/visma.md section 9.1) and the gateway's
shapes for 401, 429 and 5xx, including the non-JSON pages a proxy in front of the ERP can send.
"""

from __future__ import annotations

import math
import uuid
from typing import Any

from starlette.responses import Response

from visma_airbase_pipeline.sandbox.jsonio import JSONResponse

# Illustrative fault codes (the contract says real ones are undocumented, except 12002).
FAULT_NOT_FOUND = "12001"
FAULT_COMPANY = "12002"
FAULT_VALIDATION = "12003"
FAULT_SCOPE = "12004"
FAULT_PRECONDITION = "12005"
FAULT_CONFLICT = "12006"
FAULT_METHOD = "12007"
FAULT_SERVER = "12000"

_DEFAULT_FAULT = {
    400: FAULT_VALIDATION,
    403: FAULT_SCOPE,
    404: FAULT_NOT_FOUND,
    405: FAULT_METHOD,
    409: FAULT_CONFLICT,
    412: FAULT_PRECONDITION,
}

_REASONS = {
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


def ipp_body(message: str, fault_code: str) -> dict[str, str]:
    """The ERP's ``IPPException`` body; the message id pairs the code with a fresh uuid, as Visma does."""
    return {
        "ExceptionType": "IPPException",
        "ExceptionMessage": message,
        "ExceptionFaultCode": fault_code,
        "ExceptionMessageID": f"{fault_code}_{uuid.uuid4()}",
        "ExceptionDetails": "",
    }


def retry_after_value(seconds: float) -> str:
    """``Retry-After`` is whole seconds on the wire; round up so a client never retries early."""
    return str(max(0, math.ceil(seconds)))


def rate_limited(retry_after: float, message: str | None = None) -> Response:
    """The gateway's 429: ``{"statusCode":429,"message":...}`` plus ``Retry-After``."""
    seconds = retry_after_value(retry_after)
    text = message or f"Rate limit is exceeded. Try again in {seconds} seconds."
    response = JSONResponse({"statusCode": 429, "message": text}, status_code=429)
    response.headers["Retry-After"] = seconds
    return response


def error_response(status: int, message: str, **extra: Any) -> Response:
    """Any API error in the shape the real system uses for that status."""
    if status == 401:
        return JSONResponse({"message": message}, status_code=401)
    if status == 429:
        # The budget's 429 is worded by the gateway; other throttles (same request) keep their text.
        text = message if extra.get("keep_message") else None
        return rate_limited(float(extra.get("retry_after") or 1), text)
    code = str(extra.get("fault_code") or _DEFAULT_FAULT.get(status, FAULT_SERVER))
    return JSONResponse(ipp_body(message, code), status_code=status)


def fault_body(status: int, kind: str) -> Response:
    """An injected failure: the ERP's own body, the gateway's JSON, an HTML page or plain text."""
    reason = _REASONS.get(status, "Too Many Requests" if status == 429 else "Error")
    if kind == "gateway" or (status == 429 and kind == "default"):
        message = (
            "Rate limit is exceeded. Try again later." if status == 429 else f"{reason}: upstream failure."
        )
        return JSONResponse({"statusCode": status, "message": message}, status_code=status)
    if kind == "html":
        page = (
            f"<html><head><title>{status} {reason}</title></head>"
            f"<body><center><h1>{status} {reason}</h1></center><hr><center>nginx</center></body></html>"
        )
        return Response(page, status_code=status, media_type="text/html")
    if kind == "text":
        return Response(
            f"{status} {reason}: upstream request failed", status_code=status, media_type="text/plain"
        )
    return JSONResponse(ipp_body("An error has occurred.", FAULT_SERVER), status_code=status)
