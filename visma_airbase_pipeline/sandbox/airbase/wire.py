"""Values at the Airbase wire edge: decimal-string money, naive ISO date-times, DRF messages.

Money is ``Decimal`` inside the sandbox and a decimal string on the wire (``api/airbase.md`` section
3): a client's ``"1250.00"`` comes back as ``"1250.00"``, never re-rounded and never through float.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from visma_airbase_pipeline.sandbox.jsonio import dumps

# DRF's default messages, so clients see the texts the real (Django REST Framework) API writes.
REQUIRED = "This field is required."
NULL = "This field may not be null."
BLANK = "This field may not be blank."
NOT_STRING = "Not a valid string."
NOT_NUMBER = "A valid number is required."
NOT_BOOL = "Must be a valid boolean."
NOT_INTEGER = "A valid integer is required."
BAD_DATE = "Date has wrong format. Use one of these formats instead: YYYY-MM-DD."
BAD_DATETIME = "Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]]."

_PLAIN_DECIMAL = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MAX_DIGITS = 20
_MAX_PLACES = 6
_TRUE = {True, "true", "True", "TRUE", "1", "yes", "on"}
_FALSE = {False, "false", "False", "FALSE", "0", "no", "off"}


def parse_money(value: Any) -> Decimal:
    """A decimal string or JSON number as ``Decimal``; ``ValueError`` with DRF's message otherwise.

    Only plain notation is accepted (no exponents, NaN or infinity), so garbage never becomes money.
    """
    if type(value) is str:
        text = value.strip()
        if text.isascii() and _PLAIN_DECIMAL.match(text):
            # Plain ASCII notation: digits and places read off the text, as as_tuple() would give them.
            whole, _, fraction = text.lstrip("+-").partition(".")
            if len((whole + fraction).lstrip("0")) > _MAX_DIGITS:
                raise ValueError(f"Ensure that there are no more than {_MAX_DIGITS} digits in total.")
            if len(fraction) > _MAX_PLACES:
                raise ValueError(f"Ensure that there are no more than {_MAX_PLACES} decimal places.")
            return Decimal(text)
    if isinstance(value, bool):
        raise ValueError(NOT_NUMBER)
    if isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, Decimal):
        amount = value
    elif isinstance(value, str) and _PLAIN_DECIMAL.match(value.strip()):
        try:
            amount = Decimal(value.strip())
        except InvalidOperation:
            raise ValueError(NOT_NUMBER) from None
    else:
        raise ValueError(NOT_NUMBER)
    if not amount.is_finite():
        raise ValueError(NOT_NUMBER)
    _, digits, exponent = amount.as_tuple()
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    if len(digits) > _MAX_DIGITS:
        raise ValueError(f"Ensure that there are no more than {_MAX_DIGITS} digits in total.")
    if places > _MAX_PLACES:
        raise ValueError(f"Ensure that there are no more than {_MAX_PLACES} decimal places.")
    return amount


def money_or_zero(value: Any) -> Decimal:
    """Lenient read of an amount planted through the admin API: unparseable counts as zero."""
    try:
        return parse_money(value)
    except ValueError:
        return Decimal(0)


def money_if_valid(value: Any) -> Any:
    """An amount as ``Decimal`` when it parses, else the value untouched (admin-planted bad data)."""
    try:
        return parse_money(value)
    except ValueError:
        return value


def money_str(amount: Decimal) -> str:
    """The wire form of an amount: plain notation, the scale the client sent kept."""
    return format(amount, "f")


def parse_bool(value: Any) -> bool:
    """DRF's lenient boolean: true/false, 1/0 and their usual strings."""
    if isinstance(value, (bool, int, str)):
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False
    raise ValueError(NOT_BOOL)


def parse_date(value: Any) -> date:
    """A ``YYYY-MM-DD`` business date; ``ValueError`` with DRF's message otherwise."""
    if not isinstance(value, str) or not _ISO_DATE.match(value):
        raise ValueError(BAD_DATE)
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(BAD_DATE) from None


def parse_datetime(value: str) -> datetime:
    """A lenient ISO 8601 date or date-time as naive UTC (naive input already means UTC)."""
    text = value.strip()
    if not text:
        raise ValueError(BAD_DATETIME)
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(BAD_DATETIME) from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def now_naive() -> str:
    """The current UTC time as Airbase writes date-times: ``YYYY-MM-DDTHH:MM:SS``, no offset."""
    return datetime.now(UTC).replace(tzinfo=None).isoformat(timespec="seconds")


def now_z() -> str:
    """The current UTC time as webhook envelopes write it: ``YYYY-MM-DDTHH:MM:SSZ``."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def to_wire(value: Any) -> Any:
    """A stored record in read shape: Decimals as strings, internal ``_`` keys left out."""
    if isinstance(value, Decimal):
        return money_str(value)
    if isinstance(value, dict):
        return {k: to_wire(v) for k, v in value.items() if not (isinstance(k, str) and k.startswith("_"))}
    if isinstance(value, list):
        return [to_wire(v) for v in value]
    return value


class _NotWire(Exception):
    """A value :func:`to_wire` would pass through untouched and the fast encoder cannot write."""


def _decimal_str(value: Any) -> str:
    if isinstance(value, Decimal):
        return money_str(value)
    raise _NotWire


_WIRE_ENCODER = json.JSONEncoder(
    ensure_ascii=False, allow_nan=False, separators=(",", ":"), default=_decimal_str
)
# Internal keys are cut from dicts down to this depth (an envelope, its list of records, their
# lines); one deeper shows in the text as a key that opens with "_", and then the walk decides.
_STRIP_DEPTH = 3


def _public(value: Any, depth: int) -> Any:
    if type(value) is dict:
        if depth > 1:
            return {
                k: _public(v, depth - 1) if type(v) in _NESTED else v
                for k, v in value.items()
                if not (isinstance(k, str) and k.startswith("_"))
            }
        return {k: v for k, v in value.items() if not (isinstance(k, str) and k.startswith("_"))}
    if type(value) is list:
        return [_public(v, depth) if type(v) in _NESTED else v for v in value]
    return value


_NESTED = (dict, list)


def wire_json(value: Any) -> bytes:
    """``dumps(to_wire(value))``, the same bytes without walking every value in Python.

    Decimals become their wire strings inside the standard library's encoder and internal keys
    are cut near the top, where records keep them. Whenever the text could differ from the walk's
    (an internal-looking key left deeper down, a value only simplejson writes), the walk answers.
    Tuples are the one exception: no answer holds one, and a Decimal inside one would be written
    here as its wire string where the walk (which leaves tuples alone) would write a number.
    """
    try:
        text = _WIRE_ENCODER.encode(_public(value, _STRIP_DEPTH))
    except (_NotWire, TypeError, ValueError, RecursionError):
        return dumps(to_wire(value))
    if '{"_' in text or ',"_' in text:
        return dumps(to_wire(value))
    return text.encode()


def type_name(value: Any) -> str:
    """The JSON type name DRF puts in its "expected a list/dictionary" messages."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, Decimal):
        return "float"
    return type(value).__name__
