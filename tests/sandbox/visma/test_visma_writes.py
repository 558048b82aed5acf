"""Write DTOs of api/visma.md sections 4-5: wrapped values, strict validation naming the field,
omitted = unchanged / null = clear, line operations, server-side totals, creates and numbering."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from visma_helpers import Visma, body, w

LINE = {
    "operation": "Insert",
    "transactionDescription": w("Paper"),
    "quantity": w(10),
    "unitCostInCurrency": w(Decimal("100.00")),
    "accountNumber": w("6110"),
    "subaccount": [{"segmentId": 1, "segmentValue": "200"}],
    "vatCodeId": w("MP1"),
}


def invoice_body(supplier: str = "70001", **changes: Any) -> dict[str, Any]:
    payload = {
        "documentType": w("Invoice"),
        "supplierNumber": w(supplier),
        "supplierReference": w("F-2026-0441"),
        "date": w("2026-03-10"),
        "dueDate": w("2026-04-09"),
        "currencyId": w("SEK"),
        "hold": w(False),
        "invoiceLines": [dict(LINE)],
    }
    payload.update(changes)
    return payload


def active_supplier(visma: Visma, currency: str = "SEK") -> str:
    return next(
        s["number"]
        for s in visma.state("supplier")
        if s["status"] == "Active" and s["currencyId"] == currency
    )


def test_create_supplier(visma: Visma) -> None:
    before = max(int(s["number"]) for s in visma.state("supplier"))
    r = visma.call(
        "POST",
        "/v1/supplier",
        json={
            "name": w("Nordisk Kontor AS"),
            "supplierClassId": w("EU"),
            "currencyId": w("EUR"),
            "creditTermsId": w("10D"),
            "vatRegistrationId": w("NO987654321MVA"),
            "mainAddress": w({"city": w("Oslo"), "countryId": w("NO")}),
        },
    )
    assert r.status_code == 201, r.text
    assert r.content == b""
    number = r.headers["Location"].rsplit("/", 1)[1]
    assert number == str(before + 1)
    assert r.headers["Location"] == f"{visma.url}/v1/supplier/{number}"
    got = visma.get(f"/v1/supplier/{number}")
    supplier = body(got)
    assert got.headers["ETag"] == r.headers["ETag"]
    assert supplier["name"] == "Nordisk Kontor AS"
    assert supplier["supplierClass"]["id"] == "EU"
    assert supplier["creditTerms"]["id"] == "10D"
    assert supplier["currencyId"] == "EUR"
    assert supplier["mainAddress"]["country"]["id"] == "NO"
    assert supplier["status"] == "Active"
    assert supplier["createdDateTime"] and supplier["lastModifiedDateTime"]


def test_supplier_update_omitted_unchanged_null_clears(visma: Visma) -> None:
    before = body(visma.get("/v1/supplier/70001"))
    assert before["vatRegistrationId"] is not None or before["corporateId"] is not None
    r = visma.call("PUT", "/v1/supplier/70001", json={"vatRegistrationId": w(None), "name": w("Renamed AB")})
    assert r.status_code == 204
    after = body(visma.get("/v1/supplier/70001"))
    assert after["vatRegistrationId"] is None
    assert after["name"] == "Renamed AB"
    assert after["corporateId"] == before["corporateId"]  # omitted = unchanged
    assert after["mainAddress"] == before["mainAddress"]
    assert after["lastModifiedDateTime"] > before["lastModifiedDateTime"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "Bare AB"}, "name"),  # not wrapped
        ({"name": w(42)}, "name"),  # wrong type
        ({}, "name"),  # required on create
        ({"name": w(None)}, "name"),
        ({"name": w("X"), "status": w("Sleeping")}, "status"),
        ({"name": w("X"), "creditTermsId": w("7D")}, "creditTermsId"),
        ({"name": w("X"), "supplierClassId": w("MARS")}, "supplierClassId"),
        ({"name": w("X"), "currencyId": w("kronor")}, "currencyId"),
        ({"name": w("X"), "mainAddress": {"city": "Oslo"}}, "mainAddress"),
        ({"name": w("X"), "mainAddress": w({"countryId": w("Norway")})}, "mainAddress.countryId"),
    ],
)
def test_supplier_validation(visma: Visma, payload: dict[str, Any], field: str) -> None:
    r = visma.call("POST", "/v1/supplier", json=payload)
    assert r.status_code == 400, r.text
    error = r.json()
    assert error["ExceptionType"] == "IPPException"
    assert f"'{field}'" in error["ExceptionMessage"]


def test_create_invoice_totals_location_and_numbering(visma: Visma) -> None:
    last = max(int(i["referenceNumber"]) for i in visma.state("supplierInvoice"))
    supplier = active_supplier(visma)
    r = visma.call("POST", "/v1/supplierInvoice", json=invoice_body(supplier))
    assert r.status_code == 201, r.text
    assert r.content == b""
    number = f"{last + 1:06d}"
    assert r.headers["Location"] == f"{visma.url}/v1/supplierInvoice/Invoice/{number}"
    assert r.headers["ETag"].startswith('"') and r.headers["ETag"].endswith('"')
    invoice = body(visma.get(f"/v1/supplierInvoice/Invoice/{number}"))
    assert invoice["amount"] == Decimal("1250.00")  # 10 x 100.00 + 25 % VAT
    assert invoice["vatTotal"] == Decimal("250.00")
    assert invoice["balance"] == Decimal("1250.00")
    assert invoice["status"] == "Balanced" and invoice["released"] is False and invoice["hold"] is False
    line = invoice["invoiceLines"][0]
    assert line["lineNumber"] == 1 and line["cost"] == Decimal("1000.00")
    assert line["account"]["number"] == "6110"
    assert line["subaccount"] == {
        "subaccountNumber": "200",
        "segments": [{"segmentId": 1, "segmentValue": "200"}],
    }
    assert line["vatCode"] == {"id": "MP1"}
    assert invoice["supplier"]["number"] == supplier
    assert invoice["date"] == "2026-03-10T00:00:00"
    # One series across AP document types: the next credit note takes the next number.
    credit = visma.call(
        "POST", "/v1/supplierInvoice", json=invoice_body(supplier, documentType=w("CreditAdj"))
    )
    assert credit.headers["Location"].endswith(f"/v1/supplierInvoice/CreditAdj/{last + 2:06d}")


def test_invoice_created_on_hold(visma: Visma) -> None:
    r = visma.call("POST", "/v1/supplierInvoice", json=invoice_body(active_supplier(visma), hold=w(True)))
    invoice = body(visma.get(r.headers["Location"].replace(visma.url, "")))
    assert invoice["status"] == "Hold" and invoice["hold"] is True


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"supplierNumber": w("99999")}, "supplierNumber"),  # unknown supplier
        ({"supplierNumber": "70001"}, "supplierNumber"),  # not wrapped
        ({"supplierNumber": w(70001)}, "supplierNumber"),  # wrong type
        ({"supplierNumber": w(None)}, "supplierNumber"),  # required
        ({"documentType": w("Receipt")}, "documentType"),
        ({"date": w("10/03/2026")}, "date"),
        ({"date": w("2026-02-30")}, "date"),
        ({"hold": w("no")}, "hold"),
        ({"invoiceLines": {"operation": "Insert"}}, "invoiceLines"),
        ({"invoiceLines": [{**LINE, "accountNumber": w("9999")}]}, "invoiceLines[0].accountNumber"),
        (
            {"invoiceLines": [{**LINE, "accountNumber": w("5220")}]},
            "invoiceLines[0].accountNumber",
        ),  # inactive
        ({"invoiceLines": [{k: v for k, v in LINE.items() if k != "accountNumber"}]}, "accountNumber"),
        ({"invoiceLines": [{**LINE, "vatCodeId": w("XX")}]}, "invoiceLines[0].vatCodeId"),
        (
            {"invoiceLines": [{**LINE, "subaccount": [{"segmentId": 1, "segmentValue": "999"}]}]},
            "invoiceLines[0].subaccount",
        ),
        ({"invoiceLines": [{**LINE, "subaccount": w("200")}]}, "invoiceLines[0].subaccount"),
        ({"invoiceLines": [{**LINE, "quantity": w("10")}]}, "invoiceLines[0].quantity"),
        ({"invoiceLines": [{**LINE, "quantity": 10}]}, "invoiceLines[0].quantity"),
        ({"invoiceLines": [{**LINE, "operation": "Upsert"}]}, "invoiceLines[0].operation"),
        ({"invoiceLines": [{**LINE, "operation": "Update"}]}, "invoiceLines[0].lineNumber"),
    ],
)
def test_invoice_validation(visma: Visma, change: dict[str, Any], field: str) -> None:
    before = len(visma.state("supplierInvoice"))
    payload = invoice_body(active_supplier(visma), **change)
    if field == "accountNumber":
        field = "invoiceLines[0].accountNumber"
    r = visma.call("POST", "/v1/supplierInvoice", json=payload)
    assert r.status_code == 400, r.text
    assert r.json()["ExceptionType"] == "IPPException"
    assert f"'{field}'" in r.json()["ExceptionMessage"], r.json()["ExceptionMessage"]
    assert len(visma.state("supplierInvoice")) == before  # nothing half-created


def test_invoice_line_operations_recompute_amounts(visma: Visma) -> None:
    r = visma.call("POST", "/v1/supplierInvoice", json=invoice_body(active_supplier(visma)))
    path = r.headers["Location"].replace(visma.url, "")
    update = {
        "invoiceLines": [
            {"operation": "Update", "lineNumber": w(1), "quantity": w(2)},
            {**LINE, "vatCodeId": w("MP2"), "unitCostInCurrency": w(Decimal("50.00")), "quantity": w(1)},
        ]
    }
    assert visma.call("PUT", path, json=update).status_code == 204
    invoice = body(visma.get(path))
    assert [ln["lineNumber"] for ln in invoice["invoiceLines"]] == [1, 2]
    assert invoice["invoiceLines"][0]["cost"] == Decimal("200.00")
    assert invoice["vatTotal"] == Decimal("56.00")  # 200 x 25 % + 50 x 12 %
    assert invoice["amount"] == Decimal("306.00")
    assert invoice["supplierReference"] == "F-2026-0441"  # omitted = unchanged
    delete = {"invoiceLines": [{"operation": "Delete", "lineNumber": 1}]}
    assert visma.call("PUT", path, json=delete).status_code == 204
    invoice = body(visma.get(path))
    assert [ln["lineNumber"] for ln in invoice["invoiceLines"]] == [2]
    assert invoice["amount"] == Decimal("56.00")
    missing = visma.call("PUT", path, json={"invoiceLines": [{"operation": "Delete", "lineNumber": 7}]})
    assert missing.status_code == 400 and "lineNumber" in missing.json()["ExceptionMessage"]
    cleared = visma.call("PUT", path, json={"supplierReference": w(None)})
    assert cleared.status_code == 204 and body(visma.get(path))["supplierReference"] is None


def test_released_invoice_keeps_its_amounts(visma: Visma) -> None:
    invoice = visma.open_invoice()
    path = f"/v1/supplierInvoice/Invoice/{invoice['referenceNumber']}"
    r = visma.call("PUT", path, json={"invoiceLines": [{"operation": "Delete", "lineNumber": 1}]})
    assert r.status_code == 400 and "released" in r.json()["ExceptionMessage"]
    assert (
        visma.call("PUT", path, json={"description": w("Checked"), "unknownField": w(1)}).status_code == 204
    )
    assert visma.call("PUT", path, json={"hold": w(True)}).status_code == 400


def test_hold_toggles_status(visma: Visma) -> None:
    held = next(i for i in visma.state("supplierInvoice") if i["status"] == "Hold")
    path = f"/v1/supplierInvoice/{held['documentType']}/{held['referenceNumber']}"
    assert visma.call("PUT", path, json={"hold": w(False)}).status_code == 204
    assert body(visma.get(path))["status"] == "Balanced"
    assert visma.call("PUT", path, json={"hold": w(True)}).status_code == 204
    assert body(visma.get(path))["status"] == "Hold"


def test_malformed_json_is_400_ipp(visma: Visma) -> None:
    for raw in (b"{", b"[]", b"null", b"", b"\xff\xfe"):
        r = visma.session.post(
            f"{visma.url}/v1/supplier", data=raw, headers={"Content-Type": "application/json"}, timeout=5
        )
        assert r.status_code == 400, raw
        assert r.json()["ExceptionType"] == "IPPException"
