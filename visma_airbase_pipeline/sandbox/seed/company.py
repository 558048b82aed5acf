"""``seed_company``: one call builds the whole deterministic sandbox company on both sides.

Each part draws from its own RNG stream derived from the seed (never the global RNG), so the
reference data and Airbase ids stay the same when only the volume changes, and the output is a
pure function of ``(seed, invoices, today)``.
"""

from __future__ import annotations

import gc
import random
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

from .airbase import build_airbase
from .chart import build_accounts, build_dimensions, build_subaccounts, build_vat_codes, build_warehouses
from .clock import DAYS, Window, utc_today
from .invoices import build_invoices
from .model import AirbaseSeed, VismaSeed
from .money import exchange_rates
from .purchasing import build_purchasing, order_count
from .reference import BASE_CURRENCY, COMPANY_ID, COMPANY_NAME, TENANT_ID
from .suppliers import build_suppliers, supplier_count


def _stream(seed: int, name: str) -> random.Random:
    """An independent, reproducible RNG for one part of the seed (str seeds hash with SHA-512)."""
    return random.Random(f"{seed}:{name}")


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building, then restore its previous state.

    The seed allocates millions of small acyclic dicts; at 100k invoices the collector's passes
    over that growing heap cost about 40 % of the run time and never find garbage.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def seed_company(
    seed: int = 42, invoices: int = 500, today: date | None = None
) -> tuple[VismaSeed, AirbaseSeed]:
    """Build the seeded Swedish import-export company for the Visma and Airbase sandboxes.

    The sandboxes, tests and benchmarks need the same realistic company every time: same
    ``(seed, invoices, today)`` gives identical records. Every date lies in the 90 days before
    ``today`` (default: today's UTC date), except due dates, which follow from credit terms.
    ``invoices`` sets the volume: exactly that many AP documents, with suppliers
    (``max(30, invoices // 40)``) and purchase orders (``max(10, invoices // 3)``) scaled to it.
    """
    if invoices < 0:
        raise ValueError(f"invoices must be >= 0, got {invoices}")
    with _gc_paused():
        return _build(seed, invoices, Window(today or utc_today()))


def _build(seed: int, invoices: int, window: Window) -> tuple[VismaSeed, AirbaseSeed]:
    """Reference data first, then suppliers, orders and receipts, then invoices that point at them."""
    reference = _stream(seed, "reference")
    accounts = build_accounts(reference, window)
    dimensions = build_dimensions(reference, window)
    subaccounts = build_subaccounts(reference, window)
    vat_codes = build_vat_codes(reference, window)
    warehouses = build_warehouses(reference, window)

    suppliers = build_suppliers(_stream(seed, "suppliers"), window, supplier_count(invoices))
    active = [s for s in suppliers if s["status"] == "Active"]
    orders, receipts, invoiceable = build_purchasing(
        _stream(seed, "purchasing"), window, active, order_count(invoices)
    )
    rates = exchange_rates(_stream(seed, "fx"), DAYS)
    documents = build_invoices(_stream(seed, "invoices"), window, invoices, active, invoiceable, rates)

    visma = VismaSeed(
        company_id=COMPANY_ID,
        tenant_id=TENANT_ID,
        company_name=COMPANY_NAME,
        base_currency=BASE_CURRENCY,
        accounts=accounts,
        dimensions=dimensions,
        subaccounts=subaccounts,
        vat_codes=vat_codes,
        warehouses=warehouses,
        suppliers=suppliers,
        purchase_orders=orders,
        purchase_receipts=receipts,
        supplier_invoices=documents,
    )
    return visma, build_airbase(_stream(seed, "airbase"), window)
