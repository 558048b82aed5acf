"""Seeded suppliers in the Visma read shape (``GET /v1/supplier``).

The supplier base scales with the invoice volume. Countries follow fixed quotas (60 % Swedish in
SEK, a quarter EU in EUR, the rest Chinese and US in USD), a few suppliers are Inactive or OnHold
so the connector's status mapping is exercised, and every registration number and IBAN is valid.
"""

from __future__ import annotations

import random
import unicodedata
from typing import Any

from .clock import DAY_MS, HOUR_MS, Window
from .identity import IDENTITY_BY_COUNTRY
from .names import Country, compose_name, country_quota
from .reference import CREDIT_TERMS, PAYMENT_METHODS, SUPPLIER_CLASSES

FIRST_SUPPLIER_NUMBER = 70001
_FIRST_INTERNAL_ID = 5001
_TLD = {"SE": "se", "DE": "de", "DK": "dk", "FI": "fi", "NL": "nl", "CN": "cn", "US": "com"}
_CONTACTS = {
    "SE": ("Anna Sjöberg", "Örjan Nilsson", "Maja Ekström"),
    "DE": ("Sabine Groß", "Jürgen Weiß"),
    "DK": ("Mette Sørensen", "Jens Kjærgaard"),
    "FI": ("Pekka Mäkinen", "Sanna Virtanen"),
    "NL": ("Sanne de Wit", "Daan van der Meer"),
    "CN": ("Lì Wěi", "Zhāng Mǐn"),
    "US": ("Megan Carter", "Luis Ortega"),
}


def supplier_count(invoices: int) -> int:
    """Suppliers for a given invoice volume: ``max(30, invoices // 40)``, about 40 invoices each."""
    return max(30, invoices // 40)


def _email_domain(name: str, number: str, country: str) -> str:
    """ASCII mail domain from the first two words of the name; Chinese-only names fall back to the id."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    words = ["".join(ch for ch in w if ch.isalnum()) for w in folded.split()[:2]]
    slug = "-".join(w for w in words if w)
    return f"{slug or 'supplier' + number}.{_TLD[country]}"


def _statuses(rng: random.Random, count: int) -> list[str]:
    """Mostly Active; a fixed handful Inactive and OnHold, at random positions."""
    statuses = ["Active"] * count
    inactive, on_hold = max(1, count // 30), max(1, count // 40)
    for n, index in enumerate(rng.sample(range(count), inactive + on_hold)):
        statuses[index] = "Inactive" if n < inactive else "OnHold"
    return statuses


def _supplier(
    rng: random.Random, window: Window, index: int, country: Country, name: str, status: str
) -> dict:
    number = str(FIRST_SUPPLIER_NUMBER + index)
    identity = IDENTITY_BY_COUNTRY[country.code](rng)
    term = rng.choice(country.credit_terms)
    method = "BG" if country.code == "SE" else "SWIFT"
    city, postal_code = rng.choice(country.cities)
    created = window.office_time(rng, rng.randrange(3))
    # Non-active suppliers were switched off after onboarding, the rest touched at random.
    spread = window.length_ms - created - 1 if status == "Active" else 20 * DAY_MS
    modified = window.later(rng, created, spread, HOUR_MS)
    contact = rng.choice(_CONTACTS[country.code])
    return {
        "internalId": _FIRST_INTERNAL_ID + index,
        "number": number,
        "name": name,
        "status": status,
        "currencyId": country.currency,
        "supplierClass": {
            "id": country.supplier_class,
            "description": SUPPLIER_CLASSES[country.supplier_class],
        },
        "creditTerms": {"id": term, "description": CREDIT_TERMS[term][0]},
        "paymentMethod": {"id": method, "description": PAYMENT_METHODS[method]},
        "corporateId": identity.corporate_id,
        "vatRegistrationId": identity.vat_id,
        "mainAddress": {
            "addressLine1": f"{rng.choice(country.streets)} {rng.randint(1, 140)}",
            "city": city,
            "postalCode": postal_code,
            "country": {"id": country.code, "name": country.name},
        },
        "mainContact": {"name": contact, "email": f"faktura@{_email_domain(name, number, country.code)}"},
        "supplierPaymentMethodDetails": identity.payment_details,
        "createdDateTime": window.stamp(created),
        "lastModifiedDateTime": window.stamp(modified),
    }


def build_suppliers(rng: random.Random, window: Window, count: int) -> list[dict[str, Any]]:
    """``count`` suppliers numbered ``70001``.. with unique names and registration numbers."""
    countries = country_quota(count)
    rng.shuffle(countries)
    statuses = _statuses(rng, count)
    taken: set[str] = {name for c in countries for name in c.flagships}
    flagships_used: dict[str, int] = {}
    suppliers: list[dict[str, Any]] = []
    seen_ids: set[str] = set()
    for index, country in enumerate(countries):
        used = flagships_used.get(country.code, 0)
        if used < len(country.flagships):
            name = country.flagships[used]
            flagships_used[country.code] = used + 1
        else:
            name = compose_name(rng, country, taken)
        supplier = _supplier(rng, window, index, country, name, statuses[index])
        while supplier["corporateId"] in seen_ids:  # a registry never issues a number twice
            supplier = _supplier(rng, window, index, country, name, statuses[index])
        seen_ids.add(supplier["corporateId"])
        suppliers.append(supplier)
    return suppliers
