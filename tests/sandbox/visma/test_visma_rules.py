"""Business rules of api/visma.md section 11: release Balanced -> Open, release on hold fails
with 200 + ``Failed``, payments lower balances and close invoices, credit notes reduce what is
owed, over-payment is refused, and released documents post journal transactions."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from visma_helpers import Visma, body, w


def _path(invoice: dict[str, Any]) -> str:
    return f"/v1/supplierInvoice/{invoice['documentType']}/{invoice['referenceNumber']}"


def test_release_balanced_to_open(visma: Visma) -> None:
    invoice = next(i for i in visma.state("supplierInvoice") if i["status"] == "Balanced")
    r = visma.call("POST", f"{_path(invoice)}/action/release")
    assert r.status_code == 200
    result = r.json()
    assert set(result) == {"actionId", "actionResult", "errorInfo"}
    assert result["actionResult"] == "Done" and result["errorInfo"] is None
    after = body(visma.get(_path(invoice)))
    assert after["status"] == "Open" and after["released"] is True
    assert after["balance"] == invoice["amount"]
    again = visma.call("POST", f"{_path(invoice)}/action/release").json()
    assert again["actionResult"] == "Failed" and "Open" in again["errorInfo"]


def test_release_on_hold_is_200_failed(visma: Visma) -> None:
    invoice = next(i for i in visma.state("supplierInvoice") if i["status"] == "Hold")
    r = visma.call("POST", f"{_path(invoice)}/action/release")
    assert r.status_code == 200
    assert r.json()["actionResult"] == "Failed"
    assert "hold" in r.json()["errorInfo"]
    assert body(visma.get(_path(invoice)))["status"] == "Hold"


def test_prebook_and_void(visma: Visma) -> None:
    invoice = next(i for i in visma.state("supplierInvoice") if i["status"] == "Balanced")
    assert visma.call("POST", f"{_path(invoice)}/action/prebook").json()["actionResult"] == "Done"
    assert body(visma.get(_path(invoice)))["status"] == "Prebooked"
    assert visma.call("POST", f"{_path(invoice)}/action/voidinvoice").json()["actionResult"] == "Done"
    assert body(visma.get(_path(invoice)))["status"] == "Voided"
    assert visma.call("POST", f"{_path(invoice)}/action/explode").status_code == 404


def _pay(visma: Visma, supplier: str, lines: list[tuple[str, str, Decimal]], **extra: Any) -> str:
    payload = {
        "type": w("Payment"),
        "supplier": w(supplier),
        "cashAccount": w("1930"),
        "paymentRef": w("AIRBASE-1"),
        "paymentLines": [
            {"operation": "Insert", "documentType": w(t), "refNbr": w(n), "amountPaid": w(a)}
            for t, n, a in lines
        ],
        **extra,
    }
    r = visma.call("POST", "/v1/supplierPayment", json=payload)
    assert r.status_code == 201, r.text
    return r.headers["Location"].rsplit("/", 1)[1]


def test_payment_release_lowers_balance_then_closes(visma: Visma) -> None:
    invoice = visma.open_invoice()
    supplier, ref, balance = invoice["supplier"]["number"], invoice["referenceNumber"], invoice["balance"]
    part = (balance / 3).quantize(Decimal("0.01"))
    first = _pay(visma, supplier, [("Invoice", ref, part)])
    release = visma.call("POST", f"/v1/supplierPayment/{first}/action/release", json={"type": w("Payment")})
    assert release.status_code == 200 and release.json()["actionResult"] == "Done"
    after = body(visma.get(_path(invoice)))
    assert after["balance"] == balance - part and after["status"] == "Open"
    payment = body(visma.get(f"/v1/supplierPayment/{first}"))
    assert payment["released"] is True and payment["status"] == "Closed"
    assert payment["paymentLines"][0]["balance"] == balance - part
    rest = _pay(visma, supplier, [("Invoice", ref, balance - part)])
    visma.call("POST", f"/v1/supplierPayment/{rest}/action/release", json={"type": w("Payment")})
    closed = body(visma.get(_path(invoice)))
    assert closed["balance"] == Decimal("0.00") and closed["status"] == "Closed"
    # A closed invoice takes no more payment lines.
    late = visma.call(
        "POST",
        "/v1/supplierPayment",
        json={
            "supplier": w(supplier),
            "paymentLines": [{"operation": "Insert", "refNbr": w(ref), "amountPaid": w(Decimal(1))}],
        },
    )
    assert late.status_code == 400 and "Closed" in late.json()["ExceptionMessage"]


def test_release_refuses_a_payment_that_became_an_over_payment(visma: Visma) -> None:
    invoice = visma.open_invoice()
    supplier, ref, balance = invoice["supplier"]["number"], invoice["referenceNumber"], invoice["balance"]
    one, two = (
        _pay(visma, supplier, [("Invoice", ref, balance)]),
        _pay(visma, supplier, [("Invoice", ref, balance)]),
    )
    assert visma.call("POST", f"/v1/supplierPayment/{one}/action/release").json()["actionResult"] == "Done"
    late = visma.call("POST", f"/v1/supplierPayment/{two}/action/release").json()
    assert late["actionResult"] == "Failed" and late["errorInfo"]
    assert body(visma.get(f"/v1/supplierPayment/{two}"))["released"] is False


def test_payment_on_hold_release_fails(visma: Visma) -> None:
    invoice = visma.open_invoice()
    number = _pay(
        visma,
        invoice["supplier"]["number"],
        [("Invoice", invoice["referenceNumber"], Decimal(1))],
        hold=w(True),
    )
    result = visma.call("POST", f"/v1/supplierPayment/{number}/action/release").json()
    assert result["actionResult"] == "Failed" and "hold" in result["errorInfo"]
    wrong_type = visma.call(
        "POST", f"/v1/supplierPayment/{number}/action/release", json={"type": w("Refund")}
    )
    assert wrong_type.status_code == 400


def test_credit_note_reduces_what_is_paid(visma: Visma) -> None:
    invoice = visma.open_invoice()
    supplier = invoice["supplier"]["number"]
    line = {
        "operation": "Insert",
        "quantity": w(1),
        "unitCostInCurrency": w(Decimal("100.00")),
        "accountNumber": w("6110"),
        "vatCodeId": w("MF"),
    }
    created = visma.call(
        "POST",
        "/v1/supplierInvoice",
        json={"documentType": w("CreditAdj"), "supplierNumber": w(supplier), "invoiceLines": [line]},
    )
    credit_path = created.headers["Location"].replace(visma.url, "")
    credit_nbr = credit_path.rsplit("/", 1)[1]
    assert visma.call("POST", f"{credit_path}/action/release").json()["actionResult"] == "Done"
    # Only a credit: the payment would be negative, which is refused.
    credit_only = {"operation": "Insert", "documentType": w("CreditAdj"), "refNbr": w(credit_nbr)}
    refused = visma.call(
        "POST", "/v1/supplierPayment", json={"supplier": w(supplier), "paymentLines": [credit_only]}
    )
    assert refused.status_code == 400 and "negative" in refused.json()["ExceptionMessage"]
    number = _pay(
        visma,
        supplier,
        [
            ("Invoice", invoice["referenceNumber"], Decimal("150.00")),
            ("CreditAdj", credit_nbr, Decimal("100.00")),
        ],
    )
    payment = body(visma.get(f"/v1/supplierPayment/{number}"))
    assert payment["paymentAmount"] == Decimal("50.00")  # 150 owed minus the 100 credit
    visma.call("POST", f"/v1/supplierPayment/{number}/action/release")
    assert body(visma.get(credit_path))["status"] == "Closed"
    assert body(visma.get(_path(invoice)))["balance"] == invoice["balance"] - Decimal("150.00")


def test_journal_transactions_of_releases(visma: Visma) -> None:
    invoice = visma.open_invoice()
    number = _pay(
        visma, invoice["supplier"]["number"], [("Invoice", invoice["referenceNumber"], invoice["balance"])]
    )
    visma.call("POST", f"/v1/supplierPayment/{number}/action/release")
    balanced = next(i for i in visma.state("supplierInvoice") if i["status"] == "Balanced")
    visma.call("POST", f"{_path(balanced)}/action/release")
    assert visma.get("/v2/journaltransaction").status_code == 400  # needs periodId or lastModifiedDateTime
    batches = body(visma.get("/v2/journaltransaction", params={"lastModifiedDateTime": "2000-01-01"}))
    assert len(batches) == 2
    pay = next(b for b in batches if b["journalTransactionLines"][0]["referenceNumber"] == number)
    debit, credit = pay["journalTransactionLines"]
    assert debit["accountNumber"] == "2440" and debit["debitAmountInCurrency"] == invoice["balance"]
    assert credit["accountNumber"] == "1930" and credit["creditAmountInCurrency"] == invoice["balance"]
    inv = next(b for b in batches if b is not pay)
    lines = inv["journalTransactionLines"]
    assert sum(ln["debitAmountInCurrency"] for ln in lines) == sum(
        ln["creditAmountInCurrency"] for ln in lines
    )
    assert lines[-1]["accountNumber"] == "2440" and lines[-1]["creditAmountInCurrency"] == balanced["amount"]
    period = inv["financialPeriod"]
    by_period = body(visma.get("/v2/journaltransaction", params={"periodId": period, "module": "AP"}))
    assert inv["batchNumber"] in {b["batchNumber"] for b in by_period}
    single = visma.get(f"/v2/journaltransaction/{inv['batchNumber']}")
    assert single.status_code == 200 and "ETag" in single.headers


def test_journal_page_size_counts_lines(visma: Visma) -> None:
    invoice = visma.open_invoice()
    for _ in range(3):  # three payments of 1.00: three batches of two lines
        number = _pay(
            visma, invoice["supplier"]["number"], [("Invoice", invoice["referenceNumber"], Decimal(1))]
        )
        visma.call("POST", f"/v1/supplierPayment/{number}/action/release")
    params = {"lastModifiedDateTime": "2000-01-01", "pageSize": 3}
    first = body(visma.get("/v2/journaltransaction", params={**params, "pageNumber": 1}))
    second = body(visma.get("/v2/journaltransaction", params={**params, "pageNumber": 2}))
    assert [len(b["journalTransactionLines"]) for b in first] == [2, 1]  # the second batch spans pages
    assert [len(b["journalTransactionLines"]) for b in second] == [1, 2]
    assert first[1]["batchNumber"] == second[0]["batchNumber"]
    assert first[0]["metadata"]["totalCount"] == 6
