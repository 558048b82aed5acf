"""Invoice -> bill: amounts to the minor unit, lines, VAT, credit notes, skips and rejections."""

from __future__ import annotations

import copy
from datetime import date
from decimal import Decimal

import pytest

from visma_airbase_pipeline.mapping import MappingError, Skip
from visma_airbase_pipeline.mapping.bills import BillReferences, invoice_to_bill
from visma_airbase_pipeline.mapping.reference import Company
from visma_airbase_pipeline.sandbox.seed import seed_company
from visma_airbase_pipeline.visma.documents import SupplierInvoice

COMPANY = Company()


@pytest.fixture(scope="module")
def seeded():
    visma, _ = seed_company(seed=3, invoices=400, today=date(2026, 11, 1))
    refs = BillReferences(
        vendors={s["number"] for s in visma.suppliers},
        accounts={a["accountCD"] for a in visma.accounts if a["active"]},
        cost_centers={s["subaccountNumber"] for s in visma.subaccounts if s["active"]},
        currencies={"SEK", "EUR", "USD"},
    )
    return visma, refs


def _invoice(raw: dict) -> SupplierInvoice:
    return SupplierInvoice.model_validate(raw)


def test_every_seeded_invoice_maps_or_is_skipped_for_a_stated_reason(seeded):
    visma, refs = seeded
    mapped = skipped = 0
    for raw in visma.supplier_invoices:
        try:
            bill = invoice_to_bill(_invoice(raw), refs, COMPANY)
        except Skip as skip:
            assert raw["documentType"] == "Prepayment" or raw["status"] == "Voided", skip.reason
            skipped += 1
            continue
        mapped += 1
        sign = -1 if raw["documentType"] == "CreditAdj" else 1
        total = Decimal(bill["total_amount"])
        assert total == sign * raw["amount"]  # to the öre/cent, same sign convention for credits
        assert sum(Decimal(line["amount"]) for line in bill["lines"]) == total
        assert bill["erp_reference_id"] == f"{raw['documentType']}/{raw['referenceNumber']}"
        assert bill["erp_currency_reference_id"] == raw["currencyId"]
        assert bill["erp_vendor_reference_id"] == raw["supplier"]["number"]
        goods = bill["lines"][: len(raw["invoiceLines"])]
        for line, source in zip(goods, raw["invoiceLines"], strict=True):
            assert line["erp_account_reference_id"] == source["account"]["number"]
            assert line["erp_tag_reference_ids"] == [
                f"CC-{source['subaccount']['segments'][0]['segmentValue']}"
            ]
    assert mapped > 300 and skipped > 0


def test_vat_is_its_own_line_on_the_input_vat_account(seeded):
    visma, refs = seeded
    raw = next(r for r in visma.supplier_invoices if r["vatTotal"] > 0 and r["documentType"] == "Invoice")
    bill = invoice_to_bill(_invoice(raw), refs, COMPANY)
    vat = bill["lines"][-1]
    assert vat["erp_account_reference_id"] == "2640" and Decimal(vat["amount"]) == raw["vatTotal"]


def test_credit_note_becomes_a_vendor_credit(seeded):
    visma, refs = seeded
    raw = next(
        r for r in visma.supplier_invoices if r["documentType"] == "CreditAdj" and r["status"] != "Voided"
    )
    bill = invoice_to_bill(_invoice(raw), refs, COMPANY)
    assert Decimal(bill["total_amount"]) < 0
    assert all(Decimal(line["amount"]) <= 0 for line in bill["lines"])


@pytest.mark.parametrize(
    "change, reason",
    [
        # each case is a way real data goes wrong; the reason must say what to fix
        (lambda r: r["supplier"].update(number="99999"), "supplier 99999 has no vendor"),
        (lambda r: r["invoiceLines"][0]["account"].update(number="9999"), "GL account 9999 does not exist"),
        (
            lambda r: r["invoiceLines"][0]["subaccount"]["segments"][0].update(segmentValue="999"),
            "cost centre 999",
        ),
        (lambda r: r.update(currencyId="GBP"), "currency GBP is not set up"),
        (lambda r: r.update(amount=r["amount"] + Decimal("0.01")), "is not lines"),
        (lambda r: r.update(amount=Decimal("-5.00")), "not positive"),
        (lambda r: r.update(invoiceLines=[]), "has no lines"),
        (lambda r: r.update(dueDate="2020-01-01T00:00:00"), "before the invoice date"),
        (lambda r: r.update(documentType="Mystery"), "unsupported document type"),
        (lambda r: r.pop("amount"), "amount is missing"),
    ],
)
def test_unmappable_invoices_are_rejected_with_a_reason(seeded, change, reason):
    visma, refs = seeded
    raw = copy.deepcopy(next(r for r in visma.supplier_invoices if r["documentType"] == "Invoice"))
    change(raw)
    with pytest.raises(MappingError, match=reason):
        invoice_to_bill(_invoice(raw), refs, COMPANY)


@pytest.mark.parametrize("status_or_type", ["Voided", "Closed", "Prepayment"])
def test_documents_airbase_should_not_hold_are_skipped(seeded, status_or_type):
    visma, refs = seeded
    raw = copy.deepcopy(next(r for r in visma.supplier_invoices if r["documentType"] == "Invoice"))
    if status_or_type == "Prepayment":
        raw["documentType"] = "Prepayment"
    else:
        raw["status"] = status_or_type
    with pytest.raises(Skip):
        invoice_to_bill(_invoice(raw), refs, COMPANY)


def test_mapping_is_deterministic(seeded):
    visma, refs = seeded
    raw = visma.supplier_invoices[0]
    assert invoice_to_bill(_invoice(raw), refs, COMPANY) == invoice_to_bill(
        _invoice(copy.deepcopy(raw)), refs, COMPANY
    )
