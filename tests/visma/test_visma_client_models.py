"""Visma DTOs: tolerant reads (unknown fields, nulls), Decimal money, wrapped write shapes."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import simplejson

from visma_airbase_pipeline.visma import (
    PurchaseOrder,
    PurchaseReceipt,
    SubaccountSegment,
    Supplier,
    SupplierInvoice,
    SupplierInvoiceLineWrite,
    SupplierInvoiceWrite,
    SupplierPayment,
    SupplierPaymentLineWrite,
    SupplierPaymentWrite,
    SupplierWrite,
    round_money,
)
from visma_airbase_pipeline.visma.writes import AddressWrite


def parse(text: str) -> object:
    return json.loads(text, parse_float=Decimal)


def test_read_dto_tolerates_unknown_fields_and_nulls():
    raw = parse(
        '{"number":"50012","name":null,"status":"Active","creditTerms":null,"mainAddress":{"city":"Oslo",'
        '"country":{"id":"NO","name":"Norway"},"newThing":1},"brandNewField":{"x":1},"internalId":1187}'
    )
    supplier = Supplier.model_validate(raw)
    assert supplier.number == "50012" and supplier.name is None and supplier.credit_terms is None
    assert supplier.main_address is not None and supplier.main_address.country is not None
    assert supplier.main_address.country.id == "NO"
    assert supplier.model_extra == {"brandNewField": {"x": 1}}


def test_invoice_read_shape_from_the_contract():
    raw = parse(
        '{"documentType":"Invoice","referenceNumber":"000123","supplierReference":"F-2025-0441","status":"Open",'
        '"hold":false,"date":"2025-03-10T00:00:00","dueDate":"2025-04-09T00:00:00","currencyId":"NOK",'
        '"amount":1250.00,"balance":1250.00,"supplier":{"number":"50012","name":"Nordisk Kontor AS"},'
        '"invoiceLines":[{"lineNumber":1,"transactionDescription":"Paper","quantity":10,"unitCost":100.00,'
        '"cost":1000.00,"account":{"number":"6800"},"subaccount":{"subaccountNumber":"0-200",'
        '"segments":[{"segmentId":1,"segmentValue":"200"}]},"vatCode":{"id":"1"}}],'
        '"invoiceLinesExtra":null,"lastModifiedDateTime":"2025-03-10T14:02:11.907","timeStamp":"AAAAAE0Yk3A="}'
    )
    invoice = SupplierInvoice.model_validate(raw)
    line = invoice.invoice_lines[0]
    assert invoice.date == date(2025, 3, 10) and invoice.due_date == date(2025, 4, 9)
    assert invoice.amount == Decimal("1250.00") and isinstance(invoice.balance, Decimal)
    assert line.quantity == Decimal(10) and line.unit_cost == Decimal("100.00")
    assert line.account is not None and line.account.number == "6800"
    assert line.subaccount is not None and line.subaccount.segments[0].segment_value == "200"
    assert invoice.last_modified_date_time == "2025-03-10T14:02:11.907"  # opaque watermark, not parsed


def test_purchase_order_receipt_and_payment_read_shapes():
    order = PurchaseOrder.model_validate(
        parse(
            '{"orderNbr":"500254","orderType":"RegularOrder","status":"Open","orderTotal":8000.00,'
            '"lines":[{"lineNbr":1,"inventory":{"number":"1298"},"warehouse":{"id":"MAIN"},"orderQty":800,'
            '"unitCost":10.00,"qtyOnReceipts":300,"completed":false,"canceled":null}],'
            '"purchaseReceipts":[{"receiptNumber":"000077","status":"Released"}]}'
        )
    )
    assert (
        order.lines[0].qty_on_receipts == Decimal(300)
        and order.purchase_receipts[0].receipt_number == "000077"
    )
    receipt = PurchaseReceipt.model_validate(
        parse(
            '{"receiptNbr":"000077","lines":[{"lineNbr":1,"receiptQty":300,"poOrderNbr":"500254","poOrderLineNbr":1}]}'
        )
    )
    assert receipt.receipt_nbr == "000077" and receipt.lines[0].po_order_line_nbr == 1
    payment = SupplierPayment.model_validate(
        parse(
            '{"type":"Payment","refNbr":"000045","status":"Closed","released":true,"paymentRef":"AIRBASE-8812",'
            '"supplier":{"number":"50012"},"cashAccount":"1920","paymentAmount":1250.00,'
            '"paymentLines":[{"docType":"Invoice","invoiceRefNbr":"000123","amountPaid":1250.00,"balance":0}]}'
        )
    )
    assert payment.payment_lines[0].amount_paid == Decimal("1250.00") and payment.cash_account == "1920"


def test_invoice_write_shape_from_the_contract():
    body = SupplierInvoiceWrite(
        document_type="Invoice",
        supplier_number="50012",
        supplier_reference="F-2025-0441",
        date=date(2025, 3, 10),
        due_date=date(2025, 4, 9),
        currency_id="NOK",
        hold=False,
        invoice_lines=[
            SupplierInvoiceLineWrite(
                transaction_description="Paper",
                quantity=Decimal(10),
                unit_cost_in_currency=Decimal("100.00"),
                account_number="6800",
                subaccount=[SubaccountSegment(segment_id=1, segment_value="200")],
                vat_code_id="1",
            )
        ],
    ).to_payload()
    assert body == parse(
        '{"documentType":{"value":"Invoice"},"supplierNumber":{"value":"50012"},'
        '"supplierReference":{"value":"F-2025-0441"},"date":{"value":"2025-03-10"},'
        '"dueDate":{"value":"2025-04-09"},"currencyId":{"value":"NOK"},"hold":{"value":false},'
        '"invoiceLines":[{"operation":"Insert","transactionDescription":{"value":"Paper"},"quantity":{"value":10},'
        '"unitCostInCurrency":{"value":100.00},"accountNumber":{"value":"6800"},'
        '"subaccount":[{"segmentId":1,"segmentValue":"200"}],"vatCodeId":{"value":"1"}}]}'
    )


def test_unset_is_omitted_and_explicit_none_clears():
    assert SupplierInvoiceWrite(hold=False).to_payload() == {"hold": {"value": False}}
    assert SupplierInvoiceWrite(description=None).to_payload() == {"description": {"value": None}}
    line = SupplierInvoiceLineWrite(operation="Update", line_number=2, quantity=Decimal(3)).to_payload()
    assert line == {"operation": "Update", "lineNumber": {"value": 2}, "quantity": {"value": 3}}


def test_supplier_write_shape_with_nested_address():
    body = SupplierWrite(
        name="Nordisk Kontor AS",
        supplier_class_id="DOM",
        currency_id="NOK",
        credit_terms_id="30D",
        main_address=AddressWrite(city="Oslo", country_id="NO"),
    ).to_payload()
    assert body == {
        "name": {"value": "Nordisk Kontor AS"},
        "supplierClassId": {"value": "DOM"},
        "currencyId": {"value": "NOK"},
        "creditTermsId": {"value": "30D"},
        "mainAddress": {"value": {"city": {"value": "Oslo"}, "countryId": {"value": "NO"}}},
    }


def test_payment_write_rounds_money_half_even_and_serialises_as_numbers():
    payment = SupplierPaymentWrite(
        supplier="50012",
        payment_method="BANK",
        cash_account="1920",
        currency="NOK",
        application_date=date(2025, 4, 9),
        payment_ref="AIRBASE-8812",
        payment_amount=Decimal("1250.005"),
        hold=False,
        payment_lines=[SupplierPaymentLineWrite(ref_nbr="000123", amount_paid=Decimal("1250.005"))],
    )
    body = payment.to_payload()
    assert body["paymentAmount"] == {"value": Decimal("1250.00")}
    assert simplejson.dumps(body["paymentLines"], use_decimal=True) == (
        '[{"operation": "Insert", "documentType": {"value": "Invoice"}, "refNbr": {"value": "000123"}, '
        '"amountPaid": {"value": 1250.00}}]'
    )
    assert body["type"] == {"value": "Payment"} and body["supplier"] == {"value": "50012"}


def test_round_money_uses_the_currency_minor_unit():
    assert round_money(Decimal("1.005"), "SEK") == Decimal("1.00")
    assert round_money(Decimal("1.015"), "EUR") == Decimal("1.02")
    assert round_money(Decimal("1250.5"), "JPY") == Decimal("1250")
    assert round_money(Decimal("1.0005"), "KWD") == Decimal("1.000")
