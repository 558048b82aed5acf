"""Purchase orders and their goods receipts, in the Visma read shapes.

Orders are numbered in creation order. Most get one or two receipts, some only partial, a few
receipts are not released yet (Balanced or Hold). Invariants the sandbox and the connector's
three-way match rely on: per PO line, the received quantity over all receipts never exceeds
``orderQty``, and ``qtyOnReceipts`` is the sum over *released* receipts only.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .chart import subaccount_ref
from .clock import DAY_MS, DAYS, HOUR_MS, Window
from .money import cents, round_money
from .reference import CURRENCY_DIVISOR, GOODS_ACCOUNT, ITEMS, WAREHOUSES

_ZERO = Decimal(0)


@dataclass(slots=True)
class Invoiceable:
    """A PO with released goods not invoiced yet; the invoice generator consumes ``lines``."""

    ready_day: int  # window day of the last released receipt: no invoice before it
    order: dict[str, Any]
    supplier: dict[str, Any]
    lines: list[dict[str, Any]]


def order_count(invoices: int) -> int:
    """Purchase orders for a given invoice volume: about one per three invoices, at least ten."""
    return max(10, invoices // 3)


def _order_lines(rng: random.Random, supplier: dict[str, Any]) -> list[dict[str, Any]]:
    account = GOODS_ACCOUNT[supplier["supplierClass"]["id"]]
    divisor = CURRENCY_DIVISOR[supplier["currencyId"]]
    lines = []
    for line_nbr, item in enumerate(rng.sample(ITEMS, rng.randint(1, 4)), start=1):
        warehouse = rng.choice(WAREHOUSES)
        qty = Decimal(rng.randint(1, 60) * 5)
        unit_cost = cents(max(1, rng.randint(item.lo_cents, item.hi_cents) // divisor))
        lines.append(
            {
                "lineNbr": line_nbr,
                "inventory": {"number": item.number, "description": item.description},
                "warehouse": {"id": warehouse.id},
                "orderQty": qty,
                "unitCost": unit_cost,
                "amount": round_money(qty * unit_cost),
                "qtyOnReceipts": _ZERO,
                "completed": False,
                "canceled": False,
                "account": {"number": account},
                "subaccount": subaccount_ref(warehouse.cost_centre),
            }
        )
    return lines


def _received_split(rng: random.Random, lines: list[dict[str, Any]], parts: int) -> list[list[Decimal]]:
    """Per receipt, the quantity of each PO line it receives; a quarter of the lines stay partial."""
    totals = [
        q if rng.random() < 0.75 else Decimal(rng.randint(1, int(q) - 1))
        for q in (line["orderQty"] for line in lines)
    ]
    if parts == 1:
        return [totals]
    first = [Decimal(rng.randint(0, int(t))) for t in totals]
    return [first, [t - f for t, f in zip(totals, first, strict=True)]]


def _receipts(
    rng: random.Random, window: Window, order: dict[str, Any], created: int
) -> list[tuple[int, int, dict[str, Any]]]:
    """(created ms, modified ms, receipt) for one order, its quantities split over 1-2 receipts."""
    parts = 1 if rng.random() < 0.7 else 2
    at = created
    receipts = []
    for n, quantities in enumerate(_received_split(rng, order["lines"], parts)):
        at = window.clip(at + rng.randint(HOUR_MS, (14 if n == 0 else 10) * DAY_MS))
        status = "Released"
        if n == parts - 1 and (r := rng.random()) < 0.1:
            status = "Balanced" if r < 0.05 else "Hold"
        lines: list[dict[str, Any]] = []
        for line, qty in zip(order["lines"], quantities, strict=True):
            if qty > 0:
                lines.append(
                    {
                        "lineNbr": len(lines) + 1,
                        "inventory": {"number": line["inventory"]["number"]},
                        "warehouse": {"id": line["warehouse"]["id"]},
                        "receiptQty": qty,
                        "unitCost": line["unitCost"],
                        "poOrderNbr": order["orderNbr"],
                        "poOrderLineNbr": line["lineNbr"],
                    }
                )
        if not lines:
            continue
        modified = window.later(rng, at, 2 * DAY_MS, HOUR_MS)
        receipt = {
            "receiptNbr": "",  # numbered once all receipts are known, in creation order
            "receiptType": "PoReceipt",
            "status": status,
            "hold": status == "Hold",
            "date": window.day(Window.day_index(at)),
            "supplier": dict(order["supplier"]),
            "totalQty": sum((line["receiptQty"] for line in lines), _ZERO),
            "lines": lines,
            "createdDateTime": window.stamp(at),
            "lastModifiedDateTime": window.stamp(modified),
        }
        receipts.append((at, modified, receipt))
    return receipts


def _order(
    rng: random.Random, window: Window, number: str, created: int, supplier: dict[str, Any]
) -> tuple[dict[str, Any], list[tuple[int, int, dict[str, Any]]], Invoiceable | None]:
    """One purchase order, its receipts, and what of it can be invoiced."""
    day = Window.day_index(created)
    lines = _order_lines(rng, supplier)
    order: dict[str, Any] = {
        "orderType": "RegularOrder",
        "orderNbr": number,
        "status": "Open",
        "hold": False,
        "date": window.day(day),
        "currency": supplier["currencyId"],
        "supplier": {"number": supplier["number"], "name": supplier["name"]},
        "orderTotal": sum((line["amount"] for line in lines), _ZERO),
        "lines": lines,
        "purchaseReceipts": [],
    }
    on_hold = rng.random() < 0.05  # awaiting approval: nothing received yet
    recent = DAYS - 1 - day <= 7
    receipts = (
        [] if on_hold or rng.random() < (0.6 if recent else 0.08) else _receipts(rng, window, order, created)
    )
    released = [(at, r) for at, _, r in receipts if r["status"] == "Released"]
    for _, receipt in released:
        for rline in receipt["lines"]:
            line = lines[rline["poOrderLineNbr"] - 1]
            line["qtyOnReceipts"] += rline["receiptQty"]
    for line in lines:
        line["completed"] = line["qtyOnReceipts"] == line["orderQty"]
    if on_hold:
        order["status"], order["hold"] = "Hold", True
    elif all(line["completed"] for line in lines):
        order["status"] = "Closed"
    # Receipts update their order, so the order changed no earlier than its last receipt did.
    touched = max([created, *(modified for _, modified, _ in receipts)])
    order["createdDateTime"] = window.stamp(created)
    order["lastModifiedDateTime"] = window.stamp(window.later(rng, touched, DAY_MS))
    invoiceable = None
    if released:
        open_lines = [line for line in lines if line["qtyOnReceipts"] > 0]
        invoiceable = Invoiceable(Window.day_index(released[-1][0]), order, supplier, open_lines)
    return order, receipts, invoiceable


def build_purchasing(
    rng: random.Random, window: Window, suppliers: list[dict[str, Any]], count: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[Invoiceable]]:
    """``count`` orders from active ``suppliers``, their receipts, and the orders ready to invoice.

    Orders and receipts each get their own number series (``000001``..) in creation order.
    """
    starts = sorted(window.office_time(rng, rng.randrange(DAYS)) for _ in range(count))
    orders: list[dict[str, Any]] = []
    stamped: list[tuple[int, int, dict[str, Any]]] = []
    per_order: list[list[dict[str, Any]]] = []
    invoiceable: list[Invoiceable] = []
    for n, created in enumerate(starts, start=1):
        order, its_receipts, ready = _order(rng, window, f"{n:06d}", created, rng.choice(suppliers))
        orders.append(order)
        stamped.extend(its_receipts)
        per_order.append([r for _, _, r in its_receipts])
        if ready is not None:
            invoiceable.append(ready)
    stamped.sort(key=lambda entry: entry[0])
    for n, (_, _, receipt) in enumerate(stamped, start=1):
        receipt["receiptNbr"] = f"{n:06d}"
    for order, group in zip(orders, per_order, strict=True):
        order["purchaseReceipts"] = [{"receiptNumber": r["receiptNbr"], "status": r["status"]} for r in group]
    return orders, [r for _, _, r in stamped], invoiceable
