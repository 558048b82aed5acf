"""The approver's and payer's part of the demo: actions in the Airbase sandbox, as a person would
take them in the Airbase UI."""

from __future__ import annotations

from decimal import Decimal

import requests

from visma_airbase_pipeline.sandbox.admin_client import SandboxAdmin


def _get(url: str, collection: str) -> list[dict]:
    with SandboxAdmin(url) as admin:
        return admin.state(collection)


def approve_and_pay(airbase_url: str, visma_url: str, bills: int = 6) -> list[str]:
    """Approve ``bills`` bills (some on hold in Visma) and pay them, one partially; returns what was done."""
    invoices = {f"{i['documentType']}/{i['referenceNumber']}": i for i in _get(visma_url, "supplierInvoice")}
    chosen: list[dict] = []
    for wanted in ("Hold", "Open"):
        for bill in _get(airbase_url, "bills"):
            invoice = invoices.get(bill["erp_reference_id"])
            if invoice and invoice["status"] == wanted and invoice["documentType"] == "Invoice":
                chosen.append(bill)
                if len(chosen) >= bills // 2 * (2 if wanted == "Open" else 1):
                    break
    done = []
    for n, bill in enumerate(chosen):
        airbase_id = bill["airbase_id"]
        requests.post(
            f"{airbase_url}/_sandbox/bills/{airbase_id}/approve", json={}, timeout=30
        ).raise_for_status()
        body = {"amount": f"{(Decimal(bill['total_amount']) / 2):.2f}"} if n == 0 else {}
        requests.post(
            f"{airbase_url}/_sandbox/bills/{airbase_id}/pay", json=body, timeout=30
        ).raise_for_status()
        paid = body.get("amount", bill["total_amount"])
        done.append(
            f"approved and paid {bill['erp_reference_id']}: {paid} {bill['erp_currency_reference_id']}"
        )
    return done


def payments_in_visma(visma_url: str) -> list[dict]:
    """Supplier payments that carry an Airbase payment id."""
    return [p for p in _get(visma_url, "supplierPayment") if p.get("paymentRef")]
