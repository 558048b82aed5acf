"""Visma read-shape records for the static reference data: accounts, cost centres, VAT, warehouses.

The company was set up on the first day of the window; most reference records were touched again
within a few days (a migration tidy-up), and the inactive ones were switched off later, so a
delta pull of a recent partition still finds a few reference changes.
"""

from __future__ import annotations

import random
from typing import Any

from .clock import DAY_MS, HOUR_MS, Window
from .reference import ACCOUNTS, COST_CENTRES, VAT_CODES, WAREHOUSES

SUBACCOUNT_DIMENSION = "SUBACCOUNT"
COST_CENTRE_SEGMENT = 1
_FIRST_ACCOUNT_ID = 1001
_FIRST_SUBACCOUNT_ID = 301


def _stamps(rng: random.Random, window: Window, active: bool = True) -> dict[str, str]:
    """Creation on day 0; modified within days, or (for deactivated records) weeks later."""
    created = window.office_time(rng, 0)
    spread = 80 * DAY_MS if not active or rng.random() < 0.1 else 5 * DAY_MS
    modified = window.later(rng, created, spread, HOUR_MS)
    return {"createdDateTime": window.stamp(created), "lastModifiedDateTime": window.stamp(modified)}


def subaccount_ref(value: str) -> dict[str, Any]:
    """A line's read-shape subaccount reference for a single-segment cost centre value."""
    return {
        "subaccountNumber": value,
        "segments": [{"segmentId": COST_CENTRE_SEGMENT, "segmentValue": value}],
    }


def build_accounts(rng: random.Random, window: Window) -> list[dict[str, Any]]:
    """GL accounts as ``GET /v1/account`` returns them (BAS kontogrupp as ``accountGroupCd``)."""
    return [
        {
            "accountID": _FIRST_ACCOUNT_ID + i,
            "accountCD": a.cd,
            "description": a.description,
            "type": a.type,
            "active": a.active,
            "accountGroupCd": a.cd[:2],
            **_stamps(rng, window, a.active),
        }
        for i, a in enumerate(ACCOUNTS)
    ]


def build_dimensions(rng: random.Random, window: Window) -> list[dict[str, Any]]:
    """The SUBACCOUNT dimension with its one cost-centre segment and all segment values."""
    values: list[dict[str, Any]] = [
        {
            "valueId": c.value,
            "description": c.description,
            "active": c.active,
            **_stamps(rng, window, c.active),
        }
        for c in COST_CENTRES
    ]
    created = min(v["createdDateTime"] for v in values)
    modified = max(v["lastModifiedDateTime"] for v in values)
    return [
        {
            "dimensionId": SUBACCOUNT_DIMENSION,
            "description": "Subaccount",
            "segments": [
                {
                    "segmentId": COST_CENTRE_SEGMENT,
                    "description": "Kostnadsställe",
                    "length": 3,
                    "segmentValues": values,
                }
            ],
            "createdDateTime": created,
            "lastModifiedDateTime": modified,
        }
    ]


def build_subaccounts(rng: random.Random, window: Window) -> list[dict[str, Any]]:
    """One subaccount per cost centre; with a single segment the number equals the value."""
    return [
        {
            "subaccountId": _FIRST_SUBACCOUNT_ID + i,
            "subaccountNumber": c.value,
            "description": c.description,
            "active": c.active,
            "segments": [{"segmentId": COST_CENTRE_SEGMENT, "segmentValue": c.value}],
            **_stamps(rng, window, c.active),
        }
        for i, c in enumerate(COST_CENTRES)
    ]


def build_vat_codes(rng: random.Random, window: Window) -> list[dict[str, Any]]:
    """Swedish input VAT codes; ``rate`` is a fraction (``0.25``) so VAT = round(cost * rate, 2)."""
    return [
        {
            "id": v.id,
            "description": v.description,
            "rate": v.rate,
            "account": v.account,
            "reverseCharge": v.reverse_charge,
            "active": True,
            **_stamps(rng, window),
        }
        for v in VAT_CODES
    ]


def build_warehouses(rng: random.Random, window: Window) -> list[dict[str, Any]]:
    """The three warehouses purchase order and receipt lines point at (``warehouse: {"id"}``)."""
    return [
        {
            "warehouseID": w.id,
            "description": w.description,
            "active": True,
            "address": {"city": w.city, "country": {"id": "SE"}},
            **_stamps(rng, window),
        }
        for w in WAREHOUSES
    ]
