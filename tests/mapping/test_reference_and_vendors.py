"""Accounts, cost-centre tags and vendors: the reference data bills depend on."""

from __future__ import annotations

from decimal import Decimal

import pytest

from visma_airbase_pipeline.mapping import MappingError, content_hash
from visma_airbase_pipeline.mapping.money import money_str, to_minor
from visma_airbase_pipeline.mapping.reference import (
    Company,
    account_to_airbase,
    cost_center_tag_id,
    next_segment_value,
    segment_value_of_tag,
    segment_value_to_tag,
    tag_to_segment_insert,
)
from visma_airbase_pipeline.mapping.vendors import supplier_to_vendor, vendor_to_supplier_create
from visma_airbase_pipeline.visma.models import Account, SegmentValue, Supplier

COMPANY = Company()


def test_account_maps_to_a_read_only_airbase_account():
    item = account_to_airbase(
        Account.model_validate(
            {"accountCD": "6540", "description": "IT-tjänster", "type": "Expense", "active": True}
        ),
        COMPANY,
    )
    assert item["erp_reference_id"] == item["account_number"] == "6540"
    assert item["name"] == "IT-tjänster" and item["is_active"] is True
    assert item["subsidiary_reference_ids"] == [{"erp_reference_id": "1"}]


def test_cost_centre_round_trip():
    tag = segment_value_to_tag(
        SegmentValue.model_validate({"valueId": "200", "description": "Inköp"}), COMPANY
    )
    assert tag["erp_reference_id"] == "CC-200" and tag["type"] == "cost_center"
    assert segment_value_of_tag(cost_center_tag_id("200")) == "200"
    with pytest.raises(MappingError):
        segment_value_of_tag("PRJ-17")


def test_new_cost_centre_codes_follow_the_numbering():
    assert next_segment_value({"100", "200", "900"}) == "910"
    assert next_segment_value(set()) == "010"
    assert tag_to_segment_insert("910", " Hamn ").to_payload() == {
        "operation": "Insert",
        "value": "910",
        "description": {"value": "Hamn"},
        "active": {"value": True},
    }


def test_supplier_to_vendor_and_back():
    supplier = Supplier.model_validate(
        {
            "number": "70001",
            "name": "Kühne Logistik GmbH",
            "status": "Inactive",
            "mainContact": {"email": "ap@k.de"},
        }
    )
    vendor = supplier_to_vendor(supplier, COMPANY)
    assert vendor == {
        "erp_reference_id": "70001",
        "name": "Kühne Logistik GmbH",
        "is_active": False,
        "subsidiary_reference_ids": [{"erp_reference_id": "1"}],
        "email": "ap@k.de",
    }
    create = vendor_to_supplier_create("Nya Leverantören AB", COMPANY, email="a@b.se")
    assert create["name"] == {"value": "Nya Leverantören AB"} and create["currencyId"] == {"value": "SEK"}
    with pytest.raises(MappingError):
        supplier_to_vendor(Supplier.model_validate({"number": "70002", "name": "  "}), COMPANY)


def test_money_rounds_half_even_to_the_minor_unit():
    assert to_minor(Decimal("10.005"), "SEK") == Decimal("10.00")
    assert to_minor(Decimal("10.015"), "EUR") == Decimal("10.02")
    assert money_str(Decimal("1250"), "USD") == "1250.00"
    assert money_str(Decimal("1250.4"), "JPY") == "1250"


def test_content_hash_ignores_key_order_and_sees_every_value():
    a = {"x": Decimal("1.10"), "y": [1, 2]}
    assert content_hash(a) == content_hash({"y": [1, 2], "x": Decimal("1.10")})
    assert content_hash(a) != content_hash({"x": Decimal("1.11"), "y": [1, 2]})
