"""Lists of api/visma.md section 6: paging with a silent cap, ``metadata`` on every item, stable
order (and a shuffle fault that breaks it), documented filters, delta conditions, date formats,
ignored unknown parameters and strict mode."""

from __future__ import annotations

from typing import Any

import pytest
from visma_helpers import Visma, body, w


def _keys(items: list[dict[str, Any]]) -> list[str]:
    return [i["referenceNumber"] for i in items]


def test_default_page_size_and_metadata(visma: Visma) -> None:
    items = body(visma.get("/v1/supplierInvoice"))
    assert len(items) == 100  # no pageSize: the default
    assert all(i["metadata"] == {"totalCount": 300, "maxPageSize": 500} for i in items)


def test_pages_cover_every_record_exactly_once_in_a_stable_order(visma: Visma) -> None:
    whole = _keys(body(visma.get("/v1/supplierInvoice", params={"pageSize": 500})))
    paged = _keys(visma.pull("/v1/supplierInvoice", page_size=70))
    assert len(paged) == 300 and len(set(paged)) == 300
    assert paged == whole
    assert _keys(body(visma.get("/v1/supplierInvoice", params={"pageSize": 500}))) == whole
    past_end = visma.get("/v1/supplierInvoice", params={"pageNumber": 9, "pageSize": 70})
    assert past_end.status_code == 200 and body(past_end) == []


def test_page_size_is_capped_silently(visma: Visma) -> None:
    visma.config(max_page_size=40)
    r = visma.get("/v1/supplierInvoice", params={"pageSize": 100, "pageNumber": 1})
    items = body(r)
    assert r.status_code == 200 and len(items) == 40
    assert items[0]["metadata"] == {"totalCount": 300, "maxPageSize": 40}
    assert len(visma.pull("/v1/supplierInvoice", page_size=100)) == 300  # the totalCount stop rule


def test_shuffle_fault_reorders_between_pages(visma: Visma) -> None:
    params = {"pageSize": 300, "pageNumber": 1}
    calm = [_keys(body(visma.get("/v1/supplierInvoice", params=params))) for _ in range(2)]
    assert calm[0] == calm[1]
    rule = {"rules": [{"method": "GET", "path": "^/v1/supplierInvoice$", "shuffle": True}]}
    assert visma.admin("POST", "faults", rule).status_code == 200
    shaken = [_keys(body(visma.get("/v1/supplierInvoice", params={**params, "x": n}))) for n in range(2)]
    assert shaken[0] != shaken[1] and shaken[0] != calm[0]
    assert sorted(shaken[0]) == sorted(calm[0])  # same records, other order
    # Paging through a shuffling list can skip and repeat, as the contract warns.
    paged = _keys(visma.pull("/v1/supplierInvoice", page_size=100))
    assert len(paged) == 300 and len(set(paged)) < 300


@pytest.mark.parametrize(
    ("params", "check"),
    [
        ({"status": "Hold"}, lambda i: i["status"] == "Hold"),
        ({"status": "open"}, lambda i: i["status"] == "Open"),  # values are case-insensitive
        ({"documentType": "CreditAdj"}, lambda i: i["documentType"] == "CreditAdj"),
        ({"released": "false"}, lambda i: i["released"] is False),
        ({"supplier": "70010"}, lambda i: i["supplier"]["number"] == "70010"),
        ({"docDate": "2026-10-01", "docDateCondition": ">="}, lambda i: i["date"] >= "2026-10-01"),
        ({"dueDate": "2026-11-01", "dueDateCondition": "<"}, lambda i: i["dueDate"] < "2026-11-01"),
    ],
)
def test_invoice_filters(visma: Visma, params: dict[str, str], check: Any) -> None:
    everything = visma.state("supplierInvoice")
    expected = {i["referenceNumber"] for i in everything if check(i)}
    got = visma.pull("/v1/supplierInvoice", **params)
    assert {i["referenceNumber"] for i in got} == expected
    assert all(i["metadata"]["totalCount"] == len(expected) for i in got)


def test_other_resource_filters(visma: Visma) -> None:
    suppliers = visma.state("supplier")
    one = suppliers[3]
    for param in ("name", "vatRegistrationId", "corporateId"):
        if one[param]:
            found = visma.pull("/v1/supplier", **{param: one[param]})
            assert [s["number"] for s in found] == [one["number"]], param
    inactive = {s["number"] for s in suppliers if s["status"] == "Inactive"}
    assert {s["number"] for s in visma.pull("/v1/supplier", status="Inactive")} == inactive
    orders = visma.state("purchaseorder")
    closed = {o["orderNbr"] for o in orders if o["status"] == "Closed"}
    assert {o["orderNbr"] for o in visma.pull("/v1/purchaseorder", orderStatus="Closed")} == closed
    order = orders[0]["orderNbr"]
    receipts = {r["receiptNbr"] for r in visma.state("PurchaseReceipt") if any(
        ln["poOrderNbr"] == order for ln in r["lines"])}  # fmt: skip
    assert {r["receiptNbr"] for r in visma.pull("/v2/PurchaseReceipt", poOrderNbr=order)} == receipts
    inactive_subs = {s["subaccountNumber"] for s in visma.state("subaccount") if not s["active"]}
    assert {s["subaccountNumber"] for s in visma.pull("/v1/subaccount", active="false")} == inactive_subs


def test_purchase_receipt_v1_and_v2_serve_one_dto(visma: Visma) -> None:
    v1 = body(visma.get("/v1/PurchaseReceipt", params={"pageSize": 500}))
    v2 = body(visma.get("/v2/PurchaseReceipt", params={"pageSize": 500}))
    assert v1 == v2 and len(v1) == len(visma.state("PurchaseReceipt"))
    assert body(visma.get(f"/v1/PurchaseReceipt/{v1[0]['receiptNbr']}"))["receiptNbr"] == v1[0]["receiptNbr"]


def test_accounts_are_not_paginated(visma: Visma) -> None:
    accounts = body(visma.get("/v1/account", params={"pageSize": 5, "pageNumber": 3}))
    assert len(accounts) == len(visma.state("account")) > 5
    assert "metadata" not in accounts[0]
    active = body(visma.get("/v1/account", params={"active": "false"}))
    assert {a["accountCD"] for a in active} == {"5220", "6211"}
    assert body(visma.get("/v1/account/2440"))["description"] == "Leverantörsskulder"


@pytest.mark.parametrize("operator", [">", "<", ">=", "<="])
def test_delta_conditions(visma: Visma, operator: str) -> None:
    stamps = sorted(i["lastModifiedDateTime"] for i in visma.state("supplierInvoice"))
    pivot = stamps[len(stamps) // 2]
    compare = {">": str.__gt__, "<": str.__lt__, ">=": str.__ge__, "<=": str.__le__}[operator]
    expected = {s for s in stamps if compare(s, pivot)}
    got = visma.pull(
        "/v1/supplierInvoice", lastModifiedDateTime=pivot, lastModifiedDateTimeCondition=operator
    )
    assert {i["lastModifiedDateTime"] for i in got} == expected
    assert (pivot in expected) == ("=" in operator)  # the boundary decides >= versus >


def test_delta_sees_changes_and_created_date_time(visma: Visma) -> None:
    newest = max(i["lastModifiedDateTime"] for i in visma.state("supplierInvoice"))
    delta = {"lastModifiedDateTime": newest, "lastModifiedDateTimeCondition": ">"}
    assert visma.pull("/v1/supplierInvoice", **delta) == []
    invoice = next(i for i in visma.state("supplierInvoice") if i["status"] == "Balanced")
    visma.call(
        "PUT", f"/v1/supplierInvoice/Invoice/{invoice['referenceNumber']}", json={"description": w("x")}
    )
    assert _keys(visma.pull("/v1/supplierInvoice", **delta)) == [invoice["referenceNumber"]]
    created = {"createdDateTime": newest[:10], "createdDateTimeCondition": ">="}
    expected = {
        i["referenceNumber"] for i in visma.state("supplierInvoice") if i["createdDateTime"] >= newest[:10]
    }
    assert set(_keys(visma.pull("/v1/supplierInvoice", **created))) == expected


@pytest.mark.parametrize("fmt", ["{d}", "{d} {t}", "{d}T{t}", "{d}T{t}.5", "{d} {t}.123"])
def test_accepted_date_formats(visma: Visma, fmt: str) -> None:
    value = fmt.format(d="2026-10-01", t="12:00:00")
    r = visma.get(
        "/v1/supplierInvoice", params={"lastModifiedDateTime": value, "lastModifiedDateTimeCondition": ">"}
    )
    assert r.status_code == 200, r.text


@pytest.mark.parametrize(
    "params",
    [
        {"pageNumber": "0"},
        {"pageNumber": "-1"},
        {"pageNumber": "abc"},
        {"pageNumber": "1.5"},
        {"pageSize": "0"},
        {"pageSize": "many"},
        {"lastModifiedDateTime": "2026-01-01"},  # value without condition
        {"lastModifiedDateTimeCondition": ">"},  # condition without value
        {"lastModifiedDateTime": "2026-01-01", "lastModifiedDateTimeCondition": "="},
        {"lastModifiedDateTime": "2026-01-01", "lastModifiedDateTimeCondition": "gt"},
        {"lastModifiedDateTime": "2026-01-01T00:00:00Z", "lastModifiedDateTimeCondition": ">"},  # no Z
        {"lastModifiedDateTime": "01/02/2026", "lastModifiedDateTimeCondition": ">"},
        {"lastModifiedDateTime": "2026-13-01", "lastModifiedDateTimeCondition": ">"},
        {"createdDateTime": "yesterday", "createdDateTimeCondition": ">"},
        {"docDate": "2026-01-01"},
        {"released": "maybe"},
        {"status": "Lost"},
        {"documentType": "Bill"},
    ],
)
def test_bad_list_parameters_are_400_ipp(visma: Visma, params: dict[str, str]) -> None:
    r = visma.get("/v1/supplierInvoice", params=params)
    assert r.status_code == 400, (params, r.text)
    assert r.json()["ExceptionType"] == "IPPException"


def test_unknown_parameters_ignored_unless_strict(visma: Visma) -> None:
    typo = {"lastModifiedDate": "2099-01-01", "lastModifiedDateCondition": ">", "pageSize": 500}
    r = visma.get("/v1/supplierInvoice", params=typo)
    assert r.status_code == 200 and len(body(r)) == 300  # the typo turns a delta into a full pull
    assert visma.config(strict_params=True)["strict_params"] is True
    strict = visma.get("/v1/supplierInvoice", params=typo)
    assert strict.status_code == 400 and "lastModifiedDate" in strict.json()["ExceptionMessage"]
    assert visma.get("/v1/supplierInvoice", params={"status": "Open", "pageSize": 5}).status_code == 200


def test_supplier_document_lists_every_ap_document(visma: Visma) -> None:
    invoice = visma.open_invoice()
    payload = {
        "supplier": w(invoice["supplier"]["number"]),
        "paymentLines": [{"operation": "Insert", "refNbr": w(invoice["referenceNumber"])}],
    }
    assert visma.call("POST", "/v1/supplierPayment", json=payload).status_code == 201
    docs = visma.pull("/v1/supplierdocument")
    assert len(docs) == 301
    payment = next(d for d in docs if d["documentType"] == "Payment")
    assert payment["amount"] == invoice["balance"] and payment["referenceNumber"] == "000001"
    credits = visma.pull("/v1/supplierdocument", documentType="CreditAdj")
    assert {d["referenceNumber"] for d in credits} == {
        i["referenceNumber"] for i in visma.state("supplierInvoice") if i["documentType"] == "CreditAdj"
    }
    assert visma.call("POST", "/v1/supplierdocument", json={}).status_code == 405
    by_invoice = visma.pull("/v1/supplierPayment", invoiceRefNbr=invoice["referenceNumber"])
    assert [p["refNbr"] for p in by_invoice] == ["000001"]


def test_dimension_reads(visma: Visma) -> None:
    plain = body(visma.get("/v1/dimension"))
    assert plain[0]["dimensionId"] == "SUBACCOUNT"
    assert "segmentValues" not in plain[0]["segments"][0]
    expanded = body(visma.get("/v1/dimension", params={"expandSegmentsValues": "true"}))
    values = expanded[0]["segments"][0]["segmentValues"]
    assert {v["valueId"] for v in values} >= {"100", "200", "900"}
    one = visma.get("/v1/dimension/SUBACCOUNT")
    assert one.status_code == 200 and "ETag" in one.headers
    segment = body(visma.get("/v1/dimension/SUBACCOUNT/1"))
    assert segment["segmentId"] == 1 and len(segment["segmentValues"]) == len(values)
    assert body(visma.get("/v1/dimension/SUBACCOUNT/1/200"))["description"] == "Inköp"
    assert visma.get("/v1/dimension/SUBACCOUNT/2").status_code == 404
    assert visma.get("/v1/dimension/SUBACCOUNT/1/999").status_code == 404
    assert visma.get("/v1/dimension", params={"expandSegmentsValues": "yes"}).status_code == 400


def test_segment_value_insert_creates_a_subaccount(visma: Visma) -> None:
    put = {
        "segmentValues": [
            {"operation": "Insert", "value": "210", "description": w("Bergen"), "active": w(True)}
        ]
    }
    r = visma.call("PUT", "/v1/dimension/SUBACCOUNT/1", json=put)
    assert r.status_code == 204 and r.content == b"" and "ETag" in r.headers
    assert body(visma.get("/v1/dimension/SUBACCOUNT/1/210"))["description"] == "Bergen"
    sub = body(visma.get("/v1/subaccount/210"))
    assert sub["segments"] == [{"segmentId": 1, "segmentValue": "210"}] and sub["active"] is True
    update = {"segmentValues": [{"operation": "Update", "value": "210", "description": w("Bergen sentrum")}]}
    assert visma.call("PUT", "/v1/dimension/SUBACCOUNT/1", json=update).status_code == 204
    assert body(visma.get("/v1/subaccount/210"))["description"] == "Bergen sentrum"
    # The new cost centre is usable on an invoice line right away.
    line = {
        "operation": "Insert",
        "accountNumber": w("6110"),
        "subaccount": [{"segmentId": 1, "segmentValue": "210"}],
    }
    payload = {"supplierNumber": w(visma.state("supplier")[0]["number"]), "invoiceLines": [line]}
    supplier = next(s for s in visma.state("supplier") if s["status"] == "Active")
    payload["supplierNumber"] = w(supplier["number"])
    assert visma.call("POST", "/v1/supplierInvoice", json=payload).status_code == 201
    for bad in (
        {"segmentValues": [{"operation": "Insert", "value": "210"}]},  # exists
        {"segmentValues": [{"operation": "Update", "value": "211"}]},  # does not exist
        {"segmentValues": [{"operation": "Insert", "value": w("212")}]},  # value is a plain string
        {"segmentValues": [{"operation": "Insert", "value": "2130"}]},  # longer than the segment
        {"segmentValues": [{"operation": "Insert", "value": "214", "active": True}]},  # active is wrapped
        {"segments": []},
    ):
        answer = visma.call("PUT", "/v1/dimension/SUBACCOUNT/1", json=bad)
        assert answer.status_code == 400, (bad, answer.text)
        assert answer.json()["ExceptionType"] == "IPPException"


def test_list_items_follow_every_change_and_equal_the_plain_encoding(visma: Visma) -> None:
    """Items are written from each record's JSON kept since it last changed: a change shows at once,
    and an item is the record's read shape plus ``metadata`` appended (or replaced, when planted)."""
    first = body(visma.get("/v1/supplierInvoice", params={"pageSize": 5}))
    number = first[0]["referenceNumber"]
    changed = visma.admin("PATCH", f"records/supplierInvoice/{number}", {"description": "changed once"})
    assert changed.status_code == 200
    planted = visma.admin("PATCH", f"records/supplierInvoice/{first[1]['referenceNumber']}", {"metadata": 1})
    assert planted.status_code == 200
    raw = visma.get("/v1/supplierInvoice", params={"pageSize": 5})
    again = body(raw)
    assert again[0]["description"] == "changed once" and again[0]["timeStamp"] != first[0]["timeStamp"]
    assert list(again[1]).count("metadata") == 1 and again[1]["metadata"] == first[1]["metadata"]
    assert list(again[1])[-1] != "metadata"  # kept in the planted key's place, as a dict merge does
    assert again[2:] == first[2:]
    state = {s["referenceNumber"]: s for s in visma.state("supplierInvoice")}
    for item in again:
        assert {k: v for k, v in item.items() if k != "metadata"} == {
            k: v for k, v in state[item["referenceNumber"]].items() if k != "metadata"
        }
