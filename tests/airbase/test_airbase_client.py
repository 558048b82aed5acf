"""Airbase client: auth schemes, paging stop rules, sync bracket, vendors, bills, ledger entries."""

from __future__ import annotations

import json
import uuid
from decimal import Decimal
from typing import Any

import pytest
import responses
from airbase_fakes import API, TOKEN, FakeClock, make_client, page

from visma_airbase_pipeline.airbase import AirbaseClient
from visma_airbase_pipeline.errors import AuthError, Conflict, ServerError


def urls(rsps: responses.RequestsMock) -> list[str]:
    return [c.request.url for c in rsps.calls]


def by_page(number: int) -> Any:
    return [responses.matchers.query_param_matcher({"page": str(number)}, strict_match=False)]


@pytest.mark.parametrize(
    ("scheme", "header"),
    [("Token", f"Token {TOKEN}"), ("Bearer", f"Bearer {TOKEN}"), ("bearer", f"Bearer {TOKEN}")],
)
def test_auth_schemes(rsps: responses.RequestsMock, clock: FakeClock, scheme: str, header: str):
    rsps.get(f"{API}/vendors/", json=page([]))
    list(make_client(clock, auth_scheme=scheme).iter_vendors())
    assert rsps.calls[0].request.headers["Authorization"] == header


def test_unknown_auth_scheme_is_refused(clock: FakeClock):
    with pytest.raises(ValueError, match="Token, Bearer"):
        make_client(clock, auth_scheme="Basic")


def test_bad_token_is_auth_error_without_retry(rsps: responses.RequestsMock, client: AirbaseClient):
    rsps.get(f"{API}/vendors/", status=401, json={"detail": "Invalid token."})
    with pytest.raises(AuthError, match=r"Invalid token\."):
        list(client.iter_vendors())
    assert len(rsps.calls) == 1


def test_short_page_with_null_next_is_the_end(rsps: responses.RequestsMock, client: AirbaseClient):
    rsps.get(f"{API}/vendors/", json=page([{"id": "v1", "name": "A"}]))
    assert [v.id for v in client.iter_vendors()] == ["v1"]
    assert urls(rsps) == [f"{API}/vendors/?page=1&page_size=250"]


def test_full_page_with_null_next_reads_on_until_an_empty_page(
    rsps: responses.RequestsMock, clock: FakeClock
):
    # Recorded behaviour: next was null on a full first page, and page 2 came back empty.
    client = make_client(clock, page_size=2)
    rsps.get(f"{API}/bills/", json=page([{"id": "b1"}, {"id": "b2"}], size=2), match=by_page(1))
    rsps.get(f"{API}/bills/", json=page([], size=2), match=by_page(2))
    assert [b.id for b in client.iter_bills(approval_status="approved")] == ["b1", "b2"]
    assert urls(rsps) == [
        f"{API}/bills/?approval_status=approved&page=1&page_size=2",
        f"{API}/bills/?approval_status=approved&page=2&page_size=2",
    ]


def test_next_link_continues_past_a_short_page(rsps: responses.RequestsMock, client: AirbaseClient):
    rsps.get(f"{API}/tags/", json=page([{"id": "t1"}], next_url=f"{API}/tags/?page=2"), match=by_page(1))
    rsps.get(f"{API}/tags/", json=page([{"id": "t2"}]), match=by_page(2))
    assert [t.id for t in client.iter_tags(type="cost_center")] == ["t1", "t2"]


def test_server_cap_below_requested_page_size_does_not_stop_early(
    rsps: responses.RequestsMock, clock: FakeClock
):
    client = make_client(clock, page_size=500)
    rsps.get(f"{API}/accounts/", json=page([{"id": str(i)} for i in range(250)], size=250), match=by_page(1))
    rsps.get(f"{API}/accounts/", json=page([{"id": "last"}], size=250), match=by_page(2))
    assert len(list(client.iter_accounts())) == 251


def test_listing_is_lazy(rsps: responses.RequestsMock, client: AirbaseClient):
    rsps.get(f"{API}/vendors/", json=page([{"id": "v1"}]))
    vendors = client.iter_vendors()
    assert len(rsps.calls) == 0
    next(vendors)
    assert len(rsps.calls) == 1


def test_unlinked_vendors_use_the_empty_erp_filter(rsps: responses.RequestsMock, client: AirbaseClient):
    rsps.get(
        f"{API}/vendors/",
        json=page([{"id": "v1", "erp_reference_id": ""}, {"id": "v2", "erp_reference_id": None}]),
    )
    assert [v.id for v in client.iter_unlinked_vendors()] == ["v1", "v2"]
    assert urls(rsps) == [f"{API}/vendors/?erp_reference_id=&page=1&page_size=250"]


def test_unknown_filter_raises_before_sending(rsps: responses.RequestsMock, client: AirbaseClient):
    with pytest.raises(ValueError, match="approval_staus"):
        client.iter_bills(approval_staus="approved")
    assert len(rsps.calls) == 0


def test_bill_amounts_are_decimals_from_strings(rsps: responses.RequestsMock, client: AirbaseClient):
    rsps.get(
        f"{API}/bills/b1/",
        json={
            "id": "b1",
            "total_amount": "1500.00",
            "amount_paid": "75",
            "lines": [{"line_number": 1, "amount": "12.5"}],
            "surprise": True,
            "approvals": None,
            "invoice_date": "2026-03-02",
        },
    )
    bill = client.get_bill("b1")
    assert bill is not None
    assert bill.total_amount == Decimal("1500.00") and bill.amount_paid == Decimal("75")
    assert bill.lines[0].amount == Decimal("12.5") and bill.approvals == []


def test_get_404_is_none(rsps: responses.RequestsMock, client: AirbaseClient):
    rsps.get(f"{API}/purchase_orders/x/", status=404, json={"detail": "Not found."})
    assert client.get_purchase_order("x") is None


def test_sync_bracket_carries_on_after_409_and_404(rsps: responses.RequestsMock, client: AirbaseClient):
    rsps.post(f"{API}/entity/sync/", status=409, json={"detail": "GL onboarding already done."})
    rsps.patch(f"{API}/entity/sync/", status=404, json={"detail": "No active sync session found."})
    assert client.start_sync() is False
    assert client.complete_sync() is False
    assert json.loads(rsps.calls[0].request.body) == {"action": "START"}
    assert json.loads(rsps.calls[1].request.body) == {"action": "COMPLETE"}


def test_sync_bracket_success(rsps: responses.RequestsMock, client: AirbaseClient):
    rsps.post(f"{API}/entity/sync/", json={"status": "started"})
    rsps.patch(f"{API}/entity/sync/", json={"status": "completed"})
    assert client.start_sync() and client.complete_sync()


def test_vendor_create_is_not_retried_but_patch_is(rsps: responses.RequestsMock, client: AirbaseClient):
    rsps.post(f"{API}/vendors/", status=500, body="<html>oops</html>")
    with pytest.raises(ServerError):
        client.create_vendor({"name": "Hostco GmbH"})
    rsps.patch(f"{API}/vendors/v1/", status=503)
    rsps.patch(f"{API}/vendors/v1/", json={"id": "v1", "name": "Hostco"})
    assert client.patch_vendor("v1", {"name": "Hostco"}).name == "Hostco"
    assert [c.request.method for c in rsps.calls] == ["POST", "PATCH", "PATCH"]


def test_every_write_carries_a_fresh_idempotency_key(rsps: responses.RequestsMock, client: AirbaseClient):
    rsps.patch(f"{API}/bills/b1/", json={"id": "b1"})
    client.patch_bill("b1", {"memo": "x"})
    client.patch_bill("b1", {"memo": "y"})
    keys = [c.request.headers["Idempotency-Key"] for c in rsps.calls]
    assert len(set(keys)) == 2 and all(uuid.UUID(k) for k in keys)


def test_ledger_entries_listed_to_the_end_by_status_and_type(rsps: responses.RequestsMock, clock: FakeClock):
    client = make_client(clock, page_size=2)
    rsps.get(
        f"{API}/ledger_entries/",
        json=page([{"id": "e1", "type": "bill_payment"}, {"id": "e2", "type": "bill_payment"}], size=2),
        match=by_page(1),
    )
    rsps.get(
        f"{API}/ledger_entries/", json=page([{"id": "e3", "type": "bill_payment"}], size=2), match=by_page(2)
    )
    entries = client.list_ledger_entries("sync_ready", types=["bill_payment"])
    assert [e.id for e in entries] == ["e1", "e2", "e3"]
    assert urls(rsps)[0] == f"{API}/ledger_entries/?status=sync_ready&type=bill_payment&page=1&page_size=2"


def test_ledger_type_allow_list_is_applied_client_side(rsps: responses.RequestsMock, client: AirbaseClient):
    rsps.get(
        f"{API}/ledger_entries/",
        json=page(
            [{"id": "e1", "type": "bill"}, {"id": "e2", "type": "fee"}, {"id": "e3", "type": "bill_payment"}]
        ),
    )
    entries = client.list_ledger_entries(types=["bill", "bill_payment"])
    assert [e.id for e in entries] == ["e1", "e3"]
    assert urls(rsps)[0] == f"{API}/ledger_entries/?status=sync_ready&page=1&page_size=250"


def test_ledger_entry_model_from_the_contract(rsps: responses.RequestsMock, client: AirbaseClient):
    rsps.get(
        f"{API}/ledger_entries/9c4d/",
        json={
            "id": "9c4d",
            "airbase_id": "9c4d",
            "erp_reference_id": None,
            "type": "bill_payment",
            "status": "sync_ready",
            "vendor": {"airbase_id": "c1a0", "name": "Hostco GmbH", "erp_reference_id": "50012"},
            "bank_account": {"erp_reference_id": "1930", "name": "Bank EUR"},
            "applied_to": [{"id": "8b6f", "airbase_id": "8b6f", "transaction_type": "bill"}],
            "payment_entry_date": "2026-03-28T00:00:00",
            "currency": {"erp_reference_id": "EUR", "iso_code": "EUR"},
            "total_amount": "1500.00",
            "payment_method": "ach",
            "payment_status": "completed",
            "expense_list": [
                {
                    "line_number": 4101,
                    "account": {"erp_reference_id": "6540"},
                    "amount": "1200.00",
                    "tags": [{"erp_reference_id": "CC-200", "name": "IT", "type": "cost_center"}],
                }
            ],
            "amounts": {
                "transaction_amount": {"amount": "1500.00", "currency": {"iso_code": "EUR"}},
                "subsidiary_amount": {"amount": "16425.00", "currency": {"iso_code": "SEK"}},
                "settlement_amount": None,
            },
        },
    )
    entry = client.get_ledger_entry("9c4d")
    assert entry is not None
    assert entry.total_amount == Decimal("1500.00") and entry.applied_to[0].transaction_type == "bill"
    assert entry.bank_account is not None and entry.bank_account.erp_reference_id == "1930"
    assert entry.expense_list[0].tags[0].erp_reference_id == "CC-200"
    assert entry.amounts is not None and entry.amounts.subsidiary_amount is not None
    assert entry.amounts.subsidiary_amount.amount == Decimal("16425.00")
    assert entry.payment_entry_date is not None and entry.payment_entry_date.tzinfo is not None


def test_mark_ledger_entry_synced_and_error(rsps: responses.RequestsMock, client: AirbaseClient):
    rsps.patch(f"{API}/ledger_entries/9c4d/", json={"id": "9c4d", "status": "sync_complete"})
    rsps.patch(f"{API}/ledger_entries/8b6f/", json={"id": "8b6f", "status": "sync_error"})
    assert client.mark_ledger_entry_synced("9c4d", "PAY-004211").status == "sync_complete"
    assert client.mark_ledger_entry_error("8b6f", "Visma: account 6550 is blocked").status == "sync_error"
    assert json.loads(rsps.calls[0].request.body) == {
        "status": "sync_complete",
        "erp_reference_id": "PAY-004211",
    }
    assert json.loads(rsps.calls[1].request.body) == {
        "status": "sync_error",
        "error_message": "Visma: account 6550 is blocked",
    }


def test_mark_synced_409_is_a_conflict(rsps: responses.RequestsMock, client: AirbaseClient):
    rsps.patch(f"{API}/ledger_entries/9c4d/", status=409, json={"detail": "Ledger entry already synced."})
    with pytest.raises(Conflict, match="already synced"):
        client.mark_ledger_entry_synced("9c4d", "PAY-9")
    assert len(rsps.calls) == 1


def test_ledger_patch_is_retried_on_5xx(
    rsps: responses.RequestsMock, client: AirbaseClient, clock: FakeClock
):
    rsps.patch(f"{API}/ledger_entries/9c4d/", status=502, body="<html>Bad gateway</html>")
    rsps.patch(f"{API}/ledger_entries/9c4d/", json={"id": "9c4d", "status": "sync_complete"})
    client.mark_ledger_entry_synced("9c4d", "PAY-1")
    assert clock.sleeps == [1.0]


def test_paces_on_airbase_headers(rsps: responses.RequestsMock, client: AirbaseClient, clock: FakeClock):
    rsps.get(
        f"{API}/vendors/", json=page([]), headers={"X-Ratelimit-Limit": "500", "X-Ratelimit-Remaining": "0"}
    )
    list(client.iter_vendors())  # spends the last call of the window (no Reset: idle wait)
    list(client.iter_vendors())
    assert clock.sleeps == [1.0]
    assert client.stats.headroom == 0.0
