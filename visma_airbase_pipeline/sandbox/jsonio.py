"""JSON in and out of the sandboxes with money as ``Decimal`` on both sides.

Visma sends amounts as JSON *numbers*; the standard library cannot write a ``Decimal`` as a number,
so the sandboxes serialize with simplejson's ``use_decimal``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import simplejson
from starlette.requests import Request
from starlette.responses import Response


class BadJSON(ValueError):
    """The request body is not valid JSON (or not the JSON type the endpoint needs)."""


def dumps(payload: Any) -> bytes:
    """Serialize with Decimals as exact JSON numbers and non-ASCII kept readable."""
    return simplejson.dumps(payload, use_decimal=True, ensure_ascii=False, separators=(",", ":")).encode()


def loads(raw: bytes | str) -> Any:
    """Parse JSON with every non-integer number as ``Decimal``, never float."""
    return simplejson.loads(raw, use_decimal=True) if raw else None


class JSONResponse(Response):
    """A JSON response that writes ``Decimal`` values as numbers."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return dumps(content)


async def read_json(request: Request, *, expect: type | tuple[type, ...] = dict) -> Any:
    """The request body parsed as JSON of the expected type, or ``BadJSON`` saying what is wrong."""
    raw = await request.body()
    if not raw.strip():
        raise BadJSON("The request body is empty; a JSON document is required.")
    try:
        payload = simplejson.loads(raw, use_decimal=True)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadJSON(f"The request body is not valid JSON: {exc}") from None
    if not isinstance(payload, expect):
        names = " or ".join(t.__name__ for t in (expect if isinstance(expect, tuple) else (expect,)))
        raise BadJSON(f"The request body must be a JSON {names.replace('dict', 'object')}.")
    return payload


def is_number(value: Any) -> bool:
    """True for JSON numbers (int or Decimal), false for bools and strings."""
    return isinstance(value, int | Decimal) and not isinstance(value, bool)
