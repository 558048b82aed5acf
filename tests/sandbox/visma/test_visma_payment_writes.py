"""Supplier payment write DTOs (api/visma.md sections 4-5): creates with ``paymentLines``, numbers,
and the 400s for over-payment and for lines on unknown, foreign or unreleased documents."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from visma_helpers import Visma, body, w


def _payment(supplier: str, ref: str, amount: Decimal, **changes: Any) -> dict[str, Any]:
    payload = {
        "type": w("Payment"),
        "supplier": w(supplier),
        "paymentMethod": w("BG"),
        "cashAccount": w("1930"),
        "applicationDate": w("2026-04-09"),
        "paymentRef": w("AIRBASE-8812"),
        "paymentLines": [
            {"operation": "Insert", "documentType": w("Invoice"), "refNbr": w(ref), "amountPaid": w(amount)}
        ],
    }
    payload.update(changes)
    return payload


def test_create_payment(visma: Visma) -> None:
    invoice = visma.open_invoice()
    supplier, ref, amount = invoice["supplier"]["number"], invoice["referenceNumber"], invoice["balance"]
    r = visma.call("POST", "/v1/supplierPayment", json=_payment(supplier, ref, amount))
    assert r.status_code == 201, r.text
    assert r.headers["Location"] == f"{visma.url}/v1/supplierPayment/000001"
    payment = body(visma.get("/v1/supplierPayment/000001"))
    assert payment["paymentAmount"] == amount and payment["status"] == "Balanced" and not payment["released"]
    assert payment["cashAccount"] == "1930"
    assert payment["paymentLines"][0]["invoiceRefNbr"] == ref
    assert payment["paymentLines"][0]["docType"] == "Invoice"
    assert body(visma.get("/v1/supplierPayment/Payment/000001"))["refNbr"] == "000001"
    second = visma.call("POST", "/v1/supplierPayment", json=_payment(supplier, ref, Decimal("1.00")))
    assert second.headers["Location"].endswith("/000002")


def test_payment_validation(visma: Visma) -> None:
    invoice = visma.open_invoice()
    supplier, ref, balance = invoice["supplier"]["number"], invoice["referenceNumber"], invoice["balance"]
    unreleased = next(
        i
        for i in visma.state("supplierInvoice")
        if i["status"] == "Balanced" and i["documentType"] == "Invoice"
    )
    other = next(
        s["number"] for s in visma.state("supplier") if s["number"] != supplier and s["status"] == "Active"
    )
    cases = [
        (_payment(supplier, ref, balance + Decimal("0.01")), "paymentLines[0].amountPaid", "Over-payment"),
        (_payment(supplier, "999999", balance), "paymentLines[0].refNbr", "does not exist"),
        (
            _payment(unreleased["supplier"]["number"], unreleased["referenceNumber"], Decimal(1)),
            "paymentLines[0].refNbr",
            "cannot be paid",
        ),
        (_payment(other, ref, balance), "paymentLines[0].refNbr", "another supplier"),
        (_payment(supplier, ref, balance, paymentAmount=w(balance - 1)), "paymentAmount", "Over-payment"),
        (_payment("99999", ref, balance), "supplier", "does not exist"),
        (_payment(supplier, ref, balance, cashAccount=w("0000")), "cashAccount", "does not exist"),
        (_payment(supplier, ref, balance, type=w("Gift")), "type", "not one of"),
        (_payment(supplier, ref, balance, paymentAmount=w("100")), "paymentAmount", "number"),
    ]
    for payload, field, words in cases:
        r = visma.call("POST", "/v1/supplierPayment", json=payload)
        assert r.status_code == 400, (field, r.text)
        message = r.json()["ExceptionMessage"]
        assert f"'{field}'" in message and words in message, message
    assert visma.state("supplierPayment") == []
