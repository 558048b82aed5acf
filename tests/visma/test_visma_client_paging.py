"""Visma list reads: exact URLs, the page stop rule, laziness, dedupe and the re-run rule."""

from __future__ import annotations

import json
import math
import time
import types
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from visma_fakes import BASE, TOKEN_URL, FakeClock, add_token, invoice, make_client

from visma_airbase_pipeline.visma import VismaClient, VismaPager, delta_window, overlap_window
from visma_airbase_pipeline.visma.paging import Deduper, timestamp_rank

LIST_URL = f"{BASE}/v1/supplierInvoice"


def api_urls(rsps: responses.RequestsMock) -> list[str]:
    return [c.request.url for c in rsps.calls if c.request.url != TOKEN_URL]


def test_full_pull_url_always_sends_page_number_and_size(rsps: responses.RequestsMock, client: VismaClient):
    add_token(rsps)
    rsps.get(LIST_URL, json=[])
    assert list(client.iter_supplier_invoices()) == []
    assert api_urls(rsps) == [f"{LIST_URL}?pageNumber=1&pageSize=500"]


def test_delta_url_is_exact_and_condition_encoded(rsps: responses.RequestsMock, client: VismaClient):
    add_token(rsps)
    rsps.get(LIST_URL, json=[])
    list(client.iter_supplier_invoices(since=datetime(2025, 3, 14, 9, 0), status="Open", supplier="50012"))
    assert api_urls(rsps) == [
        f"{LIST_URL}?lastModifiedDateTime=2025-03-14T09:00:00&lastModifiedDateTimeCondition=%3E%3D"
        "&status=Open&supplier=50012&pageNumber=1&pageSize=500"
    ]


def test_aware_since_is_sent_as_naive_utc_and_other_conditions(
    rsps: responses.RequestsMock, client: VismaClient
):
    add_token(rsps)
    rsps.get(f"{BASE}/v1/supplier", json=[])
    since = datetime(2025, 3, 14, 11, 0, tzinfo=UTC) + timedelta(hours=0)
    list(client.iter_suppliers(since=since.astimezone(), condition=">"))
    assert api_urls(rsps)[0].startswith(
        f"{BASE}/v1/supplier?lastModifiedDateTime=2025-03-14T11:00:00&lastModifiedDateTimeCondition=%3E&"
    )


def test_date_filter_with_condition(rsps: responses.RequestsMock, client: VismaClient):
    add_token(rsps)
    rsps.get(LIST_URL, json=[])
    from datetime import date

    list(client.iter_supplier_invoices(docDate=date(2025, 3, 1), docDateCondition="<="))
    assert api_urls(rsps) == [
        f"{LIST_URL}?docDate=2025-03-01&docDateCondition=%3C%3D&pageNumber=1&pageSize=500"
    ]


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        ({"staus": "Open"}, "unknown filter"),  # a typo would silently turn a delta into a full pull
        ({"docDate": "2025-03-01"}, "needs docDateCondition"),
        ({"docDateCondition": ">="}, "without docDate"),
        ({"docDate": "2025-03-01", "docDateCondition": "=>"}, "must be one of"),
    ],
)
def test_bad_filters_raise_before_anything_is_sent(
    rsps: responses.RequestsMock, client: VismaClient, filters: dict[str, Any], message: str
):
    with pytest.raises(ValueError, match=message):
        client.iter_supplier_invoices(**filters)
    assert len(rsps.calls) == 0


def test_bad_condition_raises(client: VismaClient):
    with pytest.raises(ValueError, match="condition"):
        client.iter_suppliers(since="2025-01-01", condition="=")


def test_server_page_cap_total_count_drives_the_stop(rsps: responses.RequestsMock, clock: FakeClock):
    # We ask for 1000, the server silently caps at 500: a 500-item page is not the last one.
    client = make_client(clock, page_size=1000)
    add_token(rsps)
    for page in (1, 2, 3):
        count = 500 if page < 3 else 200
        start = (page - 1) * 500
        rsps.get(
            LIST_URL,
            json=[invoice(start + i, total=1200) for i in range(count)],
            match=[responses.matchers.query_param_matcher({"pageNumber": str(page)}, strict_match=False)],
        )
    assert len(list(client.iter_supplier_invoices())) == 1200
    assert [parse_qs(urlsplit(u).query)["pageSize"] for u in api_urls(rsps)] == [["1000"]] * 3
    assert len(api_urls(rsps)) == 3


def test_without_metadata_a_short_page_is_the_last(rsps: responses.RequestsMock, clock: FakeClock):
    client = make_client(clock, page_size=3)
    add_token(rsps)
    rsps.get(
        LIST_URL,
        json=[invoice(i) for i in range(3)],
        match=[responses.matchers.query_param_matcher({"pageNumber": "1"}, strict_match=False)],
    )
    rsps.get(
        LIST_URL,
        json=[invoice(i) for i in range(3, 5)],
        match=[responses.matchers.query_param_matcher({"pageNumber": "2"}, strict_match=False)],
    )
    assert len(list(client.iter_supplier_invoices())) == 5
    assert len(api_urls(rsps)) == 2


def test_without_metadata_a_full_page_then_an_empty_page_stops(
    rsps: responses.RequestsMock, clock: FakeClock
):
    client = make_client(clock, page_size=2)
    add_token(rsps)
    rsps.get(
        LIST_URL,
        json=[invoice(1), invoice(2)],
        match=[responses.matchers.query_param_matcher({"pageNumber": "1"}, strict_match=False)],
    )
    rsps.get(
        LIST_URL,
        json=[],
        match=[responses.matchers.query_param_matcher({"pageNumber": "2"}, strict_match=False)],
    )
    assert len(list(client.iter_supplier_invoices())) == 2
    assert len(api_urls(rsps)) == 2


@pytest.mark.parametrize(
    ("requested", "pages"),
    [
        (500, [[{"metadata": {"totalCount": 1000, "maxPageSize": 500}}] * 500] * 2),  # exact multiple
        (1000, [[{"metadata": {"totalCount": 600, "maxPageSize": 500}}] * 500] * 2),  # capped page size
        (500, [[{"metadata": {"totalCount": 0, "maxPageSize": 500}}]]),  # totalCount reached at once
        (500, [[]]),  # empty page
    ],
)
def test_pager_stop_rule(requested: int, pages: list[list[dict[str, Any]]]):
    # Each case is done exactly after its last page, not before.
    pager = VismaPager(requested)
    for page in pages:
        assert not pager.done
        pager.advance(page)
    assert pager.done


def test_reading_10000_invoices_is_lazy_and_costs_ceil_10000_by_500_pages(
    rsps: responses.RequestsMock, clock: FakeClock
):
    total, cap = 10_000, 500
    client = make_client(clock, page_size=1000)

    def page(request: Any) -> tuple[int, dict[str, str], str]:
        query = parse_qs(urlsplit(request.url).query)
        number, size = int(query["pageNumber"][0]), min(int(query["pageSize"][0]), cap)
        start = (number - 1) * size
        items = [invoice(i, total=total, max_page=cap) for i in range(start, min(start + size, total))]
        return 200, {"X-RateLimit-Limit": "15000", "X-RateLimit-Remaining": "14000"}, json.dumps(items)

    add_token(rsps)
    rsps.add_callback(responses.GET, LIST_URL, callback=page)
    records = client.iter_supplier_invoices()
    assert isinstance(records, types.GeneratorType)
    assert len(rsps.calls) == 0  # nothing is fetched before the first item is asked for
    first = next(records)
    assert first.reference_number == "000000" and isinstance(first.amount, Decimal)
    assert len(rsps.calls) == 2  # token + first page only
    count = 1 + sum(1 for _ in records)
    assert count == total
    assert len(api_urls(rsps)) == math.ceil(total / cap)
    assert [c.request.url for c in rsps.calls].count(TOKEN_URL) == 1


def test_read_ahead_requests_the_next_page_while_this_one_is_consumed_and_no_call_more(
    rsps: responses.RequestsMock, clock: FakeClock
):
    total, size = 1_200, 500
    client = make_client(clock, page_size=size)

    def page(request: Any) -> tuple[int, dict[str, str], str]:
        number = int(parse_qs(urlsplit(request.url).query)["pageNumber"][0])
        start = (number - 1) * size
        items = [invoice(i, total=total, max_page=size) for i in range(start, min(start + size, total))]
        return 200, {}, json.dumps(items)

    add_token(rsps)
    rsps.add_callback(responses.GET, LIST_URL, callback=page)
    records = client.iter_supplier_invoices(read_ahead=True)
    first = next(records)
    deadline = time.monotonic() + 10
    while len(api_urls(rsps)) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    # Page 2 was asked for with 499 records of page 1 still unconsumed; page 3 not yet.
    assert [parse_qs(urlsplit(u).query)["pageNumber"] for u in api_urls(rsps)] == [["1"], ["2"]]
    rest = [i.reference_number for i in records]
    assert [first.reference_number, *rest] == [f"{i:06d}" for i in range(total)]
    assert len(api_urls(rsps)) == math.ceil(total / size)


def test_duplicates_across_pages_keep_the_newest_copy(rsps: responses.RequestsMock, clock: FakeClock):
    client = make_client(clock, page_size=3)
    add_token(rsps)
    # Unstable order: on page 2, record 2 shows up again unchanged (dropped) and record 1 changed (kept).
    rsps.get(
        LIST_URL,
        json=[invoice(1, total=4, stamp=5), invoice(2, total=4), invoice(3, total=4)],
        match=[responses.matchers.query_param_matcher({"pageNumber": "1"}, strict_match=False)],
    )
    rsps.get(
        LIST_URL,
        json=[invoice(2, total=4), invoice(1, total=4, stamp=9), invoice(4, total=4)],
        match=[responses.matchers.query_param_matcher({"pageNumber": "2"}, strict_match=False)],
    )
    seen = [(i.reference_number, i.time_stamp) for i in client.iter_supplier_invoices()]
    assert [n for n, _ in seen] == ["000001", "000002", "000003", "000001", "000004"]
    assert timestamp_rank(seen[3][1]) == 9  # the re-admitted copy is the newer one
    assert len(api_urls(rsps)) == 2


@pytest.mark.parametrize("read_ahead", [False, True])
def test_short_full_pull_is_rerun_once_and_logged(
    rsps: responses.RequestsMock, clock: FakeClock, caplog: pytest.LogCaptureFixture, read_ahead: bool
):
    client = make_client(clock, page_size=2)
    add_token(rsps)
    pages = {
        # run 1: record 2 moved between pages and was missed (3 distinct keys for totalCount 4)
        1: [[invoice(1, total=4), invoice(3, total=4)], [invoice(1, total=4), invoice(2, total=4)]],
        2: [[invoice(3, total=4), invoice(4, total=4)], [invoice(3, total=4), invoice(4, total=4)]],
    }
    calls: dict[int, int] = {1: 0, 2: 0}

    def page(request: Any) -> tuple[int, dict[str, str], str]:
        number = int(parse_qs(urlsplit(request.url).query)["pageNumber"][0])
        run = calls[number]
        calls[number] += 1
        return 200, {}, json.dumps(pages[number][run])

    rsps.add_callback(responses.GET, LIST_URL, callback=page)
    with caplog.at_level("WARNING"):
        numbers = sorted(i.reference_number for i in client.iter_supplier_invoices(read_ahead=read_ahead))
    assert numbers == ["000001", "000002", "000003", "000004"]
    assert len(api_urls(rsps)) == 4
    assert "reading once more" in caplog.text


def test_until_drops_records_changed_after_the_window(rsps: responses.RequestsMock, client: VismaClient):
    add_token(rsps)
    early, late = invoice(1), invoice(2)
    late["lastModifiedDateTime"] = "2025-03-15T00:00:00"
    rsps.get(LIST_URL, json=[early, late])
    kept = list(client.iter_supplier_invoices(since="2025-03-14T00:00:00", until=datetime(2025, 3, 15)))
    assert [i.reference_number for i in kept] == ["000001"]


def test_other_lists_use_their_own_paths_and_whitelists(rsps: responses.RequestsMock, client: VismaClient):
    add_token(rsps)
    for path in ("purchaseorder", "PurchaseReceipt", "subaccount", "supplierPayment", "supplier"):
        rsps.get(f"{BASE}/v1/{path}", json=[])
    list(client.iter_purchase_orders(orderStatus="Open"))
    list(client.iter_purchase_receipts(poOrderNbr="500254"))
    list(client.iter_subaccounts(active=True))
    list(client.iter_supplier_payments(invoiceRefNbr="000123", supplier="50012"))
    list(client.iter_suppliers(vatRegistrationId="NO987654321MVA"))
    assert api_urls(rsps) == [
        f"{BASE}/v1/purchaseorder?orderStatus=Open&pageNumber=1&pageSize=500",
        f"{BASE}/v1/PurchaseReceipt?poOrderNbr=500254&pageNumber=1&pageSize=500",
        f"{BASE}/v1/subaccount?active=true&pageNumber=1&pageSize=500",
        f"{BASE}/v1/supplierPayment?invoiceRefNbr=000123&supplier=50012&pageNumber=1&pageSize=500",
        f"{BASE}/v1/supplier?vatRegistrationId=NO987654321MVA&pageNumber=1&pageSize=500",
    ]


def test_journal_batches_spanning_pages_are_merged(rsps: responses.RequestsMock, clock: FakeClock):
    client = make_client(clock, page_size=2)
    add_token(rsps)
    meta = {"totalCount": 3, "maxPageSize": 2}
    rsps.get(
        f"{BASE}/v2/journaltransaction",
        json=[
            {
                "batchNumber": "B1",
                "metadata": meta,
                "journalTransactionLines": [
                    {"lineNumber": 1, "debitAmount": 10.5},
                    {"lineNumber": 2, "creditAmount": 4.5},
                ],
            },
        ],
        match=[responses.matchers.query_param_matcher({"pageNumber": "1"}, strict_match=False)],
    )
    rsps.get(
        f"{BASE}/v2/journaltransaction",
        json=[
            {
                "batchNumber": "B1",
                "metadata": meta,
                "journalTransactionLines": [{"lineNumber": 3, "creditAmount": 6}],
            },
        ],
        match=[responses.matchers.query_param_matcher({"pageNumber": "2"}, strict_match=False)],
    )
    batches = list(client.iter_journal_transactions(since="2025-03-01T00:00:00", module="AP"))
    assert len(batches) == 1
    assert [line.line_number for line in batches[0].journal_transaction_lines] == [1, 2, 3]
    assert batches[0].journal_transaction_lines[0].debit_amount == Decimal("10.5")
    # "since" semantics: no condition parameter on this endpoint.
    assert api_urls(rsps)[0] == (
        f"{BASE}/v2/journaltransaction?lastModifiedDateTime=2025-03-01T00:00:00&module=AP&pageNumber=1&pageSize=2"
    )


def test_journal_needs_since_or_period(client: VismaClient):
    with pytest.raises(ValueError, match="periodId"):
        client.iter_journal_transactions()


def test_since_watermark_uses_the_configured_overlap(clock: FakeClock):
    client = make_client(clock, delta_overlap_s=300)
    assert client.since_watermark("2025-03-14T09:21:07.513") == "2025-03-14T09:16:07"


def test_overlap_and_delta_windows():
    assert overlap_window("2025-03-14T09:21:07.513") == "2025-03-14T09:11:07"
    assert overlap_window(datetime(2025, 3, 14), timedelta(minutes=30)) == "2025-03-13T23:30:00"
    day = datetime(2025, 3, 14, tzinfo=UTC)
    assert delta_window(day, day + timedelta(days=1)) == ("2025-03-13T23:50:00", "2025-03-15T00:00:00")


def test_deduper_counts_distinct_keys():
    deduper = Deduper(lambda raw: raw["id"])
    admitted = [deduper.admit(r) for r in ({"id": 1}, {"id": 1}, {"id": 2, "timeStamp": "AQ=="})]
    assert admitted == [True, False, True] and deduper.distinct == 2
