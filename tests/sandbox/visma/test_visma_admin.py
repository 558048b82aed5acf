"""The Visma hooks of the common admin API: ``state`` in read shape, permissive ``records``
creates with numbers from the series, patches that bump timestamp and ETag, and 404s."""

from __future__ import annotations

from decimal import Decimal

import pytest
from visma_helpers import Visma, body


@pytest.mark.parametrize(
    ("collection", "key"),
    [
        ("supplier", "number"),
        ("supplierInvoice", "referenceNumber"),
        ("purchaseorder", "orderNbr"),
        ("PurchaseReceipt", "receiptNbr"),
        ("account", "accountCD"),
        ("subaccount", "subaccountNumber"),
        ("dimension", "dimensionId"),
    ],
)
def test_state_is_read_shape_with_timestamps(visma: Visma, collection: str, key: str) -> None:
    records = visma.state(collection)
    assert records and all(r[key] and r["timeStamp"] and r["lastModifiedDateTime"] for r in records)
    assert visma.state("supplierPayment") == [] and visma.state("journaltransaction") == []


def test_state_of_unknown_collection_is_404(visma: Visma) -> None:
    assert visma.admin("GET", "state/nothing").status_code == 404


def test_health_and_reset_with_another_volume(visma: Visma) -> None:
    assert visma.admin("GET", "health").json()["sandbox"] == "visma"
    assert visma.admin("POST", "reset", {"invoices": 50}).status_code == 200
    assert len(visma.state("supplierInvoice")) == 50


def test_create_record_is_permissive_and_numbered(visma: Visma) -> None:
    last = max(int(i["referenceNumber"]) for i in visma.state("supplierInvoice"))
    planted = {
        "supplier": {"number": "70001", "name": "x"},
        "status": "Open",
        "amount": Decimal("99.50"),
        "invoiceLines": [{"lineNumber": 1, "cost": Decimal("99.50"), "account": {"number": "0000"}}],
    }
    r = visma.admin("POST", "records/supplierInvoice", planted)
    assert r.status_code == 201, r.text
    stored = body(r)
    assert stored["referenceNumber"] == f"{last + 1:06d}"
    assert stored["invoiceLines"][0]["account"]["number"] == "0000"  # no such account: allowed here
    assert stored["balance"] == Decimal("99.50") and stored["released"] is True
    got = visma.get(f"/v1/supplierInvoice/Invoice/{stored['referenceNumber']}")
    assert body(got)["amount"] == Decimal("99.50")
    assert got.headers["ETag"] == f'"{stored["timeStamp"]}"'
    # The API's own series continues after the planted number.
    line = {"operation": "Insert", "accountNumber": {"value": "6110"}}
    supplier = next(s["number"] for s in visma.state("supplier") if s["status"] == "Active")
    api = visma.call(
        "POST", "/v1/supplierInvoice", json={"supplierNumber": {"value": supplier}, "invoiceLines": [line]}
    )
    assert api.headers["Location"].endswith(f"/{last + 2:06d}")


def test_create_record_with_explicit_number(visma: Visma) -> None:
    r = visma.admin("POST", "records/supplier", {"number": "80000", "name": "Manual AB"})
    assert r.status_code == 201 and body(r)["status"] == "Active"
    assert visma.admin("POST", "records/supplier", {"number": "80000", "name": "Again"}).status_code == 409
    assert body(visma.get("/v1/supplier/80000"))["name"] == "Manual AB"
    assert visma.admin("POST", "records/account", {"description": "no number"}).status_code == 400
    assert visma.admin("POST", "records/journaltransaction", {}).status_code == 405


def test_released_receipt_updates_its_order(visma: Visma) -> None:
    order = next(
        o for o in visma.state("purchaseorder") if o["status"] == "Open" and not o["purchaseReceipts"]
    )
    line = order["lines"][0]
    receipt = {
        "supplier": order["supplier"],
        "lines": [
            {
                "lineNbr": 1,
                "receiptQty": line["orderQty"],
                "poOrderNbr": order["orderNbr"],
                "poOrderLineNbr": 1,
            }
        ],
    }
    stored = body(visma.admin("POST", "records/PurchaseReceipt", receipt))
    after = body(visma.get(f"/v1/purchaseorder/{order['orderNbr']}"))
    assert after["lines"][0]["qtyOnReceipts"] == line["orderQty"]
    assert after["purchaseReceipts"] == [{"receiptNumber": stored["receiptNbr"], "status": "Released"}]
    assert after["lastModifiedDateTime"] > order["lastModifiedDateTime"]


def test_patch_record_bumps_timestamp_and_etag(visma: Visma) -> None:
    before = body(visma.get("/v1/supplier/70003"))
    r = visma.admin("PATCH", "records/supplier/70003", {"name": "Patched AB"})
    assert r.status_code == 200
    after = body(visma.get("/v1/supplier/70003"))
    assert after["name"] == "Patched AB"
    assert after["timeStamp"] != before["timeStamp"]
    assert after["lastModifiedDateTime"] > before["lastModifiedDateTime"]
    touched = visma.admin("PATCH", "records/supplier/70003", {})  # a change without visible content
    assert body(touched)["lastModifiedDateTime"] > after["lastModifiedDateTime"]


@pytest.mark.parametrize(
    ("collection", "record_id"),
    [
        ("supplier", "99999"),
        ("supplierInvoice", "999999"),
        ("purchaseorder", "999999"),
        ("PurchaseReceipt", "999999"),
        ("account", "0000"),
        ("subaccount", "999"),
        ("supplierPayment", "000001"),
    ],
)
def test_patch_unknown_id_is_404(visma: Visma, collection: str, record_id: str) -> None:
    r = visma.admin("PATCH", f"records/{collection}/{record_id}", {"status": "x"})
    assert r.status_code == 404 and "error" in r.json()


def test_patch_cannot_change_the_key(visma: Visma) -> None:
    assert visma.admin("PATCH", "records/supplier/70001", {"number": "70002"}).status_code == 400


def test_stats_count_calls_by_route_template(visma: Visma) -> None:
    visma.admin("DELETE", "stats")
    visma.get("/v1/supplier/70001")
    visma.get("/API/controller/api/v1/supplier/70002")
    visma.get("/v1/supplier/99999")
    stats = visma.admin("GET", "stats").json()
    assert {"method": "GET", "path": "/v1/supplier/{number}", "status": 200, "count": 2} in stats
    assert {"method": "GET", "path": "/v1/supplier/{number}", "status": 404, "count": 1} in stats


def test_planted_data_of_an_unusable_type_is_refused(visma: Visma) -> None:
    for body_ in (
        {"amount": "lots"},
        {"invoiceLines": "none"},
        {"invoiceLines": [1]},
        {"invoiceLines": [{"cost": "x"}]},
        {"supplier": "70001"},
    ):
        assert visma.admin("POST", "records/supplierInvoice", body_).status_code == 400, body_
        assert visma.admin("PATCH", "records/supplierInvoice/000001", body_).status_code == 400, body_
    assert visma.admin("POST", "records/supplierInvoice", [1]).status_code == 400


def test_planted_odd_dates_do_not_break_lists(visma: Visma) -> None:
    for stamp in (5, "yesterday", {"at": 1}):
        r = visma.admin("POST", "records/supplierInvoice", {"date": stamp, "lastModifiedDateTime": stamp})
        assert r.status_code == 201, r.text
    params = {"docDate": "2000-01-01", "docDateCondition": ">", "pageSize": 500}
    assert visma.get("/v1/supplierInvoice", params=params).status_code == 200
