"""Money at the edge: Decimal amounts rounded half-even to the currency's minor unit."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

from visma_airbase_pipeline.mapping.errors import MappingError

#: ISO 4217 minor units for currencies that are not the usual two decimals.
_MINOR_UNITS = {"JPY": 0, "KRW": 0, "ISK": 0, "CLP": 0, "BHD": 3, "KWD": 3, "JOD": 3, "OMR": 3, "TND": 3}


def minor_unit(currency: str) -> int:
    """Decimals of the currency's minor unit (öre, cent: 2)."""
    return _MINOR_UNITS.get(currency.upper(), 2)


def to_minor(amount: Decimal, currency: str) -> Decimal:
    """The amount rounded half-even to the currency's minor unit."""
    return amount.quantize(Decimal(1).scaleb(-minor_unit(currency)), rounding=ROUND_HALF_EVEN)


def money_str(amount: Decimal, currency: str) -> str:
    """Airbase's decimal-string form of an amount, e.g. ``"1250.00"``."""
    return f"{to_minor(amount, currency):f}"


def require_amount(value: Decimal | None, what: str) -> Decimal:
    """A present, finite Decimal amount, or a MappingError naming the field."""
    if value is None:
        raise MappingError(f"{what} is missing")
    if not isinstance(value, Decimal) or not value.is_finite():
        raise MappingError(f"{what} is not a valid amount: {value!r}")
    return value
