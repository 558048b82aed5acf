"""Decimal money for the seed: amounts from integer cents, VAT rounding and daily exchange rates.

Money never passes through float (DESIGN.md section 9): random amounts are drawn as integer
cents and turned into ``Decimal`` with an exact scale, and rounding is half-even to 2 places.
"""

from __future__ import annotations

import random
from decimal import ROUND_HALF_EVEN, Decimal

CENT = Decimal("0.01")
ONE = Decimal("1")
_RATE_STEP = Decimal("0.0001")

# Mid rates in SEK per unit around which the seeded rates wander (order of magnitude of 2026).
_BASE_RATES = {"EUR": Decimal("11.4500"), "USD": Decimal("10.4500")}
# Largest daily move in ten-thousandths of a SEK.
_MAX_DAILY_MOVE = 300


def cents(n: int) -> Decimal:
    """``Decimal`` with exactly two places from an integer number of cents (``12345`` -> ``123.45``)."""
    return Decimal(n).scaleb(-2)


def round_money(value: Decimal) -> Decimal:
    """Round to the currency's minor unit, half-even, as the connector does at the edges."""
    return value.quantize(CENT, rounding=ROUND_HALF_EVEN)


def exchange_rates(rng: random.Random, days: int) -> dict[str, list[Decimal]]:
    """Per-currency list of daily SEK rates (index = window day), a bounded random walk.

    A walk rather than independent draws keeps invoices of neighbouring days at similar rates,
    which is what reconciliation reports in SEK expect to see.
    """
    rates: dict[str, list[Decimal]] = {"SEK": [ONE] * days}
    for currency, base in _BASE_RATES.items():
        lowest, highest = base * Decimal("0.96"), base * Decimal("1.04")
        current = base
        series: list[Decimal] = []
        for _ in range(days):
            step = Decimal(rng.randint(-_MAX_DAILY_MOVE, _MAX_DAILY_MOVE)) * _RATE_STEP
            current = min(max(current + step, lowest), highest).quantize(_RATE_STEP)
            series.append(current)
        rates[currency] = series
    return rates
