"""Bad input of every kind gets the documented status and error shape, never a 5xx or a
traceback: malformed JSON, wrong types in every write field, unknown ids, silly paging, bad
dates and conditions, odd keys and headers."""

from __future__ import annotations

import itertools
import random
from decimal import Decimal
from typing import Any

from visma_helpers import Visma, w

BAD_VALUES: list[Any] = [
    None, "", "x" * 5000, 0, -1, 10**30, Decimal("1E+999999"), Decimal("-0.001"), True, [], {}, [1, 2],
    {"value": None}, {"value": ""}, {"value": []}, {"value": {}}, {"value": {"value": 1}},
    {"value": "x" * 5000}, {"value": -5}, {"value": Decimal("1E+999999")}, {"value": Decimal("1E-999999")},
    {"value": True}, {"value": "2026-02-31"}, {"value": "\u0000\ud7ff"}, {"value": 10**30},
]  # fmt: skip

FIELDS = {
    "/v1/supplier": ["name", "status", "currencyId", "creditTermsId", "supplierClassId", "paymentMethodId",
                     "vatRegistrationId", "corporateId", "mainAddress", "mainContact", "number"],
    "/v1/supplierInvoice": ["documentType", "supplierNumber", "supplierReference", "date", "dueDate",
                            "currencyId", "hold", "invoiceLines", "referenceNumber", "description"],
    "/v1/supplierPayment": ["type", "supplier", "paymentMethod", "cashAccount", "currency", "applicationDate",
                            "paymentRef", "paymentAmount", "hold", "paymentLines"],
}  # fmt: skip
LINE_FIELDS = {
    "invoiceLines": ["operation", "lineNumber", "transactionDescription", "quantity", "unitCostInCurrency",
                     "costInCurrency", "accountNumber", "subaccount", "vatCodeId"],
    "paymentLines": ["operation", "lineNumber", "documentType", "refNbr", "amountPaid"],
}  # fmt: skip
FUZZ_KEYS = ["a", "name", "hold", "invoiceLines", "paymentLines", "segmentValues", "type"]


def _assert_clean(r: Any, what: Any) -> None:
    assert r.status_code < 500, (what, r.status_code, r.text[:300])
    if r.status_code >= 400:
        payload = r.json()
        assert "ExceptionMessage" in payload or "message" in payload, (what, payload)
        assert "Traceback" not in r.text


def _base(visma: Visma) -> dict[str, dict[str, Any]]:
    invoice = visma.open_invoice()
    supplier = invoice["supplier"]["number"]
    line = {"operation": "Insert", "accountNumber": w("6110"), "quantity": w(1), "unitCostInCurrency": w(10)}
    pay = {"operation": "Insert", "refNbr": w(invoice["referenceNumber"]), "amountPaid": w(Decimal(1))}
    return {
        "/v1/supplier": {"name": w("Fuzz AB")},
        "/v1/supplierInvoice": {"supplierNumber": w(supplier), "invoiceLines": [line]},
        "/v1/supplierPayment": {"supplier": w(supplier), "paymentLines": [pay]},
    }


def test_every_write_field_with_every_bad_value(visma: Visma) -> None:
    visma.config(same_request_limit=0, rate_limit=100_000)
    bases = _base(visma)
    targets = {"/v1/supplier": "/v1/supplier/70001", "/v1/supplierInvoice": None, "/v1/supplierPayment": None}
    balanced = next(i for i in visma.state("supplierInvoice") if i["status"] == "Balanced")
    targets["/v1/supplierInvoice"] = f"/v1/supplierInvoice/Invoice/{balanced['referenceNumber']}"
    created = visma.call("POST", "/v1/supplierPayment", json=bases["/v1/supplierPayment"])
    targets["/v1/supplierPayment"] = created.headers["Location"].replace(visma.url, "")
    for path, fields in FIELDS.items():
        for n, (field, value) in enumerate(itertools.product(fields, BAD_VALUES)):
            payload = {**bases[path], field: value}
            _assert_clean(visma.call("POST", path, json=payload), (path, field, value))
            if n % 3 == 0:  # updates share the create's validation: a third of the grid covers them
                put = visma.call("PUT", str(targets[path]), json={field: value})
                _assert_clean(put, (path, "PUT", field, value))
    for lines, fields in LINE_FIELDS.items():
        path = "/v1/supplierInvoice" if lines == "invoiceLines" else "/v1/supplierPayment"
        template = bases[path][lines][0]
        for field, value in itertools.product(fields, BAD_VALUES):
            payload = {**bases[path], lines: [{**template, field: value}]}
            _assert_clean(visma.call("POST", path, json=payload), (lines, field, value))


def test_random_bodies_everywhere(visma: Visma) -> None:
    visma.config(same_request_limit=0, rate_limit=100_000)
    rng = random.Random(1)
    writes = [
        ("POST", "/v1/supplier"), ("PUT", "/v1/supplier/70001"), ("POST", "/v1/supplierInvoice"),
        ("PUT", "/v1/supplierInvoice/Invoice/000002"), ("POST", "/v1/supplierPayment"),
        ("PUT", "/v1/dimension/SUBACCOUNT/1"), ("POST", "/v1/supplierInvoice/Invoice/000002/action/release"),
        ("POST", "/v1/supplierPayment/000001/action/release"),
    ]  # fmt: skip
    raws = [b"{", b"]", b"nul", b'{"a":', b"\xff", b'"text"', b"1", b"[{}]", b'{"segmentValues": 5}',
            b'{"segmentValues": [5]}', b'{"segmentValues": [{"operation": 1}]}', b'{"type": 3}']  # fmt: skip
    for method, path in writes:
        for raw in raws:
            r = visma.session.request(
                method, visma.url + path, data=raw, headers={"Content-Type": "application/json"}
            )
            _assert_clean(r, (method, path, raw))
        for _ in range(25):
            payload = {rng.choice(FUZZ_KEYS): rng.choice(BAD_VALUES) for _ in range(3)}
            _assert_clean(visma.call(method, path, json=payload), (method, path, payload))


def test_bad_queries_keys_and_headers(visma: Visma) -> None:
    visma.config(same_request_limit=0, rate_limit=100_000)
    lists = ["/v1/supplier", "/v1/supplierInvoice", "/v1/supplierdocument", "/v1/purchaseorder",
             "/v2/PurchaseReceipt", "/v1/account", "/v1/subaccount", "/v1/dimension", "/v1/supplierPayment",
             "/v2/journaltransaction"]  # fmt: skip
    values = ["", " ", "-1", "0", "9" * 40, "1e9", "abc", "2026-02-30", "2026-01-01T25:00:00", "0000-01-01",
              "9999-12-31T23:59:59.9999999", ">", "%3E", "\u00e9", "true", "null", "1.5"]  # fmt: skip
    params = ["pageNumber", "pageSize", "lastModifiedDateTime", "lastModifiedDateTimeCondition",
              "createdDateTime", "docDate", "dueDateCondition", "status", "released", "active", "periodId",
              "expandSegmentsValues", "orderDate", "orderDateCondition", "supplier", "invoiceRefNbr",
              "module"]  # fmt: skip
    rng = random.Random(3)
    for path, param in itertools.product(lists, params):
        for value in rng.sample(values, 6):
            query = {"pageSize": "5", param: value}  # small pages: the sweep is about errors, not volume
            _assert_clean(visma.get(path, params=query), (path, param, value))
    for key in ["%00", "b64()", "b64(////)", "b64(_w)", "x" * 3000, "%F0%9F%92%A9", "..", "Invoice%2F1"]:
        for template in ["/v1/supplier/{}", "/v1/supplierInvoice/{}", "/v1/supplierInvoice/Invoice/{}",
                         "/v1/dimension/{}/1", "/v1/dimension/SUBACCOUNT/{}", "/v1/supplierPayment/{}",
                         "/v1/background/{}", "/v2/journaltransaction/{}"]:  # fmt: skip
            _assert_clean(visma.get(template.format(key)), (template, key))
    for header, value in [("If-Match", '"'), ("If-Match", "W/"), ("If-Match", ","), ("ipp-company-id", ""),
                          ("Authorization", "Bearer " + "x" * 5000), ("erp-api-background", "")]:  # fmt: skip
        r = visma.call("PUT", "/v1/supplier/70001", json={"name": w("H")}, headers={header: value})
        _assert_clean(r, (header, value))
