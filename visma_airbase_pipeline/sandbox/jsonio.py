"""JSON in and out of the sandboxes with money as ``Decimal`` on both sides.

Visma sends amounts as JSON *numbers*; the standard library cannot write a ``Decimal`` as a number,
so the reference serializer is simplejson's ``use_decimal``. Pages of hundreds of records make
encoding the sandboxes' main cost, so :func:`dumps` takes a faster road to the very same bytes: the
standard library's C encoder writes each ``Decimal`` as a marked string (``"\\u0000<str>\\u0000"``)
and the marks are then cut away, leaving the exact number simplejson would write. When anything
could make the two differ (a mark that is not one of ours, a value only simplejson knows how to
write, a non-finite number), the answer comes from simplejson itself. (One difference is left:
simplejson writes a namedtuple as an object; no sandbox answer holds one.)
"""

from __future__ import annotations

import json
import threading
from decimal import Decimal
from typing import Any

import simplejson
from starlette.requests import Request
from starlette.responses import Response

_OPEN, _CLOSE = '"\\u0000', '\\u0000"'


class BadJSON(ValueError):
    """The request body is not valid JSON (or not the JSON type the endpoint needs)."""


class _Unsure(Exception):
    """The fast encoder met something it cannot write exactly as simplejson would."""


def reference_dumps(payload: Any, *, sort_keys: bool = False) -> bytes:
    """simplejson's answer: Decimals as exact JSON numbers, non-ASCII kept readable."""
    return simplejson.dumps(
        payload, use_decimal=True, ensure_ascii=False, separators=(",", ":"), sort_keys=sort_keys
    ).encode()


class _Marker(threading.local):
    """Per thread (each sandbox serves from its own): encoders and how many marks the last wrote."""

    def __init__(self) -> None:
        self.count = 0
        options: dict[str, Any] = {"ensure_ascii": False, "allow_nan": False, "separators": (",", ":")}
        self.encoders = {
            sort_keys: json.JSONEncoder(**options, sort_keys=sort_keys, default=self.mark).encode
            for sort_keys in (False, True)
        }

    def mark(self, value: Any) -> str:
        if type(value) is Decimal and value.is_finite():
            self.count += 1
            return f"\x00{value}\x00"
        raise _Unsure


_marker = _Marker()


def dumps(payload: Any, *, sort_keys: bool = False) -> bytes:
    """Serialize with Decimals as exact JSON numbers and non-ASCII kept readable.

    Byte for byte what :func:`reference_dumps` writes, only faster.
    """
    marker = _marker
    marker.count = 0
    try:
        text = marker.encoders[sort_keys](payload)
    except (_Unsure, TypeError, ValueError, RecursionError):
        return reference_dumps(payload, sort_keys=sort_keys)
    count = marker.count
    if count:
        # Each Decimal left exactly one opening and one closing mark; any other occurrence comes
        # from a real string (a NUL next to a quote), and then the marks cannot be cut blindly.
        if text.count(_OPEN) != count or text.count(_CLOSE) != count:
            return reference_dumps(payload, sort_keys=sort_keys)
        text = text.replace(_OPEN, "").replace(_CLOSE, "")
    return text.encode()


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
