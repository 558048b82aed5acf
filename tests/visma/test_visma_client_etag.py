"""Read-modify-write under If-Match: re-read and re-apply on 412, at most three attempts."""

from __future__ import annotations

import json
from typing import Any

import pytest
import responses
from visma_fakes import BASE, TOKEN_URL, add_token

from visma_airbase_pipeline.errors import Conflict, NotFound, StaleEtag
from visma_airbase_pipeline.visma import UNCHANGED, SupplierInvoice, SupplierInvoiceWrite, VismaClient

URL = f"{BASE}/v1/supplierInvoice/Invoice/000123"


def on_hold(etag: str, status: str = "Balanced", hold: bool = True) -> dict[str, Any]:
    return {
        "json": {"documentType": "Invoice", "referenceNumber": "000123", "status": status, "hold": hold},
        "headers": {"ETag": f'"{etag}"'},
    }


def release_hold(invoice: SupplierInvoice) -> SupplierInvoiceWrite | None:
    """The approval change: take the invoice off hold, unless it no longer applies."""
    if invoice.status in ("Closed", "Voided"):
        return None
    if invoice.hold is False:
        return UNCHANGED
    return SupplierInvoiceWrite(hold=False)


def puts(rsps: responses.RequestsMock) -> list[Any]:
    return [c.request for c in rsps.calls if c.request.method == "PUT"]


def test_412_rereads_and_retries_with_the_fresh_etag(rsps: responses.RequestsMock, client: VismaClient):
    add_token(rsps)
    rsps.get(URL, **on_hold("E1"))
    rsps.get(URL, **on_hold("E2"))
    rsps.put(URL, status=412, json={"message": "Precondition Failed"})
    rsps.put(URL, status=204, headers={"ETag": '"E3"'})
    outcome = client.update_supplier_invoice("Invoice", "000123", release_hold)
    assert (outcome.written, outcome.etag, outcome.attempts) == (True, '"E3"', 2)
    assert [r.headers["If-Match"] for r in puts(rsps)] == ['"E1"', '"E2"']
    assert json.loads(puts(rsps)[1].body) == {"hold": {"value": False}}


def test_gives_up_after_three_stale_attempts(rsps: responses.RequestsMock, client: VismaClient):
    add_token(rsps)
    for etag in ("E1", "E2", "E3"):
        rsps.get(URL, **on_hold(etag))
    rsps.put(URL, status=412)
    with pytest.raises(StaleEtag, match="still stale after 3 attempts") as caught:
        client.update_supplier_invoice("Invoice", "000123", release_hold)
    assert caught.value.status == 412
    assert len(puts(rsps)) == 3
    assert len([c for c in rsps.calls if c.request.method == "GET"]) == 3


def test_change_that_no_longer_applies_aborts_with_conflict(
    rsps: responses.RequestsMock, client: VismaClient
):
    add_token(rsps)
    rsps.get(URL, **on_hold("E1"))
    rsps.get(URL, **on_hold("E2", status="Closed"))
    rsps.put(URL, status=412)
    with pytest.raises(Conflict, match="no longer applies"):
        client.update_supplier_invoice("Invoice", "000123", release_hold)
    assert len(puts(rsps)) == 1


def test_already_applied_change_writes_nothing(rsps: responses.RequestsMock, client: VismaClient):
    add_token(rsps)
    rsps.get(URL, **on_hold("E1", hold=False))
    outcome = client.update_supplier_invoice("Invoice", "000123", release_hold)
    assert (outcome.written, outcome.etag) == (False, '"E1"')
    assert puts(rsps) == []


def test_vanished_record_is_not_found(rsps: responses.RequestsMock, client: VismaClient):
    add_token(rsps)
    rsps.get(URL, status=404)
    with pytest.raises(NotFound):
        client.update_supplier_invoice("Invoice", "000123", release_hold)


def test_generic_helper_with_custom_callables(client: VismaClient):
    from visma_airbase_pipeline.visma import Versioned

    versions = iter(["v1", "v2"])
    written: list[tuple[dict[str, int], str]] = []

    def put(payload: dict[str, int], etag: str) -> str:
        written.append((payload, etag))
        if etag == "v1":
            raise StaleEtag("stale", status=412)
        return "v3"

    outcome = client.update_with_etag(
        lambda: Versioned({"n": 1}, next(versions)), lambda r: {"n": r["n"] + 1}, put
    )
    assert outcome.etag == "v3" and written == [({"n": 2}, "v1"), ({"n": 2}, "v2")]
    assert TOKEN_URL  # no HTTP involved
