"""Base paths, casing and keys of api/visma.md sections 1 and 4: canonical and legacy prefixes,
case-insensitive resource names, ``b64(...)`` keys and the error shape of unknown routes."""

from __future__ import annotations

import base64

import pytest
from visma_helpers import Visma, body, w

LEGACY = "/API/controller/api"


@pytest.mark.parametrize(
    "path",
    [
        "/v1/supplier/70001",
        "/v2/supplier/70001",
        f"{LEGACY}/v1/supplier/70001",
        "/v1/SUPPLIER/70001",
        "/V1/Supplier/70001",
        "/api/controller/api/v1/supplier/70001",
    ],
)
def test_prefixes_and_casing_serve_the_same_record(visma: Visma, path: str) -> None:
    r = visma.get(path)
    assert r.status_code == 200, (path, r.text)
    assert body(r)["number"] == "70001"


def test_policy_header_names_the_host(visma: Visma) -> None:
    canonical = visma.get("/v1/account")
    legacy = visma.get(f"{LEGACY}/v1/account")
    assert canonical.headers["X-RateLimit-Policy"] == "4-fixed-window"
    assert legacy.headers["X-RateLimit-Policy"] == "6-fixed-window"
    assert body(canonical) == body(legacy)


@pytest.mark.parametrize(
    "path",
    [
        "/v1/supplierinvoice",
        "/v1/SupplierInvoice",
        "/v1/purchaseOrder",
        "/v1/purchasereceipt",
        "/v2/PURCHASERECEIPT",
        "/v1/supplierpayment",
        "/v1/SupplierDocument",
    ],
)
def test_resource_names_are_case_insensitive(visma: Visma, path: str) -> None:
    r = visma.get(path, params={"pageSize": 2})
    assert r.status_code == 200, r.text


def test_b64_keys(visma: Visma) -> None:
    encoded = base64.urlsafe_b64encode(b"70001").decode().rstrip("=")
    r = visma.get(f"/v1/supplier/b64({encoded})")
    assert r.status_code == 200
    assert body(r)["number"] == "70001"
    bad = visma.get("/v1/supplier/b64(@@@)")
    assert bad.status_code == 400
    assert bad.json()["ExceptionType"] == "IPPException"


def test_unknown_route_and_record_are_404_ipp(visma: Visma) -> None:
    for path in ("/v1/nothing", "/v1/supplier/99999", "/v1/supplierInvoice/Invoice/999999"):
        r = visma.get(path)
        assert r.status_code == 404, path
        assert r.json()["ExceptionType"] == "IPPException"


def test_invoice_number_form_only_finds_type_invoice(visma: Visma) -> None:
    credit = next(i for i in visma.state("supplierInvoice") if i["documentType"] == "CreditAdj")
    number = credit["referenceNumber"]
    assert visma.get(f"/v1/supplierInvoice/CreditAdj/{number}").status_code == 200
    assert visma.get(f"/v1/supplierInvoice/{number}").status_code == 404
    assert visma.get(f"/v1/supplierInvoice/Invoice/{number}").status_code == 404
    invoice = next(i for i in visma.state("supplierInvoice") if i["documentType"] == "Invoice")
    assert (
        body(visma.get(f"/v1/supplierInvoice/{invoice['referenceNumber']}"))["referenceNumber"]
        == (invoice["referenceNumber"])
    )


def test_method_not_allowed_is_ipp(visma: Visma) -> None:
    r = visma.call("DELETE", "/v1/supplier/70001")
    assert r.status_code == 405
    assert r.json()["ExceptionType"] == "IPPException"


def test_location_follows_the_prefix_used(visma: Visma) -> None:
    r = visma.call("POST", f"{LEGACY}/v1/supplier", json={"name": w("Legacy AB")})
    assert r.status_code == 201
    assert r.headers["Location"].startswith(f"{visma.url}{LEGACY}/v1/supplier/")
    r = visma.call("POST", "/v1/supplier", json={"name": w("Canonical AB")})
    assert r.headers["Location"].startswith(f"{visma.url}/v1/supplier/")
