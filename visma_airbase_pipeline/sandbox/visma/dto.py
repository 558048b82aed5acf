"""Reading Visma write DTOs strictly: every scalar wrapped as ``{"value": ...}`` (api/visma.md
section 4), omitted = unchanged, ``{"value": null}`` = clear, and every mistake answered with a
400 ``IPPException`` whose message names the field, so a client bug is found on the first call.
"""

from __future__ import annotations

import enum
import re
from datetime import datetime
from decimal import Decimal
from typing import Any, Final, TypeAlias, TypeVar

from visma_airbase_pipeline.sandbox.framework import ApiError
from visma_airbase_pipeline.sandbox.jsonio import is_number


class _Unset(enum.Enum):
    """An omitted field (distinct from ``None``, which clears); falsy like ``None``."""

    UNSET = "UNSET"

    def __bool__(self) -> bool:
        return False


UNSET: Final = _Unset.UNSET
T = TypeVar("T")
Maybe: TypeAlias = T | _Unset | None
# Keeps products and sums of amounts inside Decimal's 28 digits (quantity x unit cost to the cent).
_LARGEST = Decimal(10) ** 11
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}:\d{2}(?:\.\d{1,7})?)?")


def invalid(field: str, problem: str) -> ApiError:
    """The 400 a Visma validation failure answers, naming the field."""
    return ApiError(400, f"Error: '{field}': {problem}")


def visma_date(value: str, field: str) -> str:
    """A written date (``yyyy-MM-dd`` or a full naive date-time) in the read form ``yyyy-MM-ddTHH:mm:ss``."""
    text = value.strip()
    if not _DATE_RE.fullmatch(text):
        raise invalid(field, f"'{value}' is not a valid date (expected yyyy-MM-dd).")
    try:
        parsed = datetime.fromisoformat(text.replace(" ", "T")[:19])
    except ValueError:
        raise invalid(field, f"'{value}' is not a valid date.") from None
    return parsed.isoformat(timespec="seconds")


class Dto:
    """One JSON object of a write body, read field by field with the field's full name in errors."""

    def __init__(self, body: Any, where: str = "") -> None:
        if not isinstance(body, dict):
            raise invalid(where or "body", "must be a JSON object.")
        self.body: dict[str, Any] = body
        self.where = where

    def name(self, field: str) -> str:
        """The dotted name of a field, for messages (``invoiceLines[2].accountNumber``)."""
        return f"{self.where}.{field}" if self.where else field

    def has(self, field: str) -> bool:
        """True when the field was sent at all."""
        return field in self.body

    def wrapped(self, field: str, *, required: bool = False) -> Any:
        """The unwrapped value: UNSET when omitted, None when cleared; 400 on a bare scalar."""
        if field not in self.body:
            if required:
                raise invalid(self.name(field), "is required.")
            return UNSET
        raw = self.body[field]
        if not isinstance(raw, dict) or "value" not in raw:
            raise invalid(self.name(field), 'must be wrapped as {"value": ...}.')
        value = raw["value"]
        if value is None and required:
            raise invalid(self.name(field), "is required and cannot be null.")
        return value

    def text(self, field: str, *, required: bool = False, max_len: int | None = None) -> Maybe[str]:
        """A wrapped string."""
        value = self.wrapped(field, required=required)
        if value is UNSET or value is None:
            return value
        if not isinstance(value, str):
            raise invalid(self.name(field), f"must be a string, not {type(value).__name__}.")
        if required and not value.strip():
            raise invalid(self.name(field), "is required and cannot be empty.")
        if max_len is not None and len(value) > max_len:
            raise invalid(self.name(field), f"is longer than {max_len} characters.")
        return value

    def key(self, field: str, *, max_len: int) -> str | None:
        """An optional record number chosen by the caller (manual numbering): printable, no blanks only."""
        value = self.text(field, max_len=max_len)
        if not isinstance(value, str) or not value.strip():
            return None
        if not value.isprintable() or value != value.strip():
            raise invalid(self.name(field), "must be printable, without leading or trailing spaces.")
        return value

    def currency(self, field: str) -> Maybe[str]:
        """A wrapped ISO 4217 code (``SEK``); null clears it (the supplier's currency applies)."""
        value = self.text(field)
        if isinstance(value, str) and not re.fullmatch(r"[A-Z]{3}", value):
            raise invalid(self.name(field), f"'{value}' is not an ISO 4217 currency code.")
        return value

    def choice(self, field: str, choices: tuple[str, ...], *, required: bool = False) -> Maybe[str]:
        """A wrapped string from an enum; matched case-insensitively, answered in canonical casing."""
        value = self.text(field, required=required)
        if value is UNSET or value is None:
            return value
        for option in choices:
            if option.casefold() == value.strip().casefold():
                return option
        raise invalid(self.name(field), f"'{value}' is not one of: {', '.join(choices)}.")

    def boolean(self, field: str, *, required: bool = False) -> Maybe[bool]:
        """A wrapped JSON boolean."""
        value = self.wrapped(field, required=required)
        if value is UNSET or value is None:
            return value
        if not isinstance(value, bool):
            raise invalid(self.name(field), f"must be true or false, not {type(value).__name__}.")
        return value

    def decimal(
        self, field: str, *, required: bool = False, minimum: Decimal | None = None
    ) -> Maybe[Decimal]:
        """A wrapped JSON number, as ``Decimal`` (never float)."""
        value = self.wrapped(field, required=required)
        if value is UNSET or value is None:
            return value
        if not is_number(value):
            raise invalid(self.name(field), f"must be a number, not {type(value).__name__}.")
        number = Decimal(value)
        if not number.is_finite() or abs(number) >= _LARGEST:
            raise invalid(self.name(field), f"must be a finite number below {_LARGEST:,}.")
        if minimum is not None and number < minimum:
            raise invalid(self.name(field), f"must be at least {minimum}.")
        return number

    def date(self, field: str, *, required: bool = False) -> Maybe[str]:
        """A wrapped date, returned in read form."""
        value = self.text(field, required=required)
        if value is UNSET or value is None:
            return value
        return visma_date(value, self.name(field))

    def obj(self, field: str) -> Maybe[Dto]:
        """A wrapped object (``mainAddress: {"value": {...}}``)."""
        value = self.wrapped(field)
        if value is UNSET or value is None:
            return value
        return Dto(value, self.name(field))

    def items(self, field: str) -> list[Dto] | _Unset:
        """An unwrapped array of objects (line arrays, segment values)."""
        if field not in self.body or self.body[field] is None:
            return UNSET
        raw = self.body[field]
        if not isinstance(raw, list):
            raise invalid(self.name(field), "must be an array.")
        return [Dto(item, f"{self.name(field)}[{i}]") for i, item in enumerate(raw)]

    def operation(self) -> str:
        """A line's ``operation`` (plain string, default Insert)."""
        raw = self.body.get("operation", "Insert")
        if isinstance(raw, dict) and "value" in raw:
            raw = raw["value"]
        for option in ("Insert", "Update", "Delete"):
            if isinstance(raw, str) and raw.casefold() == option.casefold():
                return option
        raise invalid(self.name("operation"), "must be Insert, Update or Delete.")

    def line_number(self, *, required: bool) -> int | None:
        """The ``lineNumber`` addressing an existing line (wrapped or plain integer)."""
        raw = self.body.get("lineNumber")
        if isinstance(raw, dict) and "value" in raw:
            raw = raw["value"]
        if raw is None:
            if required:
                raise invalid(self.name("lineNumber"), "is required to update or delete a line.")
            return None
        if not isinstance(raw, int) or isinstance(raw, bool) or raw < 1:
            raise invalid(self.name("lineNumber"), "must be a positive integer.")
        return raw


def is_set(value: object) -> bool:
    """True unless the field was omitted (``None`` counts: it means "clear")."""
    return value is not UNSET
