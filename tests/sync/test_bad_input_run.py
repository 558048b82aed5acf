"""Issue 8 through a Dagster run: bad supplier invoices planted in the Visma sandbox among good ones.
The run succeeds, every good invoice gets its bill, every bad one is quarantined with its reason and
has nothing in Airbase, and a second run adds no quarantine rows and writes no bills."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import dagster as dg
import pytest
import requests
import simplejson

from visma_airbase_pipeline import cli
from visma_airbase_pipeline.defs.inprocess import run_sync
from visma_airbase_pipeline.ledger import LedgerStore

pytestmark = pytest.mark.integration

_READ_ONLY = ("referenceNumber", "createdDateTime", "lastModifiedDateTime", "timeStamp", "balance")

# name: (changes to a good invoice, words its quarantine reason must contain)
BAD: dict[str, tuple[dict[str, Any], str]] = {
    "hold-maybe": ({"hold": "maybe"}, "hold 'maybe' should be true or false"),
    "description-list": ({"description": ["Frakt"]}, "description (a list) should be text"),
    "amount-1e30": ({"amount": Decimal("1E+30")}, "the invoice amount 1E+30 is too large"),
    "amount-3-decimals": ({"amount": "AMOUNT+0.005"}, "has more decimals than SEK allows (2)"),
    "date-feb-30": ({"date": "2026-02-30T00:00:00"}, "day is out of range for month"),
    "line-number-text": ({"invoiceLines": "LINE-NUMBER-ONE"}, "lineNumber 'one' should be a whole number"),
    "description-nul": ({"description": "Frakt\x00"}, "the description contains a control character"),
    "currency-script": ({"currencyId": "<script>"}, "which is not a three-letter ISO code"),
    "supplier-sql": ({"supplier": {"number": "'; DROP TABLE vab_crosswalk; --"}}, "has no vendor in Airbase"),
    "due-year-9999": ({"dueDate": "9999-12-31T00:00:00"}, "the due date 9999-12-31 is out of range"),
}


def _get(url: str, collection: str) -> list[dict[str, Any]]:
    response = requests.get(f"{url}/_sandbox/state/{collection}", timeout=60)
    response.raise_for_status()
    return list(simplejson.loads(response.content, use_decimal=True))


def _plant(visma_url: str, body: dict[str, Any]) -> str:
    response = requests.post(
        f"{visma_url}/_sandbox/records/supplierInvoice",
        data=simplejson.dumps(body, use_decimal=True),
        headers={"Content-Type": "application/json"},
        timeout=30,
    )
    assert response.status_code == 201, response.text
    stored = simplejson.loads(response.content, use_decimal=True)
    return f"{stored['documentType']}/{stored['referenceNumber']}"


def _good_invoice(visma_url: str) -> dict[str, Any]:
    seeded = next(
        i
        for i in _get(visma_url, "supplierInvoice")
        if i["status"] == "Open" and i["documentType"] == "Invoice" and i["currencyId"] == "SEK"
    )
    today = datetime.now(UTC).date()
    body = {k: v for k, v in copy.deepcopy(seeded).items() if k not in _READ_ONLY}
    body.update(date=f"{today}T00:00:00", dueDate=f"{today + timedelta(days=30)}T00:00:00")
    return body


def _run(first: Any, last: Any) -> Any:
    outcome = run_sync(first, last, instance=dg.DagsterInstance.ephemeral())
    assert outcome.success, outcome
    return outcome


def test_bad_invoices_are_quarantined_and_the_run_goes_on(sandbox_env, capsys):
    visma_url, airbase_url = sandbox_env.visma_url, sandbox_env.airbase_url
    template = _good_invoice(visma_url)
    good = [_plant(visma_url, {**template, "supplierReference": f"F-GOOD-{n}"}) for n in range(3)]
    bad: dict[str, str] = {}
    for name, (changes, words) in BAD.items():
        body = {**copy.deepcopy(template), "supplierReference": f"F-BAD-{name}"}
        for field, value in changes.items():
            if value == "AMOUNT+0.005":
                value = template["amount"] + Decimal("0.005")
            elif value == "LINE-NUMBER-ONE":
                value = [{**line, "lineNumber": "one"} for line in template["invoiceLines"]]
            body[field] = value
        bad[_plant(visma_url, body)] = words
    # The sandbox keeps what was planted, as planted (permissive, short of types that break its API).
    planted = {f"{i['documentType']}/{i['referenceNumber']}": i for i in _get(visma_url, "supplierInvoice")}
    by_reason = {words: planted[key] for key, words in bad.items()}
    assert by_reason[BAD["hold-maybe"][1]]["hold"] == "maybe"
    assert by_reason[BAD["date-feb-30"][1]]["date"] == "2026-02-30T00:00:00"
    assert by_reason[BAD["amount-1e30"][1]]["amount"] == Decimal("1E+30")
    assert by_reason[BAD["description-nul"][1]]["description"] == "Frakt\x00"

    today = datetime.now(UTC).date()
    first = today - timedelta(days=91)
    outcome = _run(first, today)
    bills_asset = next(a for a in outcome.assets if a.key == "airbase/bills")
    assert bills_asset.counts["quarantined"] == len(bad)

    bills = {b["erp_reference_id"]: b for b in _get(airbase_url, "bills")}
    for key in good:
        assert key in bills and Decimal(bills[key]["total_amount"]) == template["amount"]
    billable = {
        key
        for key, i in planted.items()
        if i["documentType"] in ("Invoice", "CreditAdj", "DebitAdj")
        and i["status"] not in ("Voided", "Closed")
    }
    assert set(bills) == billable - set(bad)  # every good invoice, and nothing of a bad one

    store = LedgerStore()
    kept = {item.record_key: item for item in store.quarantined()}
    assert set(kept) == set(bad), {k: v.error for k, v in kept.items()}
    for key, words in bad.items():
        assert kept[key].kind == "bill" and words in kept[key].error, kept[key].error
        assert kept[key].payload["supplierReference"].startswith("F-BAD-")
    assert cli.main(["quarantine", "list", "--kind", "bill"]) == 0
    listing = capsys.readouterr().out
    assert all(key in listing for key in bad) and "should be true or false" in listing

    # Again: nothing written, no new quarantine rows (the same items, seen once more).
    bills_before = _get(airbase_url, "bills")
    again = _run(first, today)
    assert next(a for a in again.assets if a.key == "airbase/bills").counts["created"] == 0
    assert _get(airbase_url, "bills") == bills_before
    after = store.quarantined(include_resolved=True)
    assert sorted(i.id for i in after) == sorted(i.id for i in kept.values())
    assert {i.record_key: i.error for i in after} == {k: v.error for k, v in kept.items()}
    store.close()
