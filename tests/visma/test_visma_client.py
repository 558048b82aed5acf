"""Visma client: auth lifecycle, headers, paths, single GETs, creates, actions."""

from __future__ import annotations

import json
from decimal import Decimal
from urllib.parse import parse_qs

import pytest
import responses
from visma_fakes import BASE, CLIENT_ID, COMPANY, SECRET, TENANT, TOKEN_URL, FakeClock, add_token, make_client

from visma_airbase_pipeline.errors import ActionFailed, AuthError, ServerError, TransportError
from visma_airbase_pipeline.visma import (
    SupplierInvoice,
    SupplierPaymentLineWrite,
    SupplierPaymentWrite,
    SupplierWrite,
    VismaClient,
    number_from_location,
)

INVOICE_URL = f"{BASE}/v1/supplierInvoice/Invoice/000123"
INVOICE_JSON = (
    '{"documentType":"Invoice","referenceNumber":"000123","status":"Balanced","hold":true,"amount":1250.10,'
    '"supplier":{"number":"50012"},"invoiceLines":[{"lineNumber":1,"cost":0.1,"quantity":3}],'
    '"timeStamp":"AAAAAE0Yk3A="}'
)


def test_token_request_is_the_client_credentials_form(rsps: responses.RequestsMock, client: VismaClient):
    add_token(rsps)
    client.authenticate()
    form = parse_qs(rsps.calls[0].request.body)
    assert form == {
        "grant_type": ["client_credentials"],
        "client_id": [CLIENT_ID],
        "client_secret": [SECRET],
        "tenant_id": [TENANT],
        "scope": [
            "vismanet_erp_service_api:read vismanet_erp_service_api:create "
            "vismanet_erp_service_api:update vismanet_erp_service_api:delete"
        ],
    }
    assert rsps.calls[0].request.headers["Content-Type"] == "application/x-www-form-urlencoded"


def test_one_token_per_session_and_headers_on_every_call(rsps: responses.RequestsMock, client: VismaClient):
    add_token(rsps, "tok-1")
    rsps.get(f"{BASE}/v1/supplier/50012", json={"number": "50012"}, headers={"ETag": '"A1"'})
    rsps.get(INVOICE_URL, body=INVOICE_JSON)
    rsps.put(INVOICE_URL, status=204, headers={"ETag": '"A2"'})
    client.get_supplier("50012")
    client.get_supplier_invoice("Invoice", "000123")
    client.put_supplier_invoice("Invoice", "000123", {"hold": {"value": False}}, if_match='"A1"')
    api_calls = [c for c in rsps.calls if c.request.url != TOKEN_URL]
    assert len(rsps.calls) - len(api_calls) == 1
    for call in api_calls:
        assert call.request.headers["Authorization"] == "Bearer tok-1"
        assert call.request.headers["ipp-company-id"] == COMPANY
    assert api_calls[-1].request.headers["If-Match"] == '"A1"'


def test_a_new_client_session_fetches_a_new_token(rsps: responses.RequestsMock, clock: FakeClock):
    add_token(rsps)
    rsps.get(f"{BASE}/v1/supplier/1", json={})
    for _ in range(2):
        with make_client(clock) as client:
            client.get_supplier("1")
    assert [c.request.url for c in rsps.calls].count(TOKEN_URL) == 2


def test_401_gets_exactly_one_new_token_and_one_retry(rsps: responses.RequestsMock, client: VismaClient):
    add_token(rsps, "tok-1")
    add_token(rsps, "tok-2")
    rsps.get(f"{BASE}/v1/supplier/1", status=401, json={"message": "Unauthorized"})
    rsps.get(f"{BASE}/v1/supplier/1", json={"number": "1"})
    found = client.get_supplier("1")
    assert found is not None and found.record.number == "1"
    assert [c.request.url.split("?")[0] for c in rsps.calls] == [
        TOKEN_URL,
        f"{BASE}/v1/supplier/1",
        TOKEN_URL,
        f"{BASE}/v1/supplier/1",
    ]
    assert rsps.calls[3].request.headers["Authorization"] == "Bearer tok-2"
    assert client.auth.fetches == 2


def test_second_401_raises_auth_error(rsps: responses.RequestsMock, client: VismaClient):
    add_token(rsps, "tok-1")
    add_token(rsps, "tok-2")
    rsps.get(f"{BASE}/v1/supplier/1", status=401, json={"message": "Unauthorized"})
    with pytest.raises(AuthError, match="401 again with a fresh token") as caught:
        client.get_supplier("1")
    assert caught.value.status == 401
    assert len(rsps.calls) == 4  # token, 401, token, 401: nothing more


def test_token_is_refreshed_early_when_less_than_5_minutes_remain(
    rsps: responses.RequestsMock, client: VismaClient, clock: FakeClock
):
    add_token(rsps, "tok-1", expires_in=3600)
    add_token(rsps, "tok-2", expires_in=3600)
    rsps.get(f"{BASE}/v1/supplier/1", json={})
    client.get_supplier("1")
    clock.now += 3600 - 301  # 5 min + 1 s left: still fine
    client.get_supplier("1")
    clock.now += 2  # 4:59 left: renew before the call
    client.get_supplier("1")
    auth_headers = [c.request.headers.get("Authorization") for c in rsps.calls if c.request.url != TOKEN_URL]
    assert auth_headers == ["Bearer tok-1", "Bearer tok-1", "Bearer tok-2"]


def test_invalid_client_is_an_auth_error_without_retry(rsps: responses.RequestsMock, client: VismaClient):
    rsps.post(TOKEN_URL, status=400, json={"error": "invalid_client"})
    with pytest.raises(AuthError) as caught:
        client.get_supplier("1")
    assert caught.value.code == "invalid_client"
    assert len(rsps.calls) == 1


def test_token_endpoint_5xx_is_retried(rsps: responses.RequestsMock, client: VismaClient, clock: FakeClock):
    rsps.post(TOKEN_URL, status=503)
    add_token(rsps)
    client.authenticate()
    assert clock.sleeps == [1.0]


def test_legacy_prefix(rsps: responses.RequestsMock, clock: FakeClock):
    client = make_client(clock, use_legacy_path=True)
    add_token(rsps)
    rsps.get(f"{BASE}/API/controller/api/v1/supplierInvoice/Invoice/000123", body=INVOICE_JSON)
    assert client.get_supplier_invoice("Invoice", "000123") is not None
    # Call stats keep the canonical template whichever prefix is used.
    assert "GET /v1/supplierInvoice/{documentType}/{number}" in client.stats.snapshot()["endpoints"]


def test_legacy_base_url_already_ending_in_api(rsps: responses.RequestsMock, clock: FakeClock):
    client = make_client(clock, base_url=f"{BASE}/API", use_legacy_path=True)
    add_token(rsps)
    rsps.get(f"{BASE}/API/controller/api/v1/supplier/1", json={})
    assert client.get_supplier("1") is not None


def test_single_get_returns_decimal_money_and_the_etag(rsps: responses.RequestsMock, client: VismaClient):
    add_token(rsps)
    rsps.get(INVOICE_URL, body=INVOICE_JSON, headers={"ETag": '"AAAAAE0Yk3A="'})
    found = client.get_supplier_invoice("Invoice", "000123")
    assert found is not None
    invoice: SupplierInvoice = found.record
    assert found.etag == '"AAAAAE0Yk3A="'
    assert invoice.amount == Decimal("1250.10") and isinstance(invoice.amount, Decimal)
    assert invoice.invoice_lines[0].cost == Decimal("0.1")  # 0.1 as float would be 0.1000000000000000055...
    assert str(invoice.invoice_lines[0].cost) == "0.1"


def test_etag_falls_back_to_timestamp(rsps: responses.RequestsMock, client: VismaClient):
    add_token(rsps)
    rsps.get(INVOICE_URL, body=INVOICE_JSON)
    found = client.get_supplier_invoice("Invoice", "000123")
    assert found is not None and found.etag == "AAAAAE0Yk3A="


def test_single_get_404_is_none(rsps: responses.RequestsMock, client: VismaClient):
    add_token(rsps)
    rsps.get(
        f"{BASE}/v1/supplier/99999",
        status=404,
        json={"ExceptionType": "IPPException", "ExceptionMessage": "Supplier 99999 not found"},
    )
    assert client.get_supplier("99999") is None


def test_payment_get_by_type_and_number(rsps: responses.RequestsMock, client: VismaClient):
    add_token(rsps)
    rsps.get(
        f"{BASE}/v1/supplierPayment/Payment/000045",
        json={"refNbr": "000045", "cashAccount": {"number": "1920"}},
    )
    found = client.get_supplier_payment("000045", payment_type="Payment")
    assert found is not None and found.record.cash_account == "1920"


@pytest.mark.parametrize(
    ("location", "number"),
    [
        ("https://api.finance.visma.net/v1/supplier/50013", "50013"),
        ("http://other-host:9999/API/controller/api/v1/supplierPayment/000046/", "000046"),
        ("/v1/supplier/A%20B", "A B"),
        ("https://x/v1/supplier/b64(QS9C)", "A/B"),
    ],
)
def test_number_from_location_whatever_the_host(location: str, number: str):
    assert number_from_location(location) == number


def test_create_returns_number_from_location(rsps: responses.RequestsMock, client: VismaClient):
    add_token(rsps)
    rsps.post(
        f"{BASE}/v1/supplier",
        status=201,
        body="",
        headers={"Location": "https://elsewhere.example/v1/supplier/50013", "ETag": '"E1"'},
    )
    created = client.create_supplier(SupplierWrite(name="Nordisk Kontor AS", currency_id="NOK"))
    assert (created.number, created.etag) == ("50013", '"E1"')
    assert json.loads(rsps.calls[1].request.body) == {
        "name": {"value": "Nordisk Kontor AS"},
        "currencyId": {"value": "NOK"},
    }


def test_create_payment_is_never_blind_retried(rsps: responses.RequestsMock, client: VismaClient):
    add_token(rsps)
    rsps.post(f"{BASE}/v1/supplierPayment", status=500, json={"message": "Internal error"})
    payment = SupplierPaymentWrite(
        supplier="50012",
        currency="NOK",
        payment_ref="AIRBASE-8812",
        payment_amount=Decimal("1250.00"),
        payment_lines=[SupplierPaymentLineWrite(ref_nbr="000123", amount_paid=Decimal("1250.00"))],
    )
    with pytest.raises(ServerError):
        client.create_supplier_payment(payment)
    assert len(rsps.calls) == 2  # token + one POST


def test_create_times_out_without_retry(rsps: responses.RequestsMock, client: VismaClient):
    import requests

    add_token(rsps)
    rsps.post(f"{BASE}/v1/supplier", body=requests.exceptions.ReadTimeout("read timed out"))
    with pytest.raises(TransportError) as caught:
        client.create_supplier({"name": {"value": "X"}})
    assert caught.value.kind == "read_timeout"
    assert len(rsps.calls) == 2


def test_guarded_put_is_retried_but_unguarded_put_is_not(rsps: responses.RequestsMock, client: VismaClient):
    add_token(rsps)
    rsps.put(INVOICE_URL, status=503)
    rsps.put(INVOICE_URL, status=204, headers={"ETag": '"B"'})
    assert client.put_supplier_invoice("Invoice", "000123", {}, if_match="A") == '"B"'
    assert rsps.calls[-1].request.headers["If-Match"] == '"A"'  # quoted for the wire
    rsps.replace(responses.PUT, INVOICE_URL, status=503)
    with pytest.raises(ServerError):
        client.put_supplier_invoice("Invoice", "000123", {}, if_match=None)
    assert len([c for c in rsps.calls if c.request.method == "PUT"]) == 3


def test_release_failed_raises_action_failed(rsps: responses.RequestsMock, client: VismaClient):
    add_token(rsps)
    rsps.post(
        f"{INVOICE_URL}/action/release",
        json={"actionId": "a1", "actionResult": "Failed", "errorInfo": "Document is on hold"},
    )
    with pytest.raises(ActionFailed, match="Document is on hold") as caught:
        client.release_supplier_invoice("Invoice", "000123")
    assert caught.value.action_result == "Failed"


def test_release_error_info_alone_raises(rsps: responses.RequestsMock, client: VismaClient):
    add_token(rsps)
    rsps.post(
        f"{BASE}/v1/supplierPayment/000045/action/release",
        json={"actionId": "a1", "actionResult": "Done", "errorInfo": {"message": "Period closed"}},
    )
    with pytest.raises(ActionFailed, match="Period closed"):
        client.release_supplier_payment("000045")
    assert json.loads(rsps.calls[1].request.body) == {"type": {"value": "Payment"}}


def test_release_done(rsps: responses.RequestsMock, client: VismaClient):
    add_token(rsps)
    rsps.post(
        f"{INVOICE_URL}/action/release",
        json={"actionId": "a1", "actionResult": "Done", "errorInfo": None},
        headers={"ETag": '"N"'},
    )
    outcome = client.release_supplier_invoice("Invoice", "000123")
    assert (outcome.result, outcome.completed, outcome.etag) == ("Done", True, '"N"')


def test_release_queued_rereads_until_done(
    rsps: responses.RequestsMock, client: VismaClient, clock: FakeClock
):
    add_token(rsps)
    rsps.post(f"{INVOICE_URL}/action/release", json={"actionId": "a1", "actionResult": "Queued"})
    rsps.get(INVOICE_URL, json={"documentType": "Invoice", "referenceNumber": "000123", "status": "Balanced"})
    rsps.get(
        INVOICE_URL,
        json={"documentType": "Invoice", "referenceNumber": "000123", "status": "Open"},
        headers={"ETag": '"R"'},
    )
    outcome = client.release_supplier_invoice("Invoice", "000123")
    assert outcome.completed and outcome.record is not None and outcome.record.status == "Open"
    assert outcome.etag == '"R"'
    assert clock.sleeps == [1.0, 2.0]


def test_release_still_in_process_reports_not_completed(rsps: responses.RequestsMock, client: VismaClient):
    add_token(rsps)
    rsps.post(f"{INVOICE_URL}/action/release", json={"actionResult": "InProcess"})
    rsps.get(INVOICE_URL, json={"status": "Balanced"})
    outcome = client.release_supplier_invoice("Invoice", "000123")
    assert not outcome.completed and outcome.result == "InProcess"


def test_release_is_not_blind_retried(rsps: responses.RequestsMock, client: VismaClient):
    add_token(rsps)
    rsps.post(f"{INVOICE_URL}/action/release", status=504)
    with pytest.raises(ServerError):
        client.release_supplier_invoice("Invoice", "000123")
    assert len(rsps.calls) == 2


def test_accounts_and_dimension_are_single_calls(rsps: responses.RequestsMock, client: VismaClient):
    add_token(rsps)
    rsps.get(
        f"{BASE}/v1/account",
        json=[{"accountID": 412, "accountCD": "6800", "type": "Expense", "active": True}],
    )
    rsps.get(
        f"{BASE}/v1/dimension/SUBACCOUNT",
        json={
            "id": "SUBACCOUNT",
            "segments": [{"segmentId": 1, "segmentValues": [{"valueId": "200", "active": True}]}],
        },
    )
    accounts = client.list_accounts(active=True)
    dimension = client.get_dimension("SUBACCOUNT")
    assert [a.number for a in accounts] == ["6800"]
    assert dimension is not None and dimension.segments[0].segment_values[0].value_id == "200"
    assert rsps.calls[1].request.url == f"{BASE}/v1/account?active=true"
    assert rsps.calls[2].request.url == f"{BASE}/v1/dimension/SUBACCOUNT?expandSegmentsValues=true"


def test_segment_values_put_shape(rsps: responses.RequestsMock, client: VismaClient):
    from visma_airbase_pipeline.visma import SegmentValueWrite

    add_token(rsps)
    rsps.put(f"{BASE}/v1/dimension/SUBACCOUNT/1", status=204)
    client.put_dimension_segment_values(
        "SUBACCOUNT", 1, [SegmentValueWrite(value="210", description="Bergen", active=True)]
    )
    assert json.loads(rsps.calls[1].request.body) == {
        "segmentValues": [
            {
                "operation": "Insert",
                "value": "210",
                "description": {"value": "Bergen"},
                "active": {"value": True},
            }
        ]
    }


def test_client_repr_has_no_secrets(client: VismaClient):
    text = repr(client) + repr(client.auth) + repr(client.transport)
    assert SECRET not in text and "1000001" in text
