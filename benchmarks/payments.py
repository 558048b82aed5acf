"""Item 4: approved and paid bills posted back to Visma (one released SupplierPayment each), timed
as one run of the ``payments`` job."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import requests

from benchmarks.measure import Home, connector_env, run_measured, sync_command
from benchmarks.sandboxes import Sandboxes, get


def approve_and_pay(sandboxes: Sandboxes, count: int) -> int:
    """An approver approves and a payer pays ``count`` bills in Airbase (admin actions, not counted);
    invoices that are open in Visma first, then ones on hold (approval takes them off hold)."""
    invoices = {
        f"{i['documentType']}/{i['referenceNumber']}": i
        for i in get(sandboxes.visma_url, "state/supplierInvoice", timeout=900)
    }
    bills = get(sandboxes.airbase_url, "state/bills", timeout=900)
    chosen: list[dict[str, Any]] = []
    for wanted in ("Open", "Hold"):
        for bill in bills:
            invoice = invoices.get(bill["erp_reference_id"])
            if (
                invoice
                and invoice["status"] == wanted
                and invoice["documentType"] == "Invoice"
                and bill.get("approval_status") == "pending_approval"
                and Decimal(invoice["amount"]) == Decimal(invoice["balance"]) > 0
            ):
                chosen.append(bill)
                if len(chosen) == count:
                    break
        if len(chosen) == count:
            break
    with requests.Session() as session:
        for bill in chosen:
            for action in ("approve", "pay"):
                url = f"{sandboxes.airbase_url}/_sandbox/bills/{bill['airbase_id']}/{action}"
                session.post(url, json={}, timeout=30).raise_for_status()
    return len(chosen)


def payments(sandboxes: Sandboxes, home: Home, count: int, timeout_s: float) -> dict[str, Any]:
    """Pay ``count`` bills, run the payment queue once, and count what reached Visma."""
    before = sum(1 for p in get(sandboxes.visma_url, "state/supplierPayment") if p.get("paymentRef"))
    paid = approve_and_pay(sandboxes, count)
    run = run_measured(sync_command("--payments"), connector_env(sandboxes, home), sandboxes, timeout_s)
    posted = [p for p in get(sandboxes.visma_url, "state/supplierPayment") if p.get("paymentRef")]
    released = sum(1 for p in posted if p.get("released"))
    calls = run.visma.total + run.airbase.total
    done = max(1, len(posted) - before)
    return {
        "ok": run.ok and len(posted) - before == paid,
        "paid_in_airbase": paid,
        "posted_to_visma": len(posted) - before,
        "released": released,
        "wall_s": run.wall_s,
        "payments_per_s": round(done / run.wall_s, 1) if run.wall_s else None,
        "peak_rss_mb": run.peak_rss_mb,
        "visma_calls": run.visma.as_dict(),
        "airbase_calls": run.airbase.as_dict(),
        "calls_per_payment": round(calls / done, 2),
        "visma_calls_per_payment": round(run.visma.total / done, 2),
        "airbase_calls_per_payment": round(run.airbase.total / done, 2),
        "status_429": run.visma.throttled + run.airbase.throttled,
        **({} if run.ok else {"error_tail": run.tail}),
    }
