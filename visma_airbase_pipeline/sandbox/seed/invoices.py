"""Supplier invoices (AP documents) in the Visma read shape, the bulk of the seed.

About 40 % bill goods received on a purchase order of the same supplier (never more than was
received, never twice); the rest are services and expenses booked by spend profile. The mix of
document types and statuses gives the connector every case it must handle: credit notes,
prepayments, unreleased (Balanced), awaiting approval (Hold) and Voided documents.
Invariant: ``amount == sum(line cost) + vatTotal``, with VAT rounded per line.
"""

from __future__ import annotations

import bisect
import itertools
import random
from decimal import Decimal
from typing import Any

from .chart import subaccount_ref
from .clock import DAY_MS, DAYS, MINUTE_MS, Window
from .money import cents, round_money
from .purchasing import Invoiceable
from .reference import ACCOUNT_NAMES, CREDIT_TERMS, CURRENCY_DIVISOR, GOODS_VAT, SPEND, VAT_RATES

_ZERO = Decimal("0.00")
_LINE_COUNTS = (1, 2, 3, 4)
_LINE_COUNT_WEIGHTS = tuple(itertools.accumulate((50, 25, 15, 10)))
_PO_SHARE_OF_INVOICES = 0.43  # of type Invoice, which is 94 % of documents: ~40 % overall
_REFERENCE_FORMAT = {"DOM": "F-{year}-{n:04d}", "EU": "RE-{year}-{n:05d}", "IMP": "CI{year}{n:05d}"}


def _line(
    number: int, description: str, qty: Decimal, unit_cost: Decimal, account: str, cost_centre: str, vat: str
) -> dict[str, Any]:
    return {
        "lineNumber": number,
        "transactionDescription": description,
        "quantity": qty,
        "unitCost": unit_cost,
        "cost": round_money(qty * unit_cost),
        "account": {"number": account, "description": ACCOUNT_NAMES[account]},
        "subaccount": subaccount_ref(cost_centre),
        "vatCode": {"id": vat},
    }


def _order_lines(source: Invoiceable, take: int) -> list[dict[str, Any]]:
    """Invoice lines for the first ``take`` uninvoiced PO lines, at the received quantity."""
    vat = GOODS_VAT[source.supplier["supplierClass"]["id"]]
    lines = []
    for n, po_line in enumerate(source.lines[:take], start=1):
        description = f"{po_line['inventory']['description']}, lager {po_line['warehouse']['id']}"
        line = _line(
            n,
            description,
            po_line["qtyOnReceipts"],
            po_line["unitCost"],
            po_line["account"]["number"],
            po_line["subaccount"]["subaccountNumber"],
            vat,
        )
        line["poNumber"] = source.order["orderNbr"]
        line["poLineNumber"] = po_line["lineNbr"]
        lines.append(line)
    del source.lines[:take]
    return lines


def _spend_lines(rng: random.Random, supplier: dict[str, Any], count: int) -> list[dict[str, Any]]:
    """``count`` service or expense lines drawn from the supplier class's spend profiles."""
    profiles = SPEND[supplier["supplierClass"]["id"]]
    divisor = CURRENCY_DIVISOR[supplier["currencyId"]]
    lines = []
    for n in range(1, count + 1):
        p = rng.choice(profiles)
        qty = Decimal(rng.randint(1, p.max_qty))
        unit_cost = cents(max(1, rng.randint(p.lo_cents, p.hi_cents) // divisor))
        lines.append(
            _line(n, rng.choice(p.descriptions), qty, unit_cost, p.account, rng.choice(p.cost_centres), p.vat)
        )
    return lines


def _status(rng: random.Random) -> tuple[str, bool, bool]:
    """(status, hold, released): mostly Open, ~10 % Balanced, ~8 % Hold, ~1 % Voided."""
    r = rng.random()
    if r < 0.01:
        return "Voided", False, True
    if r < 0.09:
        return "Hold", True, False
    if r < 0.19:
        return "Balanced", False, False
    return "Open", False, True


class _SupplierPicker:
    """Skewed choice of active suppliers: a few big suppliers send many invoices, most send few."""

    def __init__(self, rng: random.Random, suppliers: list[dict[str, Any]]) -> None:
        self.suppliers = list(suppliers)
        rng.shuffle(self.suppliers)
        self.cum_weights = list(itertools.accumulate(1 / (i + 1) ** 0.7 for i in range(len(self.suppliers))))
        self.total = self.cum_weights[-1]

    def pick(self, rng: random.Random) -> dict[str, Any]:
        """One supplier; ``random.choices`` with ``cum_weights`` minus its per-call checks (hot path)."""
        index = bisect.bisect(self.cum_weights, rng.random() * self.total)
        return self.suppliers[min(index, len(self.suppliers) - 1)]


def _invoice(
    rng: random.Random,
    window: Window,
    picker: _SupplierPicker,
    pool: list[Invoiceable],
    rates: dict[str, list[Decimal]],
) -> tuple[int, dict[str, Any]]:
    """(created ms, invoice) with its ``referenceNumber`` and ``supplierReference`` still blank."""
    r = rng.random()
    doc_type = "CreditAdj" if r < 0.05 else "Prepayment" if r < 0.06 else "Invoice"
    if doc_type == "Invoice" and pool and rng.random() < _PO_SHARE_OF_INVOICES:
        index = rng.randrange(len(pool))
        source = pool[index]
        supplier = source.supplier
        day = min(source.ready_day + rng.randint(0, 12), DAYS - 1)
        lines = _order_lines(source, rng.randint(1, min(2, len(source.lines))))
        if not source.lines:  # fully invoiced: swap-remove keeps the pick O(1)
            pool[index] = pool[-1]
            pool.pop()
        description = f"Order {source.order['orderNbr']}: {lines[0]['transactionDescription']}"
    else:
        supplier = picker.pick(rng)
        day = rng.randrange(DAYS)
        count = (
            1 if doc_type == "Prepayment" else rng.choices(_LINE_COUNTS, cum_weights=_LINE_COUNT_WEIGHTS)[0]
        )
        lines = _spend_lines(rng, supplier, count)
        prefix = {"Invoice": "", "CreditAdj": "Kreditering: ", "Prepayment": "Förskott: "}[doc_type]
        description = prefix + lines[0]["transactionDescription"]
    created = window.office_time(rng, min(day + rng.randint(0, 3), DAYS - 1))
    modified = window.later(rng, created, 10 * DAY_MS, MINUTE_MS)
    cost = sum((line["cost"] for line in lines), _ZERO)
    vat_total = sum((round_money(line["cost"] * VAT_RATES[line["vatCode"]["id"]]) for line in lines), _ZERO)
    amount = cost + vat_total
    status, hold, released = _status(rng)
    term = supplier["creditTerms"]["id"]
    currency = supplier["currencyId"]
    return created, {
        "documentType": doc_type,
        "referenceNumber": "",
        "status": status,
        "hold": hold,
        "released": released,
        "date": window.day(day),
        "dueDate": window.day(day + CREDIT_TERMS[term][1]),
        "financialPeriod": window.period(day),
        "supplierReference": "",
        "supplier": {"number": supplier["number"], "name": supplier["name"]},
        "description": description,
        "currencyId": currency,
        "exchangeRate": rates[currency][day],
        "creditTerms": {"id": term},
        "paymentMethod": {"id": supplier["paymentMethod"]["id"]},
        "location": {"id": "MAIN"},
        "branchNumber": {"number": "1"},
        "amount": amount,
        "balance": _ZERO if status == "Voided" else amount,
        "vatTotal": vat_total,
        "invoiceLines": lines,
        "createdDateTime": window.stamp(created),
        "lastModifiedDateTime": window.stamp(modified),
    }


def build_invoices(
    rng: random.Random,
    window: Window,
    count: int,
    suppliers: list[dict[str, Any]],
    invoiceable: list[Invoiceable],
    rates: dict[str, list[Decimal]],
) -> list[dict[str, Any]]:
    """Exactly ``count`` AP documents from active ``suppliers``, numbered in creation order.

    ``referenceNumber`` is one series across document types (as Visma's AP numbering is);
    ``supplierReference`` is each supplier's own running invoice number, unique per supplier.
    ``invoiceable`` is consumed: PO lines are invoiced at most once.
    """
    picker = _SupplierPicker(rng, suppliers)
    classes = {s["number"]: s["supplierClass"]["id"] for s in suppliers}
    stamped = [_invoice(rng, window, picker, invoiceable, rates) for _ in range(count)]
    stamped.sort(key=lambda entry: entry[0])
    next_ref: dict[str, int] = {}
    invoices = []
    for n, (_, invoice) in enumerate(stamped, start=1):
        number = invoice["supplier"]["number"]
        seq = next_ref.get(number) or rng.randint(100, 899)
        next_ref[number] = seq + 1
        year = invoice["date"][:4]
        fmt = (
            "KR-{year}-{n:04d}"
            if invoice["documentType"] == "CreditAdj"
            else _REFERENCE_FORMAT[classes[number]]
        )
        invoice["referenceNumber"] = f"{n:06d}"
        invoice["supplierReference"] = fmt.format(year=year, n=seq)
        invoices.append(invoice)
    return invoices
