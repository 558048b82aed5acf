"""The seeded sandbox company: deterministic, internally consistent, and shaped like the real APIs."""

from __future__ import annotations

import re
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

import pytest

from visma_airbase_pipeline.sandbox.seed import AirbaseSeed, VismaSeed, seed_company

TODAY = date(2026, 11, 1)
WINDOW_START = datetime(2026, 8, 3)  # 90 days before TODAY
WINDOW_END = datetime(2026, 11, 1)
CENT = Decimal("0.01")
TERMS_DAYS = {"10D": 10, "30D": 30, "60D": 60}
VISMA_STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}$")
VISMA_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}T00:00:00$")


@pytest.fixture(scope="module")
def company() -> tuple[VismaSeed, AirbaseSeed]:
    return seed_company(seed=7, invoices=600, today=TODAY)


@pytest.fixture(scope="module")
def visma(company: tuple[VismaSeed, AirbaseSeed]) -> VismaSeed:
    return company[0]


@pytest.fixture(scope="module")
def airbase(company: tuple[VismaSeed, AirbaseSeed]) -> AirbaseSeed:
    return company[1]


def _walk(node: Any, key: str = "") -> Iterator[tuple[str, Any]]:
    """Every (key, value) pair in a nested structure, lists flattened under their parent key."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield k, v
            yield from _walk(v, k)
    elif isinstance(node, list):
        for item in node:
            yield from _walk(item, key)


def _visma_collections(visma: VismaSeed) -> dict[str, list[dict[str, Any]]]:
    return {
        "accounts": visma.accounts,
        "dimensions": visma.dimensions,
        "subaccounts": visma.subaccounts,
        "vat_codes": visma.vat_codes,
        "warehouses": visma.warehouses,
        "suppliers": visma.suppliers,
        "purchase_orders": visma.purchase_orders,
        "purchase_receipts": visma.purchase_receipts,
        "supplier_invoices": visma.supplier_invoices,
    }


def _luhn_valid(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 == 1 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def _iban_valid(iban: str) -> bool:
    rearranged = iban[4:] + iban[:4]
    return int("".join(str(int(ch, 36)) for ch in rearranged)) % 97 == 1


# ----- determinism --------------------------------------------------------------------------------


def test_same_arguments_give_identical_output(company: tuple[VismaSeed, AirbaseSeed]) -> None:
    again = seed_company(seed=7, invoices=600, today=TODAY)
    assert again == company
    assert repr(again) == repr(company), "same Decimal exponents and key order too"


def test_another_seed_gives_another_company(visma: VismaSeed, airbase: AirbaseSeed) -> None:
    other_visma, other_airbase = seed_company(seed=8, invoices=600, today=TODAY)
    assert other_visma.supplier_invoices != visma.supplier_invoices
    assert [s["name"] for s in other_visma.suppliers] != [s["name"] for s in visma.suppliers]
    assert other_airbase.subsidiaries[0]["airbase_id"] != airbase.subsidiaries[0]["airbase_id"]


def test_global_rng_is_left_alone() -> None:
    import random

    random.seed(1234)
    expected = random.random()
    random.seed(1234)
    seed_company(seed=1, invoices=50, today=TODAY)
    assert random.random() == expected


def test_default_today_is_the_utc_date() -> None:
    # Without ``today`` the window ends at today's UTC midnight: nothing is stamped in the future.
    today = datetime.now(UTC).date()
    visma, _ = seed_company(seed=1, invoices=20)
    assert seed_company(seed=1, invoices=20, today=today)[0] == visma
    midnight = datetime(today.year, today.month, today.day)
    stamps = [datetime.fromisoformat(i["lastModifiedDateTime"]) for i in visma.supplier_invoices]
    assert midnight - timedelta(days=90) <= min(stamps) and max(stamps) < midnight


# ----- money ---------------------------------------------------------------------------------------


def test_no_float_anywhere(visma: VismaSeed, airbase: AirbaseSeed) -> None:
    for records in [*_visma_collections(visma).values(), *vars(airbase).values()]:
        for key, value in _walk(records):
            assert not isinstance(value, float), key


def test_invoice_amount_is_lines_plus_vat(visma: VismaSeed) -> None:
    rates = {v["id"]: v["rate"] for v in visma.vat_codes}
    for invoice in visma.supplier_invoices:
        lines = invoice["invoiceLines"]
        assert 1 <= len(lines) <= 4
        for line in lines:
            assert line["cost"] == (line["quantity"] * line["unitCost"]).quantize(CENT, ROUND_HALF_EVEN)
        vat = sum(
            ((line["cost"] * rates[line["vatCode"]["id"]]).quantize(CENT) for line in lines), Decimal(0)
        )
        assert invoice["vatTotal"] == vat
        assert invoice["amount"] == sum(line["cost"] for line in lines) + invoice["vatTotal"]
        assert invoice["amount"] > 0, "credit notes are positive as Visma reads them"


def test_money_has_two_places(visma: VismaSeed) -> None:
    for invoice in visma.supplier_invoices:
        for value in (invoice["amount"], invoice["balance"], invoice["vatTotal"]):
            assert isinstance(value, Decimal) and value.as_tuple().exponent == -2
        for line in invoice["invoiceLines"]:
            assert line["cost"].as_tuple().exponent == -2 and line["unitCost"].as_tuple().exponent == -2
    for order in visma.purchase_orders:
        assert order["orderTotal"] == sum(line["amount"] for line in order["lines"])
        for line in order["lines"]:
            assert line["amount"] == line["orderQty"] * line["unitCost"]


def test_exchange_rates_follow_currency(visma: VismaSeed) -> None:
    for invoice in visma.supplier_invoices:
        rate = invoice["exchangeRate"]
        assert isinstance(rate, Decimal)
        if invoice["currencyId"] == "SEK":
            assert rate == 1
        elif invoice["currencyId"] == "EUR":
            assert Decimal("10.5") < rate < Decimal("12.5")
        else:
            assert Decimal("9.5") < rate < Decimal("11.5")


# ----- referential integrity ---------------------------------------------------------------------


def test_invoice_references_exist_and_are_active(visma: VismaSeed) -> None:
    suppliers = {s["number"]: s for s in visma.suppliers}
    accounts = {a["accountCD"]: a for a in visma.accounts}
    subaccounts = {s["subaccountNumber"]: s for s in visma.subaccounts}
    vat_codes = {v["id"]: v for v in visma.vat_codes}
    for invoice in visma.supplier_invoices:
        supplier = suppliers[invoice["supplier"]["number"]]
        assert supplier["status"] == "Active"
        assert invoice["supplier"]["name"] == supplier["name"]
        assert invoice["currencyId"] == supplier["currencyId"]
        assert invoice["creditTerms"]["id"] == supplier["creditTerms"]["id"]
        for line in invoice["invoiceLines"]:
            account = accounts[line["account"]["number"]]
            assert account["active"] and account["type"] == "Expense"
            assert line["account"]["description"] == account["description"]
            subaccount = subaccounts[line["subaccount"]["subaccountNumber"]]
            assert subaccount["active"]
            assert line["subaccount"]["segments"] == subaccount["segments"]
            assert vat_codes[line["vatCode"]["id"]]["active"]


def test_purchase_order_references_exist(visma: VismaSeed) -> None:
    suppliers = {s["number"]: s for s in visma.suppliers}
    accounts = {a["accountCD"]: a for a in visma.accounts}
    subaccounts = {s["subaccountNumber"]: s for s in visma.subaccounts}
    warehouses = {w["warehouseID"] for w in visma.warehouses}
    for order in visma.purchase_orders:
        supplier = suppliers[order["supplier"]["number"]]
        assert supplier["status"] == "Active" and order["currency"] == supplier["currencyId"]
        for line in order["lines"]:
            assert line["warehouse"]["id"] in warehouses
            assert accounts[line["account"]["number"]]["active"]
            assert subaccounts[line["subaccount"]["subaccountNumber"]]["active"]


def test_po_linked_invoice_lines_match_their_order(visma: VismaSeed) -> None:
    orders = {o["orderNbr"]: o for o in visma.purchase_orders}
    invoiced: Counter[tuple[str, int]] = Counter()
    linked = 0
    for invoice in visma.supplier_invoices:
        po_lines = [line for line in invoice["invoiceLines"] if "poNumber" in line]
        linked += bool(po_lines)
        for line in po_lines:
            order = orders[line["poNumber"]]
            assert order["supplier"]["number"] == invoice["supplier"]["number"]
            po_line = order["lines"][line["poLineNumber"] - 1]
            assert po_line["lineNbr"] == line["poLineNumber"]
            assert line["account"]["number"] == po_line["account"]["number"]
            assert line["unitCost"] == po_line["unitCost"]
            assert invoice["date"] >= order["date"]
            invoiced[line["poNumber"], line["poLineNumber"]] += line["quantity"]
    for (number, line_nbr), qty in invoiced.items():
        assert qty <= orders[number]["lines"][line_nbr - 1]["qtyOnReceipts"], "never bill more than received"
    assert 0.3 < linked / len(visma.supplier_invoices) < 0.5


# ----- purchasing invariants -----------------------------------------------------------------------


def test_receipts_never_exceed_ordered_quantity(visma: VismaSeed) -> None:
    orders = {o["orderNbr"]: o for o in visma.purchase_orders}
    received: Counter[tuple[str, int]] = Counter()
    for receipt in visma.purchase_receipts:
        assert receipt["totalQty"] == sum(line["receiptQty"] for line in receipt["lines"])
        for line in receipt["lines"]:
            order = orders[line["poOrderNbr"]]
            assert order["supplier"]["number"] == receipt["supplier"]["number"]
            assert (
                line["inventory"]["number"]
                == order["lines"][line["poOrderLineNbr"] - 1]["inventory"]["number"]
            )
            assert line["receiptQty"] > 0
            received[line["poOrderNbr"], line["poOrderLineNbr"]] += line["receiptQty"]
    for (number, line_nbr), qty in received.items():
        assert qty <= orders[number]["lines"][line_nbr - 1]["orderQty"]


def test_qty_on_receipts_counts_released_receipts_only(visma: VismaSeed) -> None:
    released: Counter[tuple[str, int]] = Counter()
    for receipt in visma.purchase_receipts:
        if receipt["status"] == "Released":
            for line in receipt["lines"]:
                released[line["poOrderNbr"], line["poOrderLineNbr"]] += line["receiptQty"]
    for order in visma.purchase_orders:
        for line in order["lines"]:
            assert line["qtyOnReceipts"] == released[order["orderNbr"], line["lineNbr"]]
            assert line["completed"] == (line["qtyOnReceipts"] == line["orderQty"])
        if order["status"] == "Closed":
            assert all(line["completed"] for line in order["lines"])


def test_orders_list_their_receipts(visma: VismaSeed) -> None:
    by_order: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for receipt in visma.purchase_receipts:
        for line in receipt["lines"]:
            by_order[line["poOrderNbr"]].add((receipt["receiptNbr"], receipt["status"]))
    for order in visma.purchase_orders:
        listed = {(r["receiptNumber"], r["status"]) for r in order["purchaseReceipts"]}
        assert listed == by_order.get(order["orderNbr"], set())
        if order["status"] == "Hold":
            assert not order["purchaseReceipts"]


def test_receipt_mix_has_partial_and_unreleased(visma: VismaSeed) -> None:
    statuses = Counter(r["status"] for r in visma.purchase_receipts)
    assert statuses["Released"] > statuses["Balanced"] + statuses["Hold"] > 0
    partial = [
        line
        for o in visma.purchase_orders
        for line in o["lines"]
        if 0 < line["qtyOnReceipts"] < line["orderQty"]
    ]
    assert partial
    assert {len(o["purchaseReceipts"]) for o in visma.purchase_orders} >= {0, 1, 2}
    warehouses = {line["warehouse"]["id"] for o in visma.purchase_orders for line in o["lines"]}
    assert warehouses == {"GBG", "MMO", "STO"}


# ----- numbering and document mix ----------------------------------------------------------------


def test_reference_numbers_are_unique_and_padded(visma: VismaSeed) -> None:
    numbers = [i["referenceNumber"] for i in visma.supplier_invoices]
    assert len(set(numbers)) == len(numbers) == 600
    assert all(re.fullmatch(r"\d{6,}", n) for n in numbers)
    for kind, key in (("purchase_orders", "orderNbr"), ("purchase_receipts", "receiptNbr")):
        values = [r[key] for r in getattr(visma, kind)]
        assert len(set(values)) == len(values) and all(re.fullmatch(r"\d{6,}", v) for v in values)


def test_supplier_reference_is_unique_per_supplier(visma: VismaSeed) -> None:
    pairs = [(i["supplier"]["number"], i["supplierReference"]) for i in visma.supplier_invoices]
    assert len(set(pairs)) == len(pairs)
    assert all(ref for _, ref in pairs)


def test_document_types_and_statuses(visma: VismaSeed) -> None:
    invoices = visma.supplier_invoices
    types = Counter(i["documentType"] for i in invoices)
    assert set(types) == {"Invoice", "CreditAdj", "Prepayment"}
    assert types["Invoice"] > 0.85 * len(invoices)
    statuses = Counter(i["status"] for i in invoices)
    assert set(statuses) == {"Open", "Balanced", "Hold", "Voided"}
    assert statuses["Open"] > 0.7 * len(invoices)
    for invoice in invoices:
        assert invoice["hold"] == (invoice["status"] == "Hold")
        assert invoice["released"] == (invoice["status"] in ("Open", "Voided"))
        expected_balance = Decimal("0.00") if invoice["status"] == "Voided" else invoice["amount"]
        assert invoice["balance"] == expected_balance
        assert invoice["financialPeriod"] == invoice["date"][:4] + invoice["date"][5:7]


# ----- dates -----------------------------------------------------------------------------------------


def test_all_dates_lie_in_the_90_days_before_today(visma: VismaSeed) -> None:
    checked = 0
    for name, records in _visma_collections(visma).items():
        for record in records:
            assert "createdDateTime" in record and "lastModifiedDateTime" in record, name
            for key, value in _walk(record):
                if key in ("createdDateTime", "lastModifiedDateTime"):
                    assert VISMA_STAMP.match(value), value
                elif key == "date":
                    assert VISMA_DATE.match(value), value
                else:
                    continue
                assert WINDOW_START <= datetime.fromisoformat(value) < WINDOW_END, (name, key, value)
                checked += 1
            assert record["lastModifiedDateTime"] >= record["createdDateTime"], name
    assert checked > 3 * len(visma.supplier_invoices)


def test_due_date_follows_credit_terms(visma: VismaSeed) -> None:
    for invoice in visma.supplier_invoices:
        due = datetime.fromisoformat(invoice["dueDate"]) - datetime.fromisoformat(invoice["date"])
        assert due == timedelta(days=TERMS_DAYS[invoice["creditTerms"]["id"]])


def test_server_fields_are_left_to_the_store(visma: VismaSeed) -> None:
    for records in _visma_collections(visma).values():
        for key, _ in _walk(records):
            assert key not in ("timeStamp", "metadata")


# ----- volume and reference data -----------------------------------------------------------------


def test_volume_scales_suppliers_and_orders() -> None:
    visma, _ = seed_company(seed=3, invoices=2000, today=TODAY)
    assert len(visma.supplier_invoices) == 2000
    assert len(visma.suppliers) >= 50
    assert len(visma.purchase_orders) == 2000 // 3


def test_currencies_and_suppliers(visma: VismaSeed) -> None:
    currencies = Counter(s["currencyId"] for s in visma.suppliers)
    assert set(currencies) == {"SEK", "EUR", "USD"}
    assert 0.5 < currencies["SEK"] / len(visma.suppliers) < 0.7
    assert {i["currencyId"] for i in visma.supplier_invoices} == {"SEK", "EUR", "USD"}
    assert {s["status"] for s in visma.suppliers} == {"Active", "Inactive", "OnHold"}
    numbers = [s["number"] for s in visma.suppliers]
    assert numbers[0] == "70001" and len(set(numbers)) == len(numbers)
    names = [s["name"] for s in visma.suppliers]
    assert len(set(names)) == len(names)
    assert any(ch in "åäöÅÄÖ" for name in names for ch in name)
    assert any(ord(ch) > 0x4E00 for name in names for ch in name), "a name in Chinese characters"


def test_supplier_registration_numbers_are_valid(visma: VismaSeed) -> None:
    for supplier in visma.suppliers:
        country = supplier["mainAddress"]["country"]["id"]
        details = {
            d["paymentMethodDetailDescription"]: d["paymentMethodDetailValue"]
            for d in supplier["supplierPaymentMethodDetails"]
        }
        if country == "SE":
            assert re.fullmatch(r"55\d{4}-\d{4}", supplier["corporateId"])
            digits = supplier["corporateId"].replace("-", "")
            assert _luhn_valid(digits)
            assert supplier["vatRegistrationId"] == f"SE{digits}01"
            assert supplier["paymentMethod"]["id"] == "BG" and re.fullmatch(
                r"\d{3,4}-\d{4}", details["Bankgironummer"]
            )
        else:
            assert supplier["paymentMethod"]["id"] == "SWIFT" and "BIC/SWIFT" in details
            if "IBAN" in details:
                assert details["IBAN"].startswith(country) and _iban_valid(details["IBAN"])


def test_chart_of_accounts_and_cost_centres(visma: VismaSeed) -> None:
    accounts = {a["accountCD"]: a for a in visma.accounts}
    assert 35 <= len(accounts) == len(visma.accounts) <= 50
    assert {a["type"] for a in visma.accounts} == {"Asset", "Liability", "Income", "Expense"}
    assert 1 <= sum(not a["active"] for a in visma.accounts) <= 2
    assert accounts["2440"]["description"] == "Leverantörsskulder"
    assert accounts["6540"]["description"] == "IT-tjänster"
    (dimension,) = visma.dimensions
    assert dimension["dimensionId"] == "SUBACCOUNT"
    (segment,) = dimension["segments"]
    values = {v["valueId"]: v for v in segment["segmentValues"]}
    assert len(values) >= 8 and sum(not v["active"] for v in values.values()) == 1
    assert {s["subaccountNumber"]: s["active"] for s in visma.subaccounts} == {
        k: v["active"] for k, v in values.items()
    }


def test_vat_codes_and_warehouses(visma: VismaSeed) -> None:
    vat = {v["id"]: v for v in visma.vat_codes}
    assert set(vat) == {"MP1", "MP2", "MP3", "MF", "EUI"}
    assert vat["MP1"]["rate"] == Decimal("0.25") and vat["MP1"]["account"] == "2640"
    assert vat["MP2"]["rate"] == Decimal("0.12") and vat["MP3"]["rate"] == Decimal("0.06")
    assert vat["MF"]["rate"] == 0 and vat["EUI"]["rate"] == 0 and vat["EUI"]["reverseCharge"]
    assert [w["warehouseID"] for w in visma.warehouses] == ["GBG", "MMO", "STO"]
    assert visma.company_id == "1000001" and visma.base_currency == "SEK"


# ----- Airbase -------------------------------------------------------------------------------------


def test_airbase_currencies_include_the_blank_duplicate(airbase: AirbaseSeed) -> None:
    rows = [(c["iso_code"], c["erp_reference_id"]) for c in airbase.currencies]
    assert ("EUR", "EUR") in rows and ("EUR", "") in rows
    assert {iso for iso, _ in rows} == {"SEK", "EUR", "USD"}
    (subsidiary,) = airbase.subsidiaries
    assert subsidiary["erp_reference_id"] == "1" and subsidiary["erp_currency_reference_id"] == "SEK"


def test_airbase_records_created_in_airbase_have_no_erp_id(airbase: AirbaseSeed) -> None:
    assert len(airbase.vendors) == 3
    assert sorted(str(v["erp_reference_id"]) for v in airbase.vendors) == ["", "", "None"]
    assert all(v["created_in_airbase"] and v["is_active"] and "@" in v["email"] for v in airbase.vendors)
    (tag,) = airbase.tags
    assert tag["type"] == "cost_center" and tag["created_in_airbase"] and not tag["erp_reference_id"]
    assert len(airbase.employees) == 5 and all(e["erp_reference_id"] is None for e in airbase.employees)


def test_airbase_ids_are_deterministic_uuid4(airbase: AirbaseSeed) -> None:
    records = [
        *airbase.subsidiaries,
        *airbase.currencies,
        *airbase.vendors,
        *airbase.tags,
        *airbase.employees,
    ]
    records += airbase.ledger_entries
    ids = [r["airbase_id"] for r in records]
    assert len(set(ids)) == len(ids)
    for record in records:
        assert record["id"] == record["airbase_id"] and uuid.UUID(record["airbase_id"]).version == 4


def test_airbase_ledger_entries_carry_the_seed_quirks(airbase: AirbaseSeed) -> None:
    entries = airbase.ledger_entries
    assert {e["type"] for e in entries} == {"card_transaction", "reimbursement", "fee"}
    assert all(e["status"] == "sync_ready" for e in entries)
    totals = [e["total_amount"] for e in entries]
    assert all(isinstance(t, str) and Decimal(t) > 0 for t in totals)
    assert {"75", "12.5", "1250.00"} <= set(totals), "uneven decimal strings"
    for entry in entries:
        assert set(entry) >= {
            "id",
            "airbase_id",
            "erp_reference_id",
            "type",
            "status",
            "error_message",
            "subsidiary",
            "vendor",
            "entry_date",
            "currency",
            "total_amount",
            "expense_list",
            "amounts",
            "applied_to",
        }
        stamp = datetime.fromisoformat(entry["entry_date"])
        assert stamp.tzinfo is None and WINDOW_START <= stamp < WINDOW_END
        assert sum(Decimal(x["amount"]) for x in entry["expense_list"]) == Decimal(entry["total_amount"])
        assert entry["amounts"]["amount"] == entry["amounts"]["transaction_amount"]
        assert entry["amounts"]["subsidiary_amount"]["currency"]["iso_code"] == "SEK"
