"""Registration numbers, VAT ids and bank details that pass the checks real systems run.

Swedish org numbers carry a valid Luhn digit, Finnish business ids a valid mod-11 digit, IBANs
valid mod-97 check digits: a connector (or a test) that validates them must not trip over the
sandbox data. Values are random but come only from the seeded RNG.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any, NamedTuple

_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100-2015 charset (no I, O, S, V, Z)
_FI_WEIGHTS = (7, 9, 10, 5, 8, 4, 2)


class Identity(NamedTuple):
    corporate_id: str
    vat_id: str | None
    payment_details: list[dict[str, Any]]


def _digits(rng: random.Random, n: int) -> str:
    return f"{rng.randrange(10**n):0{n}d}"


def _detail(description: str, value: str) -> dict[str, Any]:
    return {"paymentMethodDetailDescription": description, "paymentMethodDetailValue": value}


def luhn_check_digit(payload: str) -> int:
    """Luhn (mod 10) check digit of ``payload``, as used by Swedish org and personal numbers."""
    total = 0
    for i, ch in enumerate(reversed(payload)):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return (10 - total % 10) % 10


def iban(country: str, bban: str) -> str:
    """IBAN with correct ISO 13616 check digits for the national account number ``bban``."""
    numeric = "".join(str(int(ch, 36)) for ch in bban + country + "00")
    return f"{country}{98 - int(numeric) % 97:02d}{bban}"


def swedish_org_number(rng: random.Random) -> str:
    """An aktiebolag org number ``556xxx-xxxC`` whose last digit is the Luhn check digit."""
    payload = "556" + _digits(rng, 6)
    return f"{payload[:6]}-{payload[6:]}{luhn_check_digit(payload)}"


def _sweden(rng: random.Random) -> Identity:
    org = swedish_org_number(rng)
    bankgiro = f"{rng.randint(100, 9999)}-{_digits(rng, 4)}"
    vat = f"SE{org.replace('-', '')}01"
    return Identity(org, vat, [_detail("Bankgironummer", bankgiro)])


def _swift(country: str, bban: str, bic: str) -> list[dict[str, Any]]:
    return [_detail("IBAN", iban(country, bban)), _detail("BIC/SWIFT", bic)]


def _germany(rng: random.Random) -> Identity:
    bic = rng.choice(("COBADEFFXXX", "DEUTDEHHXXX", "HASPDEHHXXX"))
    return Identity(
        f"HRB {rng.randint(10_000, 199_999)}", "DE" + _digits(rng, 9), _swift("DE", _digits(rng, 18), bic)
    )


def _denmark(rng: random.Random) -> Identity:
    cvr = str(rng.randint(10_000_000, 99_999_999))
    return Identity(cvr, "DK" + cvr, _swift("DK", _digits(rng, 14), rng.choice(("DABADKKK", "NDEADKKK"))))


def _finland(rng: random.Random) -> Identity:
    while True:
        body = _digits(rng, 7)
        remainder = sum(int(d) * w for d, w in zip(body, _FI_WEIGHTS, strict=True)) % 11
        if remainder != 1:  # remainder 1 has no valid check digit; such ids are never issued
            break
    check = 0 if remainder == 0 else 11 - remainder
    bic = rng.choice(("NDEAFIHH", "OKOYFIHH"))
    return Identity(f"{body}-{check}", f"FI{body}{check}", _swift("FI", _digits(rng, 14), bic))


def _netherlands(rng: random.Random) -> Identity:
    bank, bic = rng.choice((("ABNA", "ABNANL2A"), ("INGB", "INGBNL2A"), ("RABO", "RABONL2U")))
    return Identity(_digits(rng, 8), f"NL{_digits(rng, 9)}B01", _swift("NL", bank + _digits(rng, 10), bic))


def _china(rng: random.Random) -> Identity:
    uscc = "9144" + "".join(rng.choice(_USCC_ALPHABET) for _ in range(14))
    account = [_detail("Kontonummer", _digits(rng, 19))]
    return Identity(uscc, None, [*account, _detail("BIC/SWIFT", rng.choice(("BKCHCNBJ", "ICBKCNBJ")))])


def _united_states(rng: random.Random) -> Identity:
    ein = f"{rng.randint(10, 99)}-{_digits(rng, 7)}"
    details = [_detail("ABA routing", _digits(rng, 9)), _detail("Kontonummer", _digits(rng, 11))]
    return Identity(ein, None, [*details, _detail("BIC/SWIFT", rng.choice(("CHASUS33", "BOFAUS3N")))])


IDENTITY_BY_COUNTRY: dict[str, Callable[[random.Random], Identity]] = {
    "SE": _sweden,
    "DE": _germany,
    "DK": _denmark,
    "FI": _finland,
    "NL": _netherlands,
    "CN": _china,
    "US": _united_states,
}
