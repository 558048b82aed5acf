"""Money at the edge: Decimal amounts rounded half-even to the currency's minor unit.

Amounts read from Visma are already amounts of money, so they must be exact in the currency's minor
unit (``100.005`` SEK is refused, not rounded to ``100.00``: rounding a source amount would make the
bill differ from the invoice, or hide a line that does not add up). Rounding is only for amounts the
connector computes itself (quantity x unit cost, a payment split), at the edge, half-even.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_EVEN, Context, Decimal
from typing import Final

from visma_airbase_pipeline.mapping.errors import MappingError

#: ISO 4217 minor units for currencies that are not the usual two decimals.
_MINOR_UNITS = {"JPY": 0, "KRW": 0, "ISK": 0, "CLP": 0, "BHD": 3, "KWD": 3, "JOD": 3, "OMR": 3, "TND": 3}
#: No amount (or quantity) this connector handles has more digits before the decimal point.
MAX_DIGITS: Final = 15
_LIMIT: Final = Decimal(10) ** MAX_DIGITS
_CURRENCY: Final = re.compile(r"[A-Z]{3}")


def minor_unit(currency: str) -> int:
    """Decimals of the currency's minor unit (öre, cent: 2)."""
    return _MINOR_UNITS.get(currency.upper(), 2)


#: Precision enough for any bounded amount (never InvalidOperation), whatever the thread's context.
_CONTEXT: Final = Context(prec=MAX_DIGITS * 3, rounding=ROUND_HALF_EVEN)
_QUANTUM: Final = {places: Decimal(1).scaleb(-places) for places in range(4)}


def to_minor(amount: Decimal, currency: str) -> Decimal:
    """The amount rounded half-even to the currency's minor unit."""
    return amount.quantize(_QUANTUM[minor_unit(currency)], rounding=ROUND_HALF_EVEN, context=_CONTEXT)


def money_str(amount: Decimal, currency: str) -> str:
    """Airbase's decimal-string form of an amount, e.g. ``"1250.00"``."""
    return f"{to_minor(amount, currency):f}"


def require_amount(value: Decimal | None, what: str) -> Decimal:
    """A present, finite Decimal amount of sane size, or a MappingError naming the field."""
    if value is None:
        raise MappingError(f"{what} is missing")
    if not isinstance(value, Decimal) or not value.is_finite():
        raise MappingError(f"{what} is not a valid amount: {value!r}")
    if abs(value) >= _LIMIT:
        raise MappingError(
            f"{what} {value} is too large (more than {MAX_DIGITS} digits before the decimal point)"
        )
    return value


def exact_amount(value: Decimal | None, what: str, currency: str) -> Decimal:
    """A source amount that is exact in the currency's minor unit (``100.50``, ``100.500``), as such;
    an amount with more decimals (``100.005`` SEK) is refused rather than rounded."""
    amount = require_amount(value, what)
    exact = to_minor(amount, currency)
    if exact != amount:
        places = minor_unit(currency)
        raise MappingError(
            f"{what} {amount} has more decimals than {currency} allows ({places}); "
            "it is not rounded, fix it in Visma"
        )
    return exact


def require_currency(value: str | None, what: str) -> str:
    """An ISO 4217 currency code (three letters, any case), upper-cased."""
    code = (value or "").strip().upper()
    if not code:
        raise MappingError(f"{what} has no currency")
    if not _CURRENCY.fullmatch(code):
        raise MappingError(f"{what} has currency {value!r}, which is not a three-letter ISO code")
    return code
