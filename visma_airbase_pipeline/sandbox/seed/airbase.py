"""Airbase's state before the first sync (``api/airbase.md`` sections 3-6), quirks included.

Only what exists in Airbase on its own: the subsidiary and currencies (with the duplicate,
blank-id EUR row the real system auto-creates), vendors and a cost-centre tag that users created
in Airbase without an ERP id, employees, and a few card, reimbursement and fee ledger entries
waiting in ``sync_ready`` with uneven decimal strings and naive date-times.
"""

from __future__ import annotations

import random
import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any

from .clock import DAYS, Window
from .model import AirbaseSeed
from .money import round_money
from .reference import ACCOUNT_NAMES, BASE_CURRENCY, COMPANY_NAME

SUBSIDIARY_ERP_ID = "1"
_API = "https://api.airbase.io/v1/accounting"
_DASHBOARD = "https://dashboard.airbase.io"
_EMPLOYEES = (
    ("Karin Lindström", "karin.lindstrom@nordictrade.se"),
    ("Mikael Öberg", "mikael.oberg@nordictrade.se"),
    ("Sofia Åkesson", "sofia.akesson@nordictrade.se"),
    ("Jonas Bergqvist", "jonas.bergqvist@nordictrade.se"),
    ("Leila Haddad", "leila.haddad@nordictrade.se"),
)
# (name, email, erp_reference_id): "not linked" comes both as null and as "" (section 3).
_VENDORS: tuple[tuple[str, str, str | None], ...] = (
    ("Kafé Älvkanten AB", "order@kafealvkanten.se", None),
    ("Städbolaget Ström & Co", "faktura@stadbolagetstrom.se", ""),
    ("Berliner Büroservice GmbH", "rechnung@berliner-bueroservice.de", ""),
)
_FX_TO_SEK = {"SEK": Decimal("1"), "EUR": Decimal("11.47"), "USD": Decimal("10.52")}
# (type, currency, total as Airbase prints it, account, description, vendor index, employee index)
_EntrySpec = tuple[str, str, str, str, str, int | None, int | None]
_ENTRIES: tuple[_EntrySpec, ...] = (
    ("card_transaction", "SEK", "1250.00", "6071", "Fika och lunch kundmöte", 0, 0),
    ("card_transaction", "EUR", "12.5", "6110", "Kopiering mässmaterial", 2, 1),
    ("card_transaction", "SEK", "75", "5060", "Städmaterial kontoret", 1, 2),
    ("reimbursement", "SEK", "389", "5800", "Taxi Landvetter-kontoret", None, 3),
    ("reimbursement", "USD", "42.75", "5800", "Parkering flygplats Newark", None, 4),
    ("fee", "SEK", "35", "6570", "Avgift valutakortköp", None, None),
)


def _uuid(rng: random.Random) -> str:
    """A UUID4-shaped Airbase id drawn from the seeded RNG, so ids repeat with the seed."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _currency(code: str) -> dict[str, Any]:
    return {"erp_reference_id": code, "iso_code": code}


def _money(amount: str, code: str) -> dict[str, Any]:
    return {"amount": amount, "currency": _currency(code)}


def _naive(window: Window, ms: int, microseconds: int = 0) -> str:
    """Airbase date-time without offset; with microseconds only when given (both forms occur)."""
    return (window.start + timedelta(milliseconds=ms, microseconds=microseconds)).isoformat()


def _ledger_entry(
    rng: random.Random,
    window: Window,
    spec: _EntrySpec,
    subsidiary: dict[str, Any],
    vendors: list[dict[str, Any]],
    employees: list[dict[str, Any]],
) -> dict[str, Any]:
    """One non-bill entry in ``sync_ready``; the connector must leave these types untouched."""
    kind, currency, total, account, description, vendor_index, employee_index = spec
    entry_id = _uuid(rng)
    at = window.office_time(rng, rng.randrange(DAYS - 30, DAYS))
    entry_date = _naive(window, at - at % 1000, rng.choice((0, 0, rng.randrange(1, 1_000_000))))
    receipt = f"{_DASHBOARD}/receipts/{_uuid(rng)}.pdf" if kind != "fee" else None
    sek = str(round_money(Decimal(total) * _FX_TO_SEK[currency])) if currency != BASE_CURRENCY else total
    vendor = vendors[vendor_index] if vendor_index is not None else None
    employee = employees[employee_index] if employee_index is not None else None
    return {
        "id": entry_id,
        "airbase_id": entry_id,
        "erp_reference_id": None,
        "erp_url": None,
        "airbase_url": f"{_DASHBOARD}/ledger/{entry_id}",
        "url": f"{_API}/ledger_entries/{entry_id}/",
        "type": kind,
        "status": "sync_ready",
        "error_message": "",
        "spend_owner": {"name": employee["name"], "email": employee["email"]} if employee else None,
        "subsidiary": {"erp_reference_id": subsidiary["erp_reference_id"], "name": subsidiary["name"]},
        "credit_mode": None,
        "vendor": (
            {
                key: vendor[key]
                for key in ("id", "airbase_id", "name", "erp_reference_id", "created_in_airbase")
            }
            if vendor
            else None
        ),
        "employee": dict(employee) if employee and kind == "reimbursement" else None,
        "invoice_number": "",
        "bank_account": {"erp_reference_id": "1930", "name": ACCOUNT_NAMES["1930"]},
        "ap_account": None,
        "applied_to": [],
        "receipt_link": receipt,
        "entry_date": entry_date,
        "payment_entry_date": entry_date if kind == "card_transaction" else None,
        "currency": _currency(currency),
        "total_amount": total,
        "transaction_tags": [],
        "notes": "",
        "is_amortized": False,
        "amortization_start_date": None,
        "amortization_end_date": None,
        "expense_list": [
            {
                "line_number": rng.randint(1_000, 99_999),
                "account": {"erp_reference_id": account, "name": ACCOUNT_NAMES[account]},
                "amount": total,
                "tags": [],
                "description": description,
                "receipt_link": receipt,
                "amortization_start_date": None,
                "amortization_end_date": None,
            }
        ],
        "amounts": {
            "amount": _money(total, currency),
            "transaction_amount": _money(total, currency),
            "settlement_amount": _money(sek, BASE_CURRENCY) if kind == "card_transaction" else None,
            "subsidiary_amount": _money(sek, BASE_CURRENCY),
        },
    }


def build_airbase(rng: random.Random, window: Window) -> AirbaseSeed:
    """Airbase's initial state for Nordic Trade AB; deterministic for a given ``rng`` state."""
    sub_id = _uuid(rng)
    subsidiary = {
        "airbase_id": sub_id,
        "id": sub_id,
        "erp_reference_id": SUBSIDIARY_ERP_ID,
        "name": COMPANY_NAME,
        "erp_currency_reference_id": BASE_CURRENCY,
        "iso_code": "SE",
    }
    currencies = []
    for erp_id, iso in (("SEK", "SEK"), ("EUR", "EUR"), ("USD", "USD"), ("", "EUR")):
        cid = _uuid(rng)
        currencies.append({"airbase_id": cid, "id": cid, "erp_reference_id": erp_id, "iso_code": iso})
    vendors = []
    for vendor_name, vendor_email, vendor_erp_id in _VENDORS:
        vid = _uuid(rng)
        vendors.append(
            {
                "airbase_id": vid,
                "id": vid,
                "erp_reference_id": vendor_erp_id,
                "erp_parent_reference_id": None,
                "name": vendor_name,
                "is_active": True,
                "email": vendor_email,
                "created_in_airbase": True,
                "subsidiary_reference_ids": [{"airbase_id": sub_id, "erp_reference_id": SUBSIDIARY_ERP_ID}],
            }
        )
    tag_id = _uuid(rng)
    tag = {
        "airbase_id": tag_id,
        "id": tag_id,
        "erp_reference_id": "",
        "name": "Marknad",
        "type": "cost_center",
        "is_active": True,
        "created_in_airbase": True,
        "subsidiary_reference_ids": [{"airbase_id": sub_id, "erp_reference_id": SUBSIDIARY_ERP_ID}],
    }
    employees = []
    for name, email in _EMPLOYEES:
        eid = _uuid(rng)
        employees.append(
            {"airbase_id": eid, "id": eid, "name": name, "email": email, "erp_reference_id": None}
        )
    entries = [_ledger_entry(rng, window, spec, subsidiary, vendors, employees) for spec in _ENTRIES]
    entries.sort(key=lambda e: e["entry_date"])
    return AirbaseSeed([subsidiary], currencies, vendors, [tag], employees, entries)
