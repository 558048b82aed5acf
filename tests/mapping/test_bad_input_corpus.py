"""Bad-input corpus for the pure mappings (issue 8): Visma records as JSON, broken in the ways real
data breaks (wrong types, huge numbers, unicode, injection strings, negative and 3-decimal amounts,
impossible dates, missing fields). Each one must be refused with ``MappingError`` whose reason names
the field in words a finance person follows; never a KeyError, TypeError, InvalidOperation or
ValueError. Text that is merely unusual (quotes, markup, right-to-left, emoji) is data: it passes
through unchanged and is stored safely."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import inspect

from visma_airbase_pipeline.ledger import CrosswalkRow, LedgerStore, schema
from visma_airbase_pipeline.mapping import MappingError, Skip
from visma_airbase_pipeline.mapping.bills import BillReferences, invoice_to_bill
from visma_airbase_pipeline.mapping.purchase_orders import order_to_airbase
from visma_airbase_pipeline.mapping.records import read_record
from visma_airbase_pipeline.mapping.reference import Company, account_to_airbase, segment_value_to_tag
from visma_airbase_pipeline.mapping.vendors import supplier_to_vendor
from visma_airbase_pipeline.sandbox.seed import seed_company
from visma_airbase_pipeline.visma.documents import PurchaseOrder, PurchaseReceipt, SupplierInvoice
from visma_airbase_pipeline.visma.models import Account, SegmentValue, Supplier

COMPANY = Company()
VISMA, _ = seed_company(seed=3, invoices=60, today=date(2026, 11, 1))
REFS = BillReferences(
    vendors={s["number"] for s in VISMA.suppliers},
    accounts={a["accountCD"] for a in VISMA.accounts if a["active"]},
    cost_centers={s["subaccountNumber"] for s in VISMA.subaccounts if s["active"]},
    currencies={"SEK", "EUR", "USD"},
)
INVOICE = next(
    r
    for r in VISMA.supplier_invoices
    if r["documentType"] == "Invoice"
    and r["status"] in ("Open", "Hold")
    and r["currencyId"] == "SEK"
    and len(r["invoiceLines"]) >= 2
)
SUPPLIER = next(s for s in VISMA.suppliers if s["status"] == "Active")
ORDER = next(o for o in VISMA.purchase_orders if any(r["lines"] for r in VISMA.purchase_receipts))
RECEIPT = next(r for r in VISMA.purchase_receipts if r["lines"][0]["poOrderNbr"] == ORDER["orderNbr"])
ACCOUNT = next(a for a in VISMA.accounts if a["active"])
SEGMENT_VALUE = {"valueId": "400", "description": "Logistik", "active": True}

INJECTIONS = (
    "'; DROP TABLE vab_crosswalk; --",
    "O'Brien; DROP",
    "<script>alert('x')</script>",
    "{{7*7}}",
    "${jndi:ldap://x}",
    "../../etc/passwd",
    'Robert"); DELETE FROM vab_quarantine WHERE ("1"="1',
)
UNICODE = (
    "شركة النقل\u200f",  # right-to-left with a right-to-left mark
    "\u202eevil\u202c AB",  # right-to-left override
    "Café ☕ Frakt 🚢 AB",
    "👩\u200d💻 Kod\u200bverkstan",  # zero-width joiner and zero-width space
    "Ångström Örebro Åkeri",
    "A" * 500,
)


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """A mutation setting ``a.b.0.c`` in the raw record (``...`` deletes it)."""

    def change(raw: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = raw
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        if value is ...:
            del node[int(last) if isinstance(node, list) else last]
        elif isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value

    return change


def _both(*changes: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any]], None]:
    def change(raw: dict[str, Any]) -> None:
        for one in changes:
            one(raw)

    return change


# name: (mutation of a good invoice, words the reason must contain)
INVOICE_CASES: dict[str, tuple[Callable[[dict[str, Any]], None], str]] = {
    # wrong types
    "amount-text": (_set("amount", "twelve"), "amount 'twelve' is not a number"),
    "amount-comma-decimal": (_set("amount", "15678,68"), "amount '15678,68' is not a number"),
    "amount-null": (_set("amount", None), "the invoice amount is missing"),
    "amount-list": (_set("amount", [1, 2]), "amount (a list) is not a number"),
    "amount-object": (_set("amount", {"value": "1.00"}), "amount (an object) is not a number"),
    "amount-bool": (_set("amount", True), "amount True is not a number"),
    "lines-object": (_set("invoiceLines", {"1": {}}), "invoiceLines (an object) should be a list"),
    "lines-null-item": (_set("invoiceLines.0", None), "invoiceLines → line 1 (empty) should be an object"),
    "lines-text-item": (_set("invoiceLines.1", "x"), "invoiceLines → line 2 'x' should be an object"),
    "line-number-text": (
        _set("invoiceLines.0.lineNumber", "one"),
        "lineNumber 'one' should be a whole number",
    ),
    "line-cost-text": (_set("invoiceLines.0.cost", "8 577,20"), "invoiceLines → line 1 → cost"),
    "supplier-text": (_set("supplier", "70018"), "supplier '70018' should be an object"),
    "supplier-list": (_set("supplier", ["70018"]), "supplier (a list) should be an object"),
    "reference-object": (_set("referenceNumber", {"n": 1}), "referenceNumber (an object) should be text"),
    "hold-maybe": (_set("hold", "maybe"), "hold 'maybe' should be true or false"),
    "date-number": (_set("date", 20260815), "date 20260815 is not valid (a number is not a date)"),
    "vat-text": (_set("vatTotal", "moms"), "vatTotal 'moms' is not a number"),
    # huge and non-finite numbers
    "amount-1e30": (_set("amount", Decimal("1e30")), "the invoice amount 1E+30 is too large"),
    "amount-10^40": (_set("amount", "1" + "0" * 40), "is too large (more than 15 digits"),
    "amount-nan": (_set("amount", "NaN"), "amount 'NaN' is not a finite number"),
    "amount-infinity": (_set("amount", "Infinity"), "amount 'Infinity' is not a finite number"),
    "amount-minus-infinity": (_set("amount", "-Infinity"), "is not a finite number"),
    "amount-tiny": (_set("amount", "1e-30"), "has more decimals than SEK allows (2)"),
    "line-cost-1e30": (_set("invoiceLines.0.cost", "1e30"), "line 1 amount 1E+30 is too large"),
    "vat-1e30": (_set("vatTotal", "1e30"), "the VAT total (vatTotal) 1E+30 is too large"),
    # negative and 3-decimal amounts
    "amount-negative": (_set("amount", "-15678.68"), "the invoice amount -15678.68 is not positive"),
    "amount-zero": (_set("amount", "0.00"), "the invoice amount 0.00 is not positive"),
    "vat-negative": (_set("vatTotal", "-2243.70"), "plus VAT -2243.70"),
    "amount-3-decimals-sek": (_set("amount", "15678.685"), "15678.685 has more decimals than SEK allows (2)"),
    "amount-3-decimals-eur": (
        _both(_set("currencyId", "EUR"), _set("amount", "15678.681")),
        "15678.681 has more decimals than EUR allows (2)",
    ),
    "amount-3-decimals-usd": (
        _both(_set("currencyId", "usd"), _set("amount", "15678.001")),
        "has more decimals than USD allows (2)",
    ),
    "line-3-decimals": (_set("invoiceLines.0.cost", "8577.205"), "line 1 amount 8577.205 has more decimals"),
    "vat-3-decimals": (_set("vatTotal", "2243.705"), "vatTotal) 2243.705 has more decimals"),
    # dates out of range and impossible dates
    "date-year-1": (_set("date", "0001-01-01T00:00:00"), "the invoice date 0001-01-01 is out of range"),
    "due-year-9999": (_set("dueDate", "9999-12-31T00:00:00"), "the due date 9999-12-31 is out of range"),
    "date-feb-30": (_set("date", "2026-02-30T00:00:00"), "day is out of range for month"),
    "date-month-13": (_set("date", "2026-13-01T00:00:00"), "date '2026-13-01T00:00:00' is not valid"),
    "date-words": (_set("date", "yesterday"), "date 'yesterday' is not valid"),
    "due-before-date": (_set("dueDate", "2020-01-01T00:00:00"), "due date 2020-01-01 is before"),
    # unicode that is not text, and injection strings where codes belong
    "document-type-nul": (_set("documentType", "Inv\x00oice"), "documentType contains a control character"),
    "description-nul": (
        _set("description", "Frakt\x00"),
        "the description contains a control character (U+0000)",
    ),
    "supplier-reference-escape": (
        _set("supplierReference", "F-1\x1b[31m"),
        "supplierReference contains a control character (U+001B)",
    ),
    "line-description-bell": (_set("invoiceLines.1.transactionDescription", "\x07"), "line 2 description"),
    "currency-zero-width": (_set("currencyId", "SEK\u200b"), "which is not a three-letter ISO code"),
    "currency-emoji": (_set("currencyId", "💶"), "which is not a three-letter ISO code"),
    "currency-script": (_set("currencyId", "<script>"), "which is not a three-letter ISO code"),
    "currency-not-set-up": (_set("currencyId", "GBP"), "currency GBP is not set up in Airbase"),
    "supplier-sql": (_set("supplier.number", INJECTIONS[0]), f"supplier {INJECTIONS[0]} has no vendor"),
    "account-path": (
        _set("invoiceLines.0.account.number", "../../etc/passwd"),
        "GL account ../../etc/passwd",
    ),
    "document-type-template": (_set("documentType", "{{7*7}}"), "unsupported document type '{{7*7}}'"),
    # missing required fields
    "no-document-type": (_set("documentType", ...), "no documentType or referenceNumber"),
    "no-reference-number": (_set("referenceNumber", None), "no documentType or referenceNumber"),
    "no-supplier": (_set("supplier", ...), "the invoice has no supplier"),
    "no-currency": (_set("currencyId", ""), "has no currency"),
    "no-date": (_set("date", None), "the invoice has no document date"),
    "no-lines": (_set("invoiceLines", []), "the invoice has no lines"),
    "line-no-account": (_set("invoiceLines.0.account", ...), "line 1 has no GL account"),
    "line-no-amount": (
        _both(_set("invoiceLines.0.cost", ...), _set("invoiceLines.0.amount", None)),
        "line 1 amount is missing",
    ),
    "not-an-object": (lambda raw: raw.clear(), "no documentType or referenceNumber"),
}


def _map_invoice(raw: Any) -> dict[str, Any]:
    return invoice_to_bill(read_record(SupplierInvoice, raw, "supplier invoice"), REFS, COMPANY)


def _refused(call: Callable[[], Any], words: str) -> str:
    with pytest.raises(MappingError) as caught:
        call()
    reason = caught.value.reason
    assert words in reason, reason
    for leak in (
        "Traceback",
        "KeyError",
        "TypeError",
        "InvalidOperation",
        "errors.pydantic.dev",
        "input_type",
    ):
        assert leak not in reason, reason
    return reason


def test_the_good_records_map():
    bill = _map_invoice(copy.deepcopy(INVOICE))
    assert Decimal(bill["total_amount"]) == INVOICE["amount"]
    assert (
        supplier_to_vendor(read_record(Supplier, SUPPLIER, "supplier"), COMPANY)["name"] == SUPPLIER["name"]
    )
    receipt = read_record(PurchaseReceipt, RECEIPT, "purchase receipt")
    order_to_airbase(
        read_record(PurchaseOrder, ORDER, "purchase order"), [receipt], COMPANY, vendors=REFS.vendors
    )


@pytest.mark.parametrize("case", list(INVOICE_CASES))
def test_bad_invoices_are_refused_with_the_field_named(case):
    change, words = INVOICE_CASES[case]
    raw = copy.deepcopy(INVOICE)
    change(raw)
    _refused(lambda: _map_invoice(raw), words)


@pytest.mark.parametrize("raw", [[INVOICE], "Invoice/000001", None, 42])
def test_a_record_that_is_not_an_object_is_refused(raw):
    _refused(lambda: _map_invoice(raw), "the supplier invoice is not a JSON object")


def test_many_bad_fields_are_listed_together_and_capped():
    raw = copy.deepcopy(INVOICE)
    raw.update(
        amount="x", vatTotal="y", hold="z", date="nope-nope-nope", dueDate=[1], supplier="s", balance="b"
    )
    reason = _refused(lambda: _map_invoice(raw), "amount 'x' is not a number; ")
    assert "(and 2 more)" in reason


def test_an_aware_date_keeps_its_calendar_day():
    # A business date is the calendar day written, whatever offset it carries (never shifted to UTC).
    raw = copy.deepcopy(INVOICE)
    raw.update(date="2026-08-15T23:30:00-05:00", dueDate="2026-08-25T00:30:00+14:00")
    bill = _map_invoice(raw)
    assert (bill["invoice_date"], bill["due_date"]) == ("2026-08-15", "2026-08-25")


def test_exact_amounts_with_trailing_zeros_pass_unrounded():
    raw = copy.deepcopy(INVOICE)
    raw["amount"] = f"{INVOICE['amount']:f}000"
    assert Decimal(_map_invoice(raw)["total_amount"]) == INVOICE["amount"]


def test_prepayments_and_voided_documents_are_still_skips():
    for change in (_set("documentType", "Prepayment"), _set("status", "Voided")):
        raw = copy.deepcopy(INVOICE)
        change(raw)
        with pytest.raises(Skip):
            _map_invoice(raw)


SUPPLIER_CASES: dict[str, tuple[Callable[[dict[str, Any]], None], str]] = {
    "name-null": (_set("name", None), "has no name"),
    "name-blank": (_set("name", " \u3000 "), "has no name"),
    "name-nul": (_set("name", "Frakt\x00AB"), "the name of supplier"),
    "name-newline": (_set("name", "Frakt\nAB"), "contains a control character (U+000A)"),
    "name-list": (_set("name", ["Frakt AB"]), "name (a list) should be text"),
    "number-missing": (_set("number", ...), "supplier has no number"),
    "number-object": (_set("number", {"id": 1}), "number (an object) should be text"),
    "number-nul": (_set("number", "70\x0001"), "the supplier number contains a control character"),
    "email-nul": (_set("mainContact.email", "a@b.se\x00"), "the mainContact email"),
    "address-text": (_set("mainAddress", "Storgatan 1"), "mainAddress 'Storgatan 1' should be an object"),
    "internal-id-text": (_set("internalId", "5001a"), "internalId '5001a' should be a whole number"),
}


@pytest.mark.parametrize("case", list(SUPPLIER_CASES))
def test_bad_suppliers_are_refused_with_the_field_named(case):
    change, words = SUPPLIER_CASES[case]
    raw = copy.deepcopy(SUPPLIER)
    change(raw)
    _refused(lambda: supplier_to_vendor(read_record(Supplier, raw, "supplier"), COMPANY), words)


def _map_order(order: dict[str, Any], receipt: dict[str, Any]) -> dict[str, Any]:
    receipts = [read_record(PurchaseReceipt, receipt, "purchase receipt")]
    return order_to_airbase(
        read_record(PurchaseOrder, order, "purchase order"), receipts, COMPANY, vendors=REFS.vendors
    )


ORDER_CASES: dict[str, tuple[Callable[[dict[str, Any]], None], str]] = {
    "quantity-text": (_set("lines.0.orderQty", "lots"), "orderQty 'lots' is not a number"),
    "quantity-negative": (_set("lines.0.orderQty", "-3"), "quantity -3 is not positive"),
    "quantity-huge": (_set("lines.0.orderQty", "1e40"), "quantity 1E+40 is too large"),
    "unit-cost-negative": (_set("lines.0.unitCost", "-10.00"), "unit cost -10.00 is negative"),
    "unit-cost-nan": (_set("lines.0.unitCost", "NaN"), "unitCost 'NaN' is not a finite number"),
    "amount-3-decimals": (_set("lines.0.amount", "10.005"), "amount 10.005 has more decimals than SEK"),
    "amount-negative": (_set("lines.0.amount", "-10.00"), "amount -10.00 is negative"),
    "amount-product-huge": (
        _both(
            _set("lines.0.orderQty", "999999999999999"),
            _set("lines.0.unitCost", "999999999"),
            _set("lines.0.amount", ...),
        ),
        "is too large",
    ),
    "date-year-1": (_set("date", "0001-01-01T00:00:00"), "is out of range (1900-01-01 to 2099-12-31)"),
    "date-feb-30": (_set("date", "2026-02-30T00:00:00"), "day is out of range for month"),
    "currency-bad": (_set("currency", "SE"), "which is not a three-letter ISO code"),
    "lines-object": (_set("lines", {}), "lines (an object) should be a list"),
    "no-lines": (_set("lines", []), "has no lines"),
    "number-nul": (_set("orderNbr", "PO\x00"), "the purchase order number contains a control character"),
    "line-description-escape": (_set("lines.0.lineDescription", "\x1b]0;x\x07"), "line 1 description"),
    "no-supplier": (_set("supplier", ...), "has no supplier"),
}


@pytest.mark.parametrize("case", list(ORDER_CASES))
def test_bad_purchase_orders_are_refused_with_the_field_named(case):
    change, words = ORDER_CASES[case]
    order = copy.deepcopy(ORDER)
    change(order)
    _refused(lambda: _map_order(order, RECEIPT), words)


RECEIPT_CASES: dict[str, tuple[Callable[[dict[str, Any]], None], str]] = {
    "quantity-negative": (_set("lines.0.receiptQty", "-1"), "received quantity -1 is negative"),
    "quantity-text": (_set("lines.0.receiptQty", "some"), "receiptQty 'some' is not a number"),
    "quantity-infinite": (_set("lines.0.receiptQty", "Infinity"), "is not a finite number"),
    "po-line-text": (
        _set("lines.0.poOrderLineNbr", "first"),
        "poOrderLineNbr 'first' should be a whole number",
    ),
}


@pytest.mark.parametrize("case", list(RECEIPT_CASES))
def test_bad_receipts_are_refused_with_the_field_named(case):
    change, words = RECEIPT_CASES[case]
    receipt = copy.deepcopy(RECEIPT)
    receipt["status"] = "Released"
    change(receipt)
    _refused(lambda: _map_order(copy.deepcopy(ORDER), receipt), words)


REFERENCE_CASES: dict[str, tuple[Callable[[], Any], str]] = {
    "account-number-nul": (
        lambda: {**ACCOUNT, "accountCD": "54\x0060"},
        "the GL account number contains a control character",
    ),
    "account-no-description": (lambda: {**ACCOUNT, "description": None}, "has no description"),
    "account-description-list": (
        lambda: {**ACCOUNT, "description": ["x"]},
        "description (a list) should be text",
    ),
    "account-active-maybe": (
        lambda: {**ACCOUNT, "active": "maybe"},
        "active 'maybe' should be true or false",
    ),
    "account-no-number": (lambda: {**ACCOUNT, "accountCD": None}, "GL account has no number"),
    "segment-no-id": (lambda: {**SEGMENT_VALUE, "valueId": None}, "has no id"),
    "segment-id-list": (lambda: {**SEGMENT_VALUE, "valueId": ["400"]}, "valueId (a list) should be text"),
    "segment-description-nul": (
        lambda: {**SEGMENT_VALUE, "description": "Lager\x00"},
        "the description of cost centre 400",
    ),
}


@pytest.mark.parametrize("case", list(REFERENCE_CASES))
def test_bad_reference_records_are_refused_with_the_field_named(case):
    make, words = REFERENCE_CASES[case]
    raw = make()
    if case.startswith("account"):
        _refused(lambda: account_to_airbase(read_record(Account, raw, "GL account"), COMPANY), words)
    else:
        _refused(lambda: segment_value_to_tag(read_record(SegmentValue, raw, "cost centre"), COMPANY), words)


@pytest.mark.parametrize("name", INJECTIONS + UNICODE)
def test_unusual_text_is_data_and_passes_through_unchanged(name):
    vendor = supplier_to_vendor(read_record(Supplier, {**SUPPLIER, "name": name}, "supplier"), COMPANY)
    assert vendor["name"] == name.strip()
    raw = copy.deepcopy(INVOICE)
    raw.update(description=name, supplierReference=name)
    raw["invoiceLines"][0]["transactionDescription"] = name
    bill = _map_invoice(raw)
    assert bill["memo"] == name and bill["invoice_number"] == name
    assert bill["lines"][0]["description"] == name


@pytest.fixture(params=["sqlite", "postgresql"])
def any_ledger(request, tmp_path):
    url = (
        f"sqlite:///{tmp_path / 'ledger.db'}"
        if request.param == "sqlite"
        else request.getfixturevalue("postgres_url")
    )
    store = LedgerStore(url)
    yield store
    store.close()


def test_injection_strings_are_stored_as_given(any_ledger):
    """Names and ids full of SQL are only ever bound parameters: stored and read back as given."""
    store = any_ledger
    names = INJECTIONS + UNICODE[:-1]
    rows = [
        CrosswalkRow("test_injection", name, f"ab-{i}", content_hash=None) for i, name in enumerate(names)
    ]
    with store.transaction() as tx:
        tx.save_crosswalk(rows)
        for i, name in enumerate(names):
            vendor = supplier_to_vendor(
                read_record(Supplier, {**SUPPLIER, "name": name}, "supplier"), COMPANY
            )
            tx.quarantine("test_injection", f"key-{i}", vendor, f"refused {name}")
    assert set(store.crosswalk("test_injection")) == set(names)
    kept = store.quarantined("test_injection")
    assert [item.payload["name"] for item in kept] == [n.strip() for n in names]
    assert [item.error for item in kept] == [f"refused {n}" for n in names]
    tables = set(inspect(store.engine).get_table_names())
    assert {"vab_crosswalk", "vab_quarantine"} <= tables
    with store.transaction() as tx:  # the PostgreSQL database is shared by the session: clean up
        for table in (schema.crosswalk, schema.quarantine):
            tx.conn.execute(table.delete().where(table.c.kind == "test_injection"))
